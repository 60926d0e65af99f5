"""Counts in words, as a coordinator reads them: "1 workbook", "2 workbooks", never
"1 workbook(s)"."""

from __future__ import annotations

from collections.abc import Sequence


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the noun that fits it: ``counted(1, "action")`` is "1 action",
    ``counted(3, "reply", "replies")`` is "3 replies"."""
    many = plural if plural is not None else f"{word}s"
    return f"{n:,} {word if n == 1 else many}"


def missing_columns(missing: Sequence[str]) -> str:
    """'the column partner_id is missing', or 'the columns a, b are missing'."""
    if len(missing) == 1:
        return f"the column {missing[0]} is missing"
    return f"the columns {', '.join(missing)} are missing"
