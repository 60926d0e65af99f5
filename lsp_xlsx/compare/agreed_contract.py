"""The Agreed sheet's layout, defined once: the comparison writer writes by it and
``lsp-xlsx agree`` reads by it (by header label, never by position)."""

from __future__ import annotations

from lsp_xlsx.workbook.contract import Column, normalise_label

SHEET = "Agreed"
TABLE = "AgreedTable"
#: Defined name of the range that feeds the Agreed rating dropdown (on the hidden _lists).
RATING_LIST_NAME = "AgreedRatingOptions"
LISTS_SHEET = "_lists"

COLUMNS: tuple[Column, ...] = (
    Column("theme", "Theme", 16),
    Column("id", "ID", 8),
    Column("question", "Question", 46),
    Column("mean", "Partnership mean", 11),
    Column("spread", "Spread", 8),
    Column("range", "Partners' ratings", 11),
    Column("agreed_rating", "Agreed rating", 22),
    Column("action", "Agreed action", 40),
    Column("lead", "Lead (post)", 18),
    Column("target_date", "Target date", 12),
)
#: What the coordinator fills in at the workshop: unlocked, pale yellow.
INPUT_KEYS = ("agreed_rating", "action", "lead", "target_date")
HEADER_KEYS = {normalise_label(c.label): c.key for c in COLUMNS}

#: With last round's agreed position (collate --previous): what the board agreed then,
#: read-only, beside each question as the workshop's starting point. Never read back.
PREVIOUS_COLUMNS: tuple[Column, ...] = (
    Column("agreed_then", "Agreed last round", 20),
    Column("action_then", "Action last round", 30),
)


def columns(with_previous: bool) -> tuple[Column, ...]:
    """The Agreed sheet's columns: last round's two after "Partners' ratings" when given."""
    if not with_previous:
        return COLUMNS
    at = [c.key for c in COLUMNS].index("range") + 1
    return (*COLUMNS[:at], *PREVIOUS_COLUMNS, *COLUMNS[at:])
