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
