"""Findings grouped as a person reads them: those of one code in one column of one file on
one line ("37 target dates are text (TBC, ongoing…): 1 Outcomes E5, E9, … (kept as typed)").

The terminal report, the comparison's Findings sheet and reminders show groups; JSON and
the library keep one finding per cell, so scripts lose nothing. Grouping is by (file, code,
column) alone, so a code added later groups too, in the generic words at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lsp_xlsx.core.catalogue import Code, Severity
from lsp_xlsx.core.findings import Finding, place

#: Cells named in a group's one line; the rest are counted (the Findings sheet lists all).
CELLS_SHOWN = 6
#: Distinct values typed quoted in a group's one line.
VALUES_SHOWN = 3

_LETTERS = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Words:
    """A group's words: the noun for one and for many, what is true of them, and the tail."""

    one: str
    many: str
    tail: str


#: Better words for the codes met cell by cell; any other code gets the generic line.
#: "{column}" is the column's label, in lower case.
GROUP_WORDS: dict[Code, Words] = {
    Code.DATE_UNPARSED: Words("{column} is text", "{column}s are text", "kept as typed"),
    Code.DATE_FROM_TEXT: Words(
        "{column} typed as text", "{column}s typed as text", "each read as the date it spells"
    ),
    Code.NUMBER_NOT_A_DATE: Words(
        "{column} is a number no date can be",
        "{column}s are numbers no date can be",
        "kept as typed; ask what was meant",
    ),
    Code.RATING_UNRECOGNISED: Words(
        "rating is not on the scale",
        "ratings are not on the scale",
        "kept as typed, not scored; ask for one of: {allowed}",
    ),
    Code.RATING_VARIANT: Words(
        "rating typed not as on the scale",
        "ratings typed not as on the scale",
        "each read as the label it names",
    ),
    Code.EXTRA_TEXT_KEPT: Words(
        "cell holds text that is part of no answer",
        "cells hold text that is part of no answer",
        "kept as typed with their questions, in responses.csv and on the Evidence sheet",
    ),
    Code.TEXT_CONVERTED: Words(
        "{column} was not text", "{column}s were not text", "each turned into text"
    ),
}


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one code in one column of one file, in the order they were found."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def severity(self) -> Severity:
        return self.first.severity

    @property
    def code(self) -> Code:
        return self.first.code

    @property
    def file(self) -> str:
        return self.first.file

    @property
    def sheets(self) -> str:
        """The sheets the findings are on, each once."""
        return ", ".join(dict.fromkeys(f.sheet for f in self.findings if f.sheet))

    def cells(self, shown: int | None = None) -> str:
        """Where they are, sheet by sheet ("1 Outcomes E5, E9; 2 Use of resources E4"),
        at most ``shown`` cells named and the rest counted."""
        by_sheet: dict[str, list[str]] = {}
        named = 0
        for f in self.findings:
            if f.cell and (shown is None or named < shown):
                by_sheet.setdefault(f.sheet, []).append(f.cell)
                named += 1
        text = "; ".join(
            f"{sheet} {', '.join(cells)}" if sheet else ", ".join(cells)
            for sheet, cells in by_sheet.items()
        )
        rest = sum(1 for f in self.findings if f.cell) - named
        return f"{text}, … and {rest:,} more" if rest else text

    @property
    def message(self) -> str:
        """One line: the finding's own message when it is alone, else the group's words."""
        if len(self.findings) == 1:
            return self.first.message
        return group_line(self)


def column_of(f: Finding) -> str:
    """The column a finding is about: its ``column`` parameter, else its cell's letters."""
    column = f.params.get("column")
    if isinstance(column, str) and column:
        return column
    match = _LETTERS.match(f.cell)
    return match.group(0).upper() if match else ""


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """The findings grouped by (file, code, column), each group where its first one was.
    A finding naming no cell (about a whole file or sheet) stays alone."""
    groups: dict[tuple[str, str, str] | int, list[Finding]] = {}
    for index, f in enumerate(findings):
        key: tuple[str, str, str] | int = (f.file, str(f.code), column_of(f)) if f.cell else index
        groups.setdefault(key, []).append(f)
    return [FindingGroup(tuple(found)) for found in groups.values()]


def _values(findings: Sequence[Finding]) -> str:
    typed = [v for f in findings if isinstance(v := f.params.get("raw"), str) and v.strip()]
    distinct = list(dict.fromkeys(" ".join(v.split())[:30] for v in typed))
    if not distinct:
        return ""
    more = "…" if len(distinct) > VALUES_SHOWN else ""
    return f" ({', '.join(distinct[:VALUES_SHOWN])}{more})"


def group_line(group: FindingGroup) -> str:
    """The group in one line, naming the file first: how many, what, where, and the tail."""
    n = len(group.findings)
    where = group.cells(CELLS_SHOWN)
    words = GROUP_WORDS.get(group.code)
    if words is None:
        # The generic line: the count, where, and the first one's own words (its fix last).
        first = group.first.message
        head = place(group.first.file, group.first.sheet, group.first.cell)
        said = first[len(head) + 2 :] if first.startswith(f"{head}: ") else first
        return f"{group.file}: {n:,} like this, at {where}. The first: {said}"
    column = column_of(group.first).lower()
    noun = (words.one if n == 1 else words.many).format(column=column)
    tail = words.tail.format_map(_Params(group.first.params))
    return f"{group.file}: {n:,} {noun}{_values(group.findings)}: {where} ({tail})"


class _Params(dict[str, object]):
    """A finding's params for a tail's placeholders; one it lacks reads as "…"."""

    def __missing__(self, key: str) -> str:
        return "…"
