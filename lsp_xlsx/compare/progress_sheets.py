"""The Progress sheets: what changed since last round, each as one table.

Progress (by partner and theme, with a chart of theme means then and now), Progress by
question, and Actions due (last round's actions whose target date has passed). Every
change shows its number, with an arrow and a colour beside it, never colour alone.
"""

from __future__ import annotations

import math

from openpyxl.chart import BarChart, Reference

from lsp_xlsx.compare.progress_partners import movement_lines
from lsp_xlsx.compare.rules import CHANGE_THRESHOLD, change_direction, change_rule, shown_figure
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison

CHANGE_NOTE = (
    "Last round's figures are as that round's comparison reported them (thin scores left "
    "out, as then). A change is the difference of the two figures as shown, rounded half up. "
    + change_rule()
)
#: A change's number format: no "-0.0", since a change as shown is a whole number of tenths.
CHANGE_FORMAT = "+0.0;-0.0;0.0"


def progress_notes(c: Comparison) -> list[str]:
    """The Notes sheet's lines on the comparison with last round (none without one)."""
    if c.progress is None:
        return []
    from lsp_xlsx.compare.followup import DUE_WITHIN_DAYS

    lines = [f"Progress sheets: {CHANGE_NOTE}"]
    if c.progress.followup is not None:
        lines.append(
            "Agreed actions: last round's agreed actions, with the status from the "
            "improvement plan (set it in the plan's Status column). An open action is "
            f"overdue past its target date and due when that is within {DUE_WITHIN_DAYS} "
            f"days of {c.progress.today}, the day the board pack was made for (--today)."
        )
    return lines


def write_progress_list(s: Sheet, c: Comparison) -> None:
    """By partner and theme, one row each (for filtering): last round, this round, the
    change and its direction."""
    p = c.progress
    assert p is not None
    lines = [f"Since round {p.previous_round}. {overall_line(c)} {CHANGE_NOTE}"]
    lines += movement_lines(p.moved, p.previous_round)
    if p.questions_added or p.questions_removed:
        lines.append(
            f"Questions added: {', '.join(p.questions_added) or 'none'}. "
            f"Removed: {', '.join(p.questions_removed) or 'none'} (matched by id)."
        )
    header_row = s.title("Progress since last round: the long list", " ".join(lines))
    labels = ["Partner", "Theme", "Last round", "This round", "Change", "Direction"]
    labels += ["Last round (n)", "This round (n)"]
    s.header(header_row, labels, [30, 22, 10, 10, 9, 10, 10, 10])
    row = header_row
    for record in p.themes.to_dict("records"):
        row += 1
        s.put(
            row,
            1,
            record["partner"],
            style="bold" if record["partner"] == "Partnership mean" else "body",
        )
        s.put(row, 2, record["theme"])
        s.put(row, 3, record["last"], "0.0")
        s.put(row, 4, record["now"], "0.0")
        s.put(row, 5, record["shown_change"], CHANGE_FORMAT)
        s.put(row, 6, record["direction"], style="centre")
        s.put(row, 7, record["n_last"], "0")
        s.put(row, 8, record["n_now"], "0")
        s.fit_cells(row)
    last = s.table("ProgressTable", row)
    _chart(s, header_row, len(c.framework.themes))
    s.finish(header_row, len(labels), last)
    s.ws.print_area = f"A1:Q{max(last, header_row + 20)}"  # the chart prints beside the table


def _chart(s: Sheet, header_row: int, themes: int) -> None:
    """Theme means last round and this round, side by side; the rows come first."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Partnership mean by theme: last round and this round"
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    first, last = header_row + 1, header_row + themes
    chart.add_data(
        Reference(s.ws, min_col=3, max_col=4, min_row=header_row, max_row=last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(s.ws, min_col=2, min_row=first, max_row=last))
    chart.height, chart.width = 9, 16
    s.ws.add_chart(chart, "H3")
    s.alt_texts.append(
        "Bar chart of the partnership's mean score for each theme, last round beside this "
        "round. The numbers are in the table to the left, in the rows for the partnership mean."
    )


def overall_line(c: Comparison) -> str:
    """The partnership's movement across all themes, in one sentence."""
    p = c.progress
    assert p is not None
    rows = p.themes[(p.themes["partner"] == "Partnership mean")]
    overall = rows[rows["theme"] == "All themes"].iloc[0]
    last, now, change = overall["last"], overall["now"], overall["shown_change"]
    if math.isnan(last) or math.isnan(now):
        return "There is not enough to compare across all themes."
    direction = change_direction(change)
    word = {"▲ up": "improved", "▼ down": "declined"}.get(direction, "showed no clear change")
    return (
        f"Across all themes the partnership {word}: its mean score moved from "
        f"{shown_figure(last)} (n={int(overall['n_last'])}) to "
        f"{shown_figure(now)} (n={int(overall['n_now'])}) ({change:+.1f})."
    )


def _agreed_then(c: Comparison) -> dict[str, str]:
    """Question id -> last round's agreed rating, when last round's agreed.csv was given."""
    p = c.progress
    if p is None or p.agreed is None:
        return {}
    agreed = p.agreed
    raw = agreed["agreed_raw"] if "agreed_raw" in agreed.columns else agreed["agreed_label"]
    pairs = zip(agreed["question_id"], agreed["agreed_label"], raw, strict=True)
    return {str(q): str(label or typed) for q, label, typed in pairs}


