"""The Summary sheet: theme scores by partner, by sector, and the charts."""

from __future__ import annotations

from typing import Any

from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.utils import get_column_letter

from lsp_xlsx.compare.progress_sheets import overall_line
from lsp_xlsx.compare.rules import shown_figure
from lsp_xlsx.compare.scores import GroupScores
from lsp_xlsx.compare.sheet import Sheet, heat_map, score_range
from lsp_xlsx.compare.tables import Comparison

RADAR_PARTNERS = 30  # beyond this, the radar shows min, max and mean rather than each partner


THIN_NOTE = (
    "* A score with a star rests on fewer than half of the theme's rated questions: it is "
    "shown, but left out of the partnership's mean, min, max and spread."
)


def write_summary(s: Sheet, c: Comparison) -> None:
    """Theme scores by partner with the partnership's mean and range, coverage, means by
    each grouping (with n), and charts."""
    header_row, first, last_theme_row, after = _theme_table(s, c)
    row = after + 1
    for group in c.groups:
        row = _group_table(s, c, group, row)
    if c.partners:
        _charts(s, c, header_row, first, last_theme_row, row)


def _theme_table(s: Sheet, c: Comparison) -> tuple[int, int, int, int]:
    """The partner × theme table and the coverage row; returns the header row, the first
    row, the last theme row and the row after the table."""
    # ``c.partners`` are the partners shown, fewer than counted only on a sheet too wide.
    counted = len(c.partners)
    subtitle = (
        f"{c.framework.title}. Mean scores by theme. {c.return_counts.sentence()}"
        + f" {c.framework.describe_scale()}"
        + (f" {THIN_NOTE}" if c.thin.to_numpy().any() else "")
        + (f" Since round {c.progress.previous_round}: {overall_line(c)}" if c.progress else "")
    )
    widths = [24, *[12] * counted, 12, 8, 8, 8, 9]
    header_row = s.title("Self-assessment comparison: summary", subtitle, sum(widths)) + 1
    labels = ["Theme", *[p.name for p in c.partners], "Partnership mean", "Min", "Max"]
    labels += ["Spread", "Partners (n)"]
    s.header(header_row, labels, widths)
    first = row = header_row + 1
    ids = [p.partner_id for p in c.partners]
    # Arrays, not a .loc per cell: the table has a column per partner, perhaps thousands.
    scores = c.theme_scores[ids].to_numpy(dtype=object)
    thin = c.thin.reindex(index=c.theme_scores.index, columns=ids).fillna(False).to_numpy()
    for i, (theme_id, values) in enumerate(c.theme_scores.iterrows()):
        style = "bold" if theme_id == "ALL" else "body"
        s.put(row, 1, values["theme"], style=style)
        for col, (value, marked) in enumerate(zip(scores[i], thin[i], strict=True), start=2):
            s.put(row, col, value, '0.0" *"' if marked else "0.0", style)
        for offset, key in enumerate(("mean", "min", "max", "spread")):
            s.put(row, 2 + counted + offset, values[key], "0.0", style)
        s.put(row, 6 + counted, values["n"], "0", style)
        row += 1
    if counted:
        low, high = score_range(c)
        heat_map(s.ws, f"B{first}:{get_column_letter(2 + counted)}{row - 1}", low, high)
    last_theme_row = row - 2  # the row before "All themes"
    s.put(row, 1, "Rated questions answered")
    answered = {r.partner_id.casefold(): r for r in c.counted}
    for col, partner in enumerate(c.partners, start=2):
        ret = answered.get(partner.partner_id.casefold())
        s.put(row, col, f"{ret.answered}/{ret.rated_total}" if ret else "", style="centre")
    s.finish(header_row, len(labels), row, freeze=f"B{first}")
    return header_row, first, last_theme_row, row + 1


def _group_table(s: Sheet, c: Comparison, group: GroupScores, row: int) -> int:
    """Theme means by one grouping, each with the number of partners behind it."""
    s.text(row, 1, f"Mean score by {group.grouping}", "section")
    row += 1
    labels = ["Theme"]
    for name in group.groups:
        labels += [name, f"{name}: n"]
    # Below the partners' table: the columns may grow, never shrink.
    s.header(row, labels, [24, *[12, 7] * len(group.groups)], only_widen=True)
    first = row + 1
    for theme_id, theme in c.theme_scores["theme"].items():
        row += 1
        s.put(row, 1, theme)
        for offset, name in enumerate(group.groups):
            s.put(row, 2 + 2 * offset, group.means.loc[str(theme_id), name], "0.0")
            s.put(row, 3 + 2 * offset, group.n.loc[str(theme_id), name], "0")
    low, high = score_range(c)
    for offset in range(len(group.groups)):
        letter = get_column_letter(2 + 2 * offset)
        heat_map(s.ws, f"{letter}{first}:{letter}{row}", low, high)
    return row + 2


