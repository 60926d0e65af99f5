"""The board paper: a short Word document for the board's agenda pack, made from a Comparison.

A4, two to four pages: the key messages, who returned, a chart and a table of theme
scores, the strongest and weakest questions, what to discuss first, the group comparisons,
a digest of the proposed actions, how the numbers are made, and what the board is asked to
do. The sentences of the key messages and recommendations are in
:mod:`lsp_xlsx.board.paper_messages`, their wording in
:mod:`lsp_xlsx.board.paper_templates`; the anonymous paper is this paper made from the
copy of the comparison :mod:`lsp_xlsx.board.paper_public` makes. Word heading styles (for
the navigation pane and screen readers), header rows that repeat across pages, alt text on
the chart, and the title and language (en-GB) set.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from lsp_xlsx.board import docx_tables
from lsp_xlsx.board.paper_change import add_change_section
from lsp_xlsx.board.paper_messages import Messages, actions_digest, paper_messages
from lsp_xlsx.board.paper_public import anonymised
from lsp_xlsx.board.paper_respondents import respondents_section
from lsp_xlsx.board.paper_templates import read_templates
from lsp_xlsx.compare.digests import AGENDA_ORDER
from lsp_xlsx.compare.rules import GROUP_MIN_SIZE, disagreement_rule, group_rule, shown_figure
from lsp_xlsx.compare.scores import GROUP_GAP, THIN_SHARE
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.core.text import xml_safe
from lsp_xlsx.core.version import __version__
from lsp_xlsx.returns.model import Status
from lsp_xlsx.workbook import styles as S

#: At most this many partners are listed in the theme table; beyond it, groups tell more.
TABLE_PARTNERS = 24
FILLS = (S.LOW, S.MID, S.HIGH)


def _clean(text: str) -> str:
    """Text Word can hold (python-docx raises on U+FFFE, controls, lone surrogates): every
    piece of text reaches the document through here, replaced visibly as xml_safe does."""
    return xml_safe(str(text))


def _table(
    doc: Any,
    header: list[str],
    rows: list[list[Any]],
    widths: list[float],
    fills: list[list[str]] | None = None,
) -> Any:
    """A table with a navy header row repeated on each page, 9pt text, fixed widths.

    Each cell is made in one pass (python-docx rebuilds row and cell lists on every access,
    and a paper per partnership in a split run makes thousands of cells)."""
    return docx_tables.add_table(  # as XML, not cell by cell (issue 26)
        doc,
        [_clean(text) for text in header],
        [[_clean(v if isinstance(v, str) else _number(v)) for v in values] for values in rows],
        widths,
        fills,
    )


def _float(value: Any) -> float:
    return float(value)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # Rounded half up, as the workbook's 0.0 shows it: one rounding for one figure.
    return shown_figure(value) if isinstance(value, float) else str(value)


def _colour(score: float, low: float, high: float) -> str:
    if math.isnan(score):
        return "FFFFFF"
    position = (score - low) / (high - low) if high > low else 0.5
    return FILLS[min(2, int(position * 3))]


@dataclass
class _Drawn:
    """A chart laid out once, whose bars and labels are changed for each paper."""

    figure: Any
    bars: list[Any]
    labels: list[Any]


#: Charts laid out in this process, by (theme names, scale): a split run draws one per
#: partnership, all with the same themes, and laying out the figure, its axes and its
#: ticks again each time was a third of the chart's cost. The PNG is the same either way.
_DRAWN: dict[tuple[tuple[str, ...], float, float], _Drawn] = {}
_DRAWING = threading.Lock()


def _laid_out(names: list[str], low: float, high: float) -> _Drawn:
    key = (tuple(names), low, high)
    drawn = _DRAWN.get(key)
    if drawn is not None:
        return drawn
    # A bare Figure on the Agg canvas: no pyplot state to set up or close.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.3, 2.2), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    bars = list(axes.barh(names, [0.0] * len(names), color="#1F3864"))
    labels = [
        axes.text(0.05, bar.get_y() + bar.get_height() / 2, "", va="center", fontsize=8)
        for bar in bars
    ]
    axes.set_xlim(0, high + 0.5)
    # Whole points only: the scale's steps, and half the tick labels to draw.
    axes.set_xticks(range(0, int(high) + 1))
    axes.set_xlabel(f"Partnership mean score ({low} to {high})", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    # Margins worked out from the longest theme name (about 0.6 of the 8pt font size a
    # character), where tight_layout would draw the whole chart an extra time to find them.
    longest = max((len(n) for n in names), default=10)
    figure.subplots_adjust(left=min(0.6, 0.05 + longest * 8 * 0.6 / 72 / 6.3), right=0.95)
    figure.subplots_adjust(top=0.95, bottom=0.2)
    if len(_DRAWN) >= 4:  # one framework a run; never a store that grows
        _DRAWN.clear()
    _DRAWN[key] = drawn = _Drawn(figure, bars, labels)
    return drawn


def chart_png(names: list[str], means: list[float], low: float, high: float) -> bytes:
    """The bar chart (PNG) of ``means`` by theme ``names``, drawn bottom to top."""
    with _DRAWING:
        drawn = _laid_out(names, low, high)
        for bar, label, mean in zip(drawn.bars, drawn.labels, means, strict=True):
            width = 0.0 if math.isnan(mean) else mean
            bar.set_width(width)
            label.set_x(width + 0.05)
            label.set_text("no score" if math.isnan(mean) else shown_figure(mean))
        buffer = io.BytesIO()
        # zlib level 3, not PIL's 6: the same pixels, a slightly smaller file, less time.
        drawn.figure.savefig(
            buffer, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 3}
        )
        return buffer.getvalue()


def _chart(c: Comparison) -> tuple[bytes, str]:
    """A bar chart of the partnership's theme means (PNG), and its alt text."""
    table = c.theme_scores.drop(index="ALL")
    names = list(table["theme"])[::-1]
    means = [float(v) for v in table["mean"]][::-1]
    low, high = c.framework.score_range
    image = chart_png(names, means, low, high)
    scored = [(n, m) for n, m in zip(names, means, strict=True) if not math.isnan(m)]
    alt = (
        f"Bar chart of the partnership's mean score for each of {len(names)} themes, "
        f"on a scale from {low} to {high}."
    )
    if scored:
        best, worst = max(scored, key=lambda x: x[1]), min(scored, key=lambda x: x[1])
        high_text, low_text = shown_figure(best[1]), shown_figure(worst[1])
        alt += f" Highest: {best[0]} ({high_text}). Lowest: {worst[0]} ({low_text})."
    return image, alt + " The numbers are in the table below."


