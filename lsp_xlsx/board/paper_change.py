"""The board paper's change section, for a comparison made with ``collate --previous``:
since last round, theme means then and now (a chart and a table with both rounds' n), the
largest improvements and declines by question, who joined and who left, how last round's
agreed actions stand, and one sentence on the whole.

Every figure is the workbook's: the Progress sheets' tables (compare/progress.py), rounded
by ``rules.shown_figure``, and the counts of :func:`~lsp_xlsx.compare.followup.followup_counts`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

from docx.shared import Mm, Pt

from lsp_xlsx.board import docx_tables
from lsp_xlsx.compare.followup import followup_counts
from lsp_xlsx.compare.progress_partners import movement_lines
from lsp_xlsx.compare.progress_sheets import overall_line
from lsp_xlsx.compare.rules import change_rule, shown_figure
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.text import xml_safe

#: How many of the largest improvements and of the declines the paper lists.
#: Two each keep the demo's year-two paper within four pages; the workbook lists them all.
PAPER_MOVERS = 2


def _table(doc: Any, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    """A small table with a navy header row repeated on each page; a question's row is read
    whole, never half on one page and half on the next."""
    docx_tables.add_table(
        doc,
        [xml_safe(t) for t in header],
        [[xml_safe(v) for v in values] for values in rows],
        widths,
        rows_whole=True,
    )


def _day(text: str) -> str:
    """A date as the workbook shows it (dd/mm/yyyy); text that is no date, as typed."""
    try:
        return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        return text


def _change(value: float) -> str:
    return "" if math.isnan(value) else f"{value:+.1f}"


def _chart(c: Comparison) -> tuple[bytes, str]:
    """Theme means last round and this round, side by side (PNG), and its alt text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    p = c.progress
    assert p is not None
    rows = p.themes[
        (p.themes["partner"] == "Partnership mean") & (p.themes["theme"] != "All themes")
    ]
    names = list(rows["theme"])[::-1]
    then = [float(v) for v in rows["last"]][::-1]
    now = [float(v) for v in rows["now"]][::-1]
    low, high = c.framework.score_range
    figure = Figure(figsize=(6.3, 2.2), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    ys = range(len(names))
    for offset, values, colour, label in (
        (0.2, then, "#8EA9DB", f"Round {p.previous_round}"),
        (-0.2, now, "#1F3864", f"Round {c.round}" if c.round else "This round"),
    ):
        bars = axes.barh(
            [y + offset for y in ys],
            [0 if math.isnan(v) else v for v in values],
            height=0.4,
            color=colour,
            label=label,
        )
        for bar, value in zip(bars, values, strict=True):
            shown = "no score" if math.isnan(value) else shown_figure(value)
            y = bar.get_y() + bar.get_height() / 2
            axes.text(bar.get_width() + 0.05, y, shown, va="center", fontsize=7)
    axes.set_yticks(list(ys), names)
    axes.set_xlim(0, high + 0.6)
    axes.set_xticks(range(0, int(high) + 1))
    axes.set_xlabel(f"Partnership mean score ({low} to {high})", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, loc="lower right", frameon=False)
    longest = max((len(n) for n in names), default=10)
    figure.subplots_adjust(left=min(0.6, 0.05 + longest * 8 * 0.6 / 72 / 6.3), right=0.97)
    figure.subplots_adjust(top=0.97, bottom=0.17)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    alt = (
        f"Bar chart of the partnership's mean score for each of {len(names)} themes in round "
        f"{p.previous_round} beside this round, on a scale from {low} to {high}. The numbers "
        "are in the table below."
    )
    return buffer.getvalue(), alt


def _picture(doc: Any, image: bytes, alt: str) -> None:
    shape = doc.add_picture(io.BytesIO(image), width=Mm(150))
    shape._inline.docPr.set("descr", xml_safe(alt))
    shape._inline.docPr.set("title", "Partnership mean score by theme, then and now")


def _theme_table(doc: Any, c: Comparison) -> None:
    p = c.progress
    assert p is not None
    rows = p.themes[p.themes["partner"] == "Partnership mean"]
    now_label = f"Round {c.round}" if c.round else "This round"
    header = ["Theme", f"Round {p.previous_round}", "n", now_label, "n", "Change", "Direction"]
    body = [
        [
            str(r["theme"]),
            shown_figure(r["last"]),
            "" if r["n_last"] is None else str(int(r["n_last"])),
            shown_figure(r["now"]),
            "" if r["n_now"] is None else str(int(r["n_now"])),
            _change(r["shown_change"]),
            str(r["direction"]),
        ]
        for r in rows.to_dict("records")
    ]
    _table(doc, header, body, [46, 18, 10, 18, 10, 16, 36])


def _movers(doc: Any, c: Comparison) -> None:
    p = c.progress
    assert p is not None
    q = p.questions
    for kind, word in (("largest improvement", "improvements"), ("largest decline", "declines")):
        chosen = q[q["movement"] == kind]
        ascending = kind == "largest decline"
        chosen = chosen.sort_values("change", ascending=ascending).head(PAPER_MOVERS)
        if chosen.empty:
            doc.add_paragraph(xml_safe(f"Largest {word} by question: none clear."))
            continue
        lead = doc.add_paragraph(xml_safe(f"Largest {word} by question:"))
        lead.paragraph_format.space_before = Pt(6)
        body = [
            [
                str(r["question_id"]),
                str(r["question"]),
                shown_figure(r["last"]),
                shown_figure(r["now"]),
                _change(r["shown_change"]),
            ]
            for r in chosen.to_dict("records")
        ]
        header = ["ID", "Question", "Then", "Now", "Change"]
        _table(doc, header, body, [18, 106, 15, 15, 16])


def _actions(doc: Any, c: Comparison) -> None:
    p = c.progress
    assert p is not None
    if p.followup is None:
        doc.add_paragraph(
            "No agreed position from last round was given, so its actions are not followed "
            "up here (give collate --previous last round's folder, with its agreed.csv)."
        )
        return
    counts = followup_counts(p.followup)
    text = f"Last round's agreed actions, as at {p.today:%d %B %Y}: {counts.sentence()}"
    text += f" {counts.in_progress} in progress, {counts.not_started} not started."
    doc.add_paragraph(xml_safe(text))
    late = p.followup[p.followup["due"] == "overdue"]
    if not late.empty:
        body = [
            [str(r["action"]), str(r["lead"]), _day(str(r["target_date"])), str(r["status"])]
            for r in late.sort_values("target_date").to_dict("records")
        ]
        _table(doc, ["Late action", "Lead", "Target date", "Status"], body, [96, 34, 22, 22])


def add_change_section(doc: Any, c: Comparison) -> None:
    """The change section, when the comparison was made with last round's tidy table."""
    p = c.progress
    if p is None:
        return
    docx_tables.heading(doc, xml_safe(f"Since round {p.previous_round}"), 1)
    doc.add_paragraph(xml_safe(f"{overall_line(c)} {change_rule()}"))
    image, alt = _chart(c)
    _picture(doc, image, alt)
    _theme_table(doc, c)
    _movers(doc, c)
    doc.add_paragraph(xml_safe(" ".join(movement_lines(p.moved, p.previous_round))))
    _actions(doc, c)