def _charts(s: Sheet, c: Comparison, header_row: int, first: int, last: int, row: int) -> None:
    """A bar chart of theme means and, beside it, a radar of partners against the mean."""
    ws, counted = s.ws, len(c.partners)
    n_labels = counted + 5
    # The charts sit side by side below the tables; the radar starts where the columns
    # to its left are about as wide as the bar chart (a character is about 0.2 cm).
    radar_col, width_cm = 1, 0.0
    while width_cm < 17.0:
        letter = get_column_letter(radar_col)
        width_cm += (ws.column_dimensions[letter].width or 8.43) * 0.2
        radar_col += 1
    ws.print_area = f"A1:{get_column_letter(max(n_labels, radar_col + 12))}{row + 30}"
    cats = Reference(ws, min_col=1, min_row=first, max_row=last)
    mean_col = 2 + counted
    high = score_range(c)[1]
    bar = BarChart()
    bar.type = "bar"
    bar.style = 10
    bar.title = "Partnership mean score by theme"
    bar.y_axis.title = "Mean score"
    bar.y_axis.scaling.min = 0
    bar.y_axis.scaling.max = high
    bar.y_axis.majorUnit = 1
    bar.x_axis.scaling.orientation = "maxMin"  # theme 1 at the top, as in the table
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    bar.add_data(
        Reference(ws, min_col=mean_col, min_row=header_row, max_row=last), titles_from_data=True
    )
    bar.set_categories(cats)
    bar.legend = None
    bar.height, bar.width = 12, 16
    ws.add_chart(bar, f"A{row}")
    radar = _radar(ws, counted, mean_col, header_row, last, high)
    radar.set_categories(cats)
    ws.add_chart(radar, f"{get_column_letter(radar_col)}{row}")
    s.alt_texts += _alt_texts(c)


def _alt_texts(c: Comparison) -> list[str]:
    """What each chart shows, in words, for people who cannot see it."""
    low, high = c.framework.score_range
    means = c.theme_scores.drop(index="ALL")["mean"].dropna()
    bar = (
        f"Bar chart of the partnership's mean score for each of the {len(c.framework.themes)} "
        f"themes, on a scale from {low} to {high}."
    )
    if not means.empty:
        names = dict(zip(c.theme_scores.index, c.theme_scores["theme"], strict=True))
        best, worst = str(means.idxmax()), str(means.idxmin())
        bar += (
            f" Highest: {names[best]} ({shown_figure(means[best])}). "
            f"Lowest: {names[worst]} ({shown_figure(means[worst])})."
        )
    who = (
        "each partner's mean score by theme"
        if len(c.partners) <= RADAR_PARTNERS
        else "the lowest and highest partner's mean score by theme"
    )
    radar = (
        f"Radar chart of {who}, with the partnership mean as a thick dashed black line, "
        f"on a scale from {low} to {high}."
    )
    return [
        bar + " The numbers are in the table above.",
        radar + " The numbers are in the table above.",
    ]


def _radar(ws: Any, counted: int, mean_col: int, header_row: int, last: int, high: float) -> Any:
    radar = RadarChart()
    radar.type = "marker"
    radar.style = 26
    if counted <= RADAR_PARTNERS:
        radar.title = "Each partner against the partnership mean"
        series = [*range(2, 2 + counted), mean_col]
    else:
        # A line per partner is unreadable beyond a few dozen: show the range instead.
        radar.title = "Lowest and highest partner against the partnership mean"
        series = [mean_col + 1, mean_col + 2, mean_col]
    for col in series:
        radar.add_data(
            Reference(ws, min_col=col, min_row=header_row, max_row=last), titles_from_data=True
        )
    # The partnership mean stands out by line style, not just colour.
    mean_line = radar.series[-1].graphicalProperties.line
    mean_line.solidFill = "000000"
    mean_line.width = 38100  # 3 pt, in EMU
    mean_line.prstDash = "dash"
    radar.y_axis.scaling.min = 0
    radar.y_axis.scaling.max = high
    radar.y_axis.delete = False
    if radar.legend is not None:
        radar.legend.position = "r"
    radar.height, radar.width = 14, 26
    return radar