def _returns(doc: Any, c: Comparison, public: bool = False) -> None:
    docx_tables.heading(doc, "Returns", 1)
    text = c.return_counts.sentence()  # the same count as the Returns sheet and Summary
    if public:  # counted, not named
        doc.add_paragraph(_clean(text))
        return
    if c.not_returned:
        text += " Not returned: " + ", ".join(p.name for p in c.not_returned) + "."
    # The same returns the count calls incomplete (one state a return: errors first).
    partial = [r.partner_name for r in c.counted if r.status is Status.INCOMPLETE]
    if partial:
        text += " Incomplete: " + ", ".join(partial) + "."
    doc.add_paragraph(_clean(text))


def _themes(doc: Any, c: Comparison) -> None:
    docx_tables.heading(doc, "Scores by theme", 1)
    image, alt = _chart(c)
    shape = doc.add_picture(io.BytesIO(image), width=Mm(150))
    shape._inline.docPr.set("descr", _clean(alt))
    shape._inline.docPr.set("title", "Partnership mean score by theme")
    partners = c.partners[:TABLE_PARTNERS]
    themes = [str(t) for t in c.theme_scores.index]  # the theme ids, then "ALL"
    short = [f"T{t.number}" for t in c.framework.themes]
    ids = [p.partner_id for p in partners]
    # Whole columns, not a .loc per cell: a split run makes a paper per partnership.
    scores = c.theme_scores.loc[themes, [*ids, "mean"]].to_numpy(dtype=float).T
    thin = c.thin.loc[themes, ids].to_numpy(dtype=bool).T
    low, high = c.framework.score_range
    rows: list[list[Any]] = []
    fills: list[list[str]] = []
    for r, name in enumerate([*(p.name for p in partners), "Partnership mean"]):
        marks = thin[r] if r < len(partners) else [False] * len(themes)
        values = [
            f"{_number(float(v))} *" if mark else float(v)
            for v, mark in zip(scores[r], marks, strict=True)
        ]
        rows.append([name, *values])
        fills.append(["", *(_colour(float(v), low, high) for v in scores[r])])
    _table(doc, ["Partner", *short, "All"], rows, [62.0, *[14.0] * len(themes)], fills)
    names = "; ".join(
        f"{n}: {t.sheet_name}" for n, t in zip(short, c.framework.themes, strict=True)
    )
    note = f"{names}. Colour follows the number: orange low, yellow middle, green high."
    if c.thin.to_numpy().any():
        note += (
            f" * rests on fewer than {THIN_SHARE:.0%} of the theme's questions and is left "
            "out of the partnership mean."
        )
    if len(c.partners) > TABLE_PARTNERS:
        note += f" The first {TABLE_PARTNERS} of {len(c.partners)} partners are shown."
    _small(doc, note)


