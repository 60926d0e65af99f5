"""The Progress sheets: what changed since last round, each as one table.

Progress (by partner and theme, with a chart of theme means then and now), Progress by
question, and Actions due (last round's actions whose target date has passed). Every
change shows its number, with an arrow and a colour beside it, never colour alone.
"""

from __future__ import annotations

import math

from openpyxl.chart import BarChart, Reference

from lsp_xlsx.compare.rules import shown_figure
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison


def _direction(change: float) -> str:
    """The arrow for a change as shown (the difference of the two rounded figures)."""
    if change is None or math.isnan(change):
        return ""
    if change > 0:
        return "▲ up"
    if change < 0:
        return "▼ down"
    return "= same"


CHANGE_NOTE = (
    "Last round's figures are as that round's comparison reported them (thin scores left "
    "out, as then). A change is the difference of the two figures as shown, rounded half up."
)


def write_progress(s: Sheet, c: Comparison) -> None:
    """By partner and theme: last round, this round, the change and its direction."""
    p = c.progress
    assert p is not None
    lines = [f"Since round {p.previous_round}. {overall_line(c)} {CHANGE_NOTE}"]
    if p.partners_new or p.partners_gone:
        lines.append(
            f"New this round: {', '.join(p.partners_new) or 'none'}. "
            f"Not in this round: {', '.join(p.partners_gone) or 'none'}."
        )
    if p.questions_added or p.questions_removed:
        lines.append(
            f"Questions added: {', '.join(p.questions_added) or 'none'}. "
            f"Removed: {', '.join(p.questions_removed) or 'none'} (matched by id)."
        )
    header_row = s.title("Progress since last round", " ".join(lines))
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
        s.put(row, 5, record["shown_change"], "+0.0;-0.0;0.0")
        s.put(row, 6, _direction(record["shown_change"]), style="centre")
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
    word = "improved" if change > 0 else "declined" if change < 0 else "held steady"
    return (
        f"Across all themes the partnership {word}: its mean score moved from "
        f"{shown_figure(last)} (n={int(overall['n_last'])}) to "
        f"{shown_figure(now)} (n={int(overall['n_now'])}) ({change:+.1f})."
    )


def write_question_progress(s: Sheet, c: Comparison) -> None:
    """Per rated question: the partnership's mean then and now, and the largest movers."""
    p = c.progress
    assert p is not None
    header_row = s.title(
        "Progress by question",
        f"The partnership's mean on each rated question in round {p.previous_round} and now. "
        "The five largest improvements and declines are flagged. n is how many partners "
        f"scored the question in each round. {CHANGE_NOTE}",
    )
    labels = [
        "ID",
        "Theme",
        "Question",
        "Last round",
        "This round",
        "Change",
        "Direction",
        "Movement",
        "Last round (n)",
        "This round (n)",
    ]
    s.header(header_row, labels, [8, 18, 50, 10, 10, 9, 10, 18, 10, 10])
    row = header_row
    for record in p.questions.to_dict("records"):
        row += 1
        for col, key in enumerate(("question_id", "theme", "question"), start=1):
            s.put(row, col, record[key])
        s.put(row, 4, record["last"], "0.0")
        s.put(row, 5, record["now"], "0.0")
        s.put(row, 6, record["shown_change"], "+0.0;-0.0;0.0")
        s.put(row, 7, _direction(record["shown_change"]), style="centre")
        s.put(row, 8, record["movement"], style="bold" if record["movement"] else "body")
        s.put(row, 9, record["n_last"], "0")
        s.put(row, 10, record["n_now"], "0")
        s.fit_cells(row)
    last = s.table("QuestionProgressTable", row)
    s.finish(header_row, len(labels), last)


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
