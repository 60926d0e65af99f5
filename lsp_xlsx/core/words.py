"""Counts in words, as a coordinator reads them: "1 workbook", "2 workbooks", never
"1 workbook(s)"."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the noun that fits it: ``counted(1, "action")`` is "1 action",
    ``counted(3, "reply", "replies")`` is "3 replies"."""
    many = plural if plural is not None else f"{word}s"
    return f"{n:,} {word if n == 1 else many}"