def _small(doc: Any, text: str) -> None:
    paragraph = doc.add_paragraph(_clean(text))
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _questions(doc: Any, c: Comparison) -> None:
    docx_tables.heading(doc, "Strongest and weakest questions", 1)
    scored = c.question_stats[c.question_stats["mean"].notna()]
    best = scored.sort_values("mean", ascending=False, kind="mergesort").head(5)
    worst = scored.sort_values("mean", kind="mergesort").head(5)
    for title, frame in (("Strongest", best), ("Weakest", worst)):
        docx_tables.heading(doc, title, 2)
        rows = [
            [str(q), _clean(v["question_whole"]), float(v["mean"])] for q, v in frame.iterrows()
        ]
        _table(doc, ["ID", "Question", "Mean"], rows, [18.0, 140.0, 16.0])
    docx_tables.heading(doc, "Questions to discuss first", 1)
    rows = [
        [str(q), _clean(v["question"]), float(v["mean"]), _clean(v["reason"])]
        for q, v in c.agenda.head(5).iterrows()
    ]
    _table(doc, ["ID", "Question", "Mean", "Why discuss it"], rows, [18.0, 84.0, 14.0, 58.0])
    _small(doc, f"{AGENDA_ORDER} {disagreement_rule(c.framework)}")


def _groups(doc: Any, c: Comparison) -> None:
    docx_tables.heading(doc, "How groups of partners compare", 1)
    if not c.groups:
        doc.add_paragraph("partners.csv gives no groupings (such as sector or level).")
        return
    for group in c.groups:
        docx_tables.heading(doc, _clean(f"By {group.grouping}"), 2)
        if not group.groups:  # the anonymous paper: every group too small to show
            _small(doc, f"No group by {group.grouping} has {GROUP_MIN_SIZE} partners or more.")
            continue
        header = ["Group", *[f"T{t.number}" for t in c.framework.themes], "All"]
        rows = [
            [f"{name} (n={int(_float(group.n.loc['ALL', name]))})", *map(_float, group.means[name])]
            for name in group.groups
        ]
        _table(doc, header, rows, [62.0, *[14.0] * (len(header) - 1)])
        big = [g for g in group.groups if _float(group.n.loc["ALL", g]) >= GROUP_MIN_SIZE]
        if len(big) < 2:
            _small(
                doc,
                f"Fewer than two groups by {group.grouping} have {GROUP_MIN_SIZE} partners or "
                "more, so no gap between them is called large.",
            )
    every = c.group_gaps
    compared = not every.empty and bool(every["gap"].notna().any())
    if not compared:
        _small(
            doc,
            f"No grouping has two groups of at least {GROUP_MIN_SIZE} partners, so no gap "
            "between groups is called large.",
        )
        return
    large = every[every["large_gap"] == "Yes"]
    if not large.empty:
        top = large.sort_values("gap", ascending=False, kind="mergesort").head(3)
        gaps = "; ".join(
            f"{r['question_id']} ({r['grouping']}: {r['lowest']} "
            f"{shown_figure(r['lowest_mean'])}, {r['highest']} {shown_figure(r['highest_mean'])})"
            for r in top.to_dict("records")
        )
        _small(doc, f"Largest gaps between groups: {gaps}. The Groups sheet has every question.")


def _actions(doc: Any, c: Comparison, today: dt.date, public: bool = False) -> None:
    docx_tables.heading(doc, "Proposed actions", 1)
    if c.actions.empty:
        doc.add_paragraph("No partner proposed an improvement action.")
        return
    doc.add_paragraph(_clean(actions_digest(c, today, public)))


