"""The Respondents sheet: how far the people of one partner agree with each other.

For every partner with several respondents and every rated question: how many scored it,
the partner's position, the range between its respondents, the share within one step of
the median and r_wg (advanced; see :data:`~lsp_xlsx.compare.rollup.RWG_NOTE`), beside the
range between partners' positions, flagged where people in one organisation disagree more
than partners do. It never shows one person's rating: only spreads and counts.
"""

from __future__ import annotations

from collections.abc import Callable

from lsp_xlsx.compare.rollup import RWG_NOTE, SPREAD_COLUMNS, STRONG_RANGE
from lsp_xlsx.compare.rules import position_rule
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison

LABELS = [
    "Partner",
    "Theme",
    "ID",
    "Question",
    "Respondents scoring (n)",
    "Partner's position",
    "Range within partner",
    "Share within one step of the median",
    "Agreement within partner (r_wg, advanced)",
    "Range between partners",
    "Wider than between partners",
]
KEYS = [k for k in SPREAD_COLUMNS if k != "partner_id"]
FORMATS = {
    "n": "0",
    "position": "0.0",
    "range": "0",
    "within_one": "0%",
    "rwg": "0.00",
    "partners_range": "0.0",
}
WIDTHS = [24, 16, 8, 46, 11, 10, 10, 12, 12, 10, 11]


def respondents_subtitle(c: Comparison) -> str:
    """What the sheet shows and its rules, in words."""
    # The position rule itself is in every sheet's note (scope_note), so not said twice.
    return (
        "One row per partner with several respondents and rated "
        "question: the spread between its respondents, never one person's rating. 'Wider "
        "than between partners' is Yes where the range within the partner is wider than "
        "the range between partners' positions on the question: people in one organisation "
        f"disagree more than partners do. A range of {STRONG_RANGE} or more is strong "
        f"disagreement (the board paper counts these). {RWG_NOTE}"
    )


def write_respondents(s: Sheet, c: Comparison) -> None:
    """One row per partner with several respondents and rated question."""
    header_row = s.title(
        "Respondents: how far each partner's people agree", respondents_subtitle(c), sum(WIDTHS)
    )
    s.header(header_row, LABELS, WIDTHS)
    row = header_row
    spread = c.rollup.spread if c.rollup is not None else None
    records = spread.to_dict("records") if spread is not None and not spread.empty else []
    for record in records:
        row += 1
        for col, key in enumerate(KEYS, start=1):
            s.put(row, col, record[key], FORMATS.get(key, "General"))
        if record["wider_than_partners"]:
            s.bold(row, len(KEYS))
        s.fit_cells(row)
    row = s.table("RespondentsTable", row)
    s.finish(header_row, len(LABELS), row, freeze=f"E{header_row + 1}")


def scope_note(c: Comparison) -> str:
    """The sentence every sheet carries under its title when partners have several
    respondents or the round is anonymous ('' otherwise)."""
    parts = []
    if c.rollup is not None and c.rollup.several:
        parts.append(position_rule(c.rollup.method))
    if c.anonymity is not None:
        parts.append(
            f"Anonymous round: a partner's own figures only where {c.anonymity.k} or more of "
            "its people answered; smaller partners are merged (see Notes)."
        )
    return " ".join(parts)


def scope_notes(c: Comparison) -> list[str]:
    """The Notes sheet's notes on positions and anonymity."""
    notes = []
    if c.rollup is not None and c.rollup.several:
        notes.append(
            f"{position_rule(c.rollup.method)} The partner × theme scores, Summary, "
            "Questions, Agenda, Groups, Agreed sheet and board paper use the position, so a "
            "partner with five respondents counts once. responses.csv keeps one row per "
            "respondent and question. The Respondents sheet shows the spread within each "
            f"partner. {RWG_NOTE}"
        )
    if c.anonymity is not None:
        notes.append(c.anonymity.note())
    return notes


def with_respondents_sheet(
    writers: dict[str, Callable[[Sheet, Comparison], None]], c: Comparison
) -> dict[str, Callable[[Sheet, Comparison], None]]:
    """The sheets with Respondents after Groups, when a partner shown has several
    respondents (in an anonymous round, a merged column is not one partner: no sheet)."""
    if c.rollup is None or c.rollup.spread.empty or "Groups" not in writers:
        return writers
    items = list(writers.items())
    at = list(writers).index("Groups") + 1
    items[at:at] = [("Respondents", write_respondents)]
    return dict(items)