def write_question_progress(s: Sheet, c: Comparison) -> None:
    """Per rated question: the partnership's mean then and now (with the board's agreed
    rating then, when last round's agreed.csv was given), and the largest movers."""
    p = c.progress
    assert p is not None
    agreed = _agreed_then(c) if p.agreed is not None else None
    beside = (
        " Agreed then is the rating the board agreed last round, beside the partnership's mean now."
        if agreed is not None
        else ""
    )
    header_row = s.title(
        "Progress by question",
        f"The partnership's mean on each rated question in round {p.previous_round} and now. "
        "The five largest clear improvements and declines are flagged. n is how many partners "
        f"scored the question in each round.{beside} {CHANGE_NOTE}",
    )
    labels = ["ID", "Theme", "Question", "Last round"]
    labels += ["Agreed then"] if agreed is not None else []
    labels += ["This round", "Change", "Direction", "Movement", "Last round (n)"]
    labels += ["This round (n)"]
    widths = [8, 18, 50, 10] + ([22] if agreed is not None else []) + [10, 9, 14, 18, 10, 10]
    s.header(header_row, labels, widths)
    row = header_row
    for record in p.questions.to_dict("records"):
        row += 1
        for col, key in enumerate(("question_id", "theme", "question"), start=1):
            s.put(row, col, record[key])
        s.put(row, 4, record["last"], "0.0")
        col = 5
        if agreed is not None:
            s.put(row, col, agreed.get(str(record["question_id"]), ""))
            col += 1
        s.put(row, col, record["now"], "0.0")
        s.put(row, col + 1, record["shown_change"], CHANGE_FORMAT)
        s.put(row, col + 2, record["direction"], style="centre")
        s.put(row, col + 3, record["movement"], style="bold" if record["movement"] else "body")
        s.put(row, col + 4, record["n_last"], "0")
        s.put(row, col + 5, record["n_now"], "0")
        s.fit_cells(row)
    last = s.table("QuestionProgressTable", row)
    s.finish(header_row, len(labels), last)


def _grid_change(change: float) -> str:
    """A change in the grid: '▲ +0.3', '▼ -0.4', or '≈ +0.1' below the threshold."""
    if change is None or math.isnan(change):
        return ""
    mark = {"▲ up": "▲", "▼ down": "▼"}.get(change_direction(change), "≈")
    return f"{mark} {change:+.1f}" if change else f"{mark} 0.0"


def write_progress(s: Sheet, c: Comparison) -> None:
    """Partners down, themes across: each theme's score then, now and the change, with the
    partnership's mean and n first; the long list is on 'Progress list' for filtering."""
    p = c.progress
    assert p is not None
    lines = [f"Since round {p.previous_round}. {overall_line(c)}"]
    lines += movement_lines(p.moved, p.previous_round)
    lines.append(
        f"▲ and ▼ mark a change of {CHANGE_THRESHOLD:.1f} points or more; ≈ marks a smaller "
        "move, no clear change. Partners in both rounds only; every row, for filtering, is "
        "on the Progress list sheet, with a chart."
    )
    short = [f"T{t.number}" for t in c.framework.themes]
    lines.append(
        "Themes: "
        + "; ".join(
            f"{k} {t.sheet_name.removeprefix(str(t.number)).strip()}"
            for k, t in zip(short, c.framework.themes, strict=True)
        )
        + "."
    )
    header_row = s.title("Progress since last round", " ".join(lines))
    themes = [*(t.sheet_name for t in c.framework.themes), "All themes"]
    labels = ["Partner"]
    for key in [*short, "All"]:
        labels += [f"{key} then", f"{key} now", f"{key} change"]
    labels.append("Note")
    s.header(header_row, labels, [28] + [7, 7, 9] * len(themes) + [30])
    table = p.themes.set_index(["partner", "theme"])
    unchanged = set(p.moved.unchanged)
    row = header_row
    for partner in dict.fromkeys(p.themes["partner"]):
        mean_row = partner == "Partnership mean"
        row += 1
        s.put(row, 1, partner, style="bold" if mean_row else "body")
        for index, theme in enumerate(themes):
            record = table.loc[(partner, theme)]
            col = 2 + 3 * index
            s.put(row, col, record["last"], "0.0")
            s.put(row, col + 1, record["now"], "0.0")
            s.put(row, col + 2, _grid_change(record["shown_change"]), style="centre")
        if partner in unchanged:
            s.put(
                row,
                len(labels),
                f"Ratings unchanged from {p.previous_round}: check they were reviewed.",
            )
        s.fit_cells(row)
        if mean_row:  # each round's n, under the partnership's mean
            row += 1
            s.put(row, 1, "Partnership mean: partners (n)")
            for index, theme in enumerate(themes):
                n = table.loc[("Partnership mean", theme), ["n_last", "n_now"]]
                s.put(row, 2 + 3 * index, n.iloc[0], "0")
                s.put(row, 3 + 3 * index, n.iloc[1], "0")
    last = s.table("ProgressGridTable", row)
    s.finish(header_row, len(labels), last, freeze=f"B{header_row + 1}")


def write_actions_due(s: Sheet, c: Comparison) -> None:
    """Last round's actions whose target date has passed, with the rating then and now."""
    p = c.progress
    assert p is not None
    header_row = s.title(
        "Last round's actions now due",
        f"Improvement actions proposed in round {p.previous_round} whose target date has "
        "passed, with the partner's rating of the question then and now.",
    )
    labels = ["Partner", "Theme", "ID", "Improvement action", "Lead (post)", "Target date"]
    labels += ["Rating then", "Rating now"]
    s.header(header_row, labels, [22, 16, 8, 46, 18, 12, 20, 20])
    keys = ["partner", "theme", "question_id", "improvement_action", "lead", "target_date"]
    row = header_row
    for record in p.actions_due.to_dict("records"):
        row += 1
        for col, key in enumerate([*keys, "rating_then", "rating_now"], start=1):
            s.put(row, col, record[key])
        s.fit_cells(row)
    last = s.table("ActionsDueTable", row)
    s.finish(header_row, len(labels), last)