def _bullets(doc: Any, items: list[str]) -> None:
    for item in items:  # Word's own list style: a screen reader announces the list
        docx_tables.styled(doc, _clean(item), "List Bullet")


def _key_messages(doc: Any, messages: Messages) -> None:
    docx_tables.heading(doc, "Key messages", 1)
    _bullets(doc, messages.key_messages)


def _recommendations(doc: Any, messages: Messages) -> None:
    heading = docx_tables.heading(doc, "Recommendations", 1)
    intro = doc.add_paragraph(_clean(messages.recommend_intro))
    _bullets(doc, messages.recommendations)
    # One block on one page: the board reads what it is asked to do together.
    for paragraph in [heading, intro, *doc.paragraphs[-len(messages.recommendations) : -1]]:
        paragraph.paragraph_format.keep_with_next = True


def _method(doc: Any, c: Comparison) -> None:
    docx_tables.heading(doc, "How the numbers are made", 1)
    scale = c.framework.describe_scale()
    scale = scale[0].lower() + scale[1:]
    doc.add_paragraph(
        _clean(
            f"Each partner rated each question on the framework's scale: {scale} A partner's "
            "theme score is the mean of its "
            "scores on the theme's rated questions, and the partnership's is the mean of "
            "partners' theme scores, so every partner counts once. "
            f"{disagreement_rule(c.framework)} {group_rule(GROUP_GAP)} Figures are rounded "
            "half up, as the comparison workbook shows them; the workbook holds every "
            "number and the evidence behind it."
        )
    )


TITLE = "Governance self-assessment: report to the board"
PUBLIC_TITLE = "Governance self-assessment: summary for publication"


def board_paper(
    c: Comparison, partnership: str = "", today: dt.date | None = None, public: bool = False
) -> Any:
    """The board paper as a python-docx Document; with ``public``, the anonymous paper, in
    which no partner is named (see :mod:`lsp_xlsx.board.paper_public`)."""
    today = today or dt.date.fromisoformat(c.made_at[:10])
    say = read_templates(c.framework.path)
    if public:
        c = anonymised(c)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # Word's proofing language, for the spell checker and readers
        for lang in defaults.iter(qn("w:lang")):
            lang.set(qn("w:val"), "en-GB")
    title = PUBLIC_TITLE if public else TITLE
    docx_tables.heading(doc, title, 0)
    names = [r.partnership for r in c.counted if r.partnership]
    partnership = partnership or (max(set(names), key=names.count) if names else "")
    lines = [
        partnership,
        c.framework.title,
        f"Round {c.round}" if c.round else "",
        f"Made {today.strftime('%d %B %Y').lstrip('0')} by lsp-xlsx",
    ]
    doc.add_paragraph(_clean(". ".join(x for x in lines if x) + "."))
    if public:
        _small(
            doc,
            "This version names no partner: partners are lettered (Partner A, B, ...) in order "
            f"of their overall score, and groups of fewer than {GROUP_MIN_SIZE} are left out.",
        )
    messages = paper_messages(c, say, today, public=public)
    _key_messages(doc, messages)
    _returns(doc, c, public)
    for part in (_themes, _questions, _groups):
        part(doc, c)
    add_change_section(doc, c)  # issue 22: since last round (board/paper_change.py)
    if not public:  # its lines name partners; the public paper letters them, so leaves it out
        respondents_section(doc, c)  # issue 25: board/paper_respondents.py
    _actions(doc, c, today, public)
    _method(doc, c)
    _recommendations(doc, messages)
    props = doc.core_properties
    props.title, props.subject, props.language = title, _clean(c.framework.title), "en-GB"
    props.author = props.last_modified_by = f"lsp-xlsx {__version__}"
    props.comments = "Made by lsp-xlsx from the partners' self-assessment returns."
    props.created = props.modified = dt.datetime.fromisoformat(c.made_at.replace("Z", "+00:00"))
    return doc


def paper_bytes(c: Comparison, partnership: str = "", public: bool = False) -> bytes:
    """The board paper (or, with ``public``, the anonymous paper) as .docx bytes."""
    buffer = io.BytesIO()
    board_paper(c, partnership, public=public).save(buffer)
    return buffer.getvalue()


def save_board_paper(
    c: Comparison, path: Path, partnership: str = "", public: bool = False
) -> Path:
    """Write the board paper (or the anonymous paper) to ``path`` atomically."""
    return write_bytes(paper_bytes(c, partnership, public), path)
