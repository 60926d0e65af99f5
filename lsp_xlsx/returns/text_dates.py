"""Target dates typed as text that is not a date ("TBC", "ongoing", "March 2027"): kept as
typed, each a finding of its own (scripts reading the JSON lose nothing), which every
report a person reads shows as one line per file (:mod:`lsp_xlsx.core.groups`).

A text date the pre-fill carried from last round and left unchanged is not reported again:
the reader knows it by last round's tidy table (``collate --previous``), which holds the
partner's target date for each question as it was typed. Without that table a returned
workbook cannot tell a carried "TBC" from one typed this round (the workbook keeps no copy
of what it was pre-filled with), so each is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.model import Return


class TextDates:
    """The text target dates of one file.

    ``carried`` is last round's text target date for each question id of this partner."""

    def __init__(self, carried: Mapping[str, str] | None = None) -> None:
        self.carried = carried or {}
        #: Each text date as found: sheet, cell and the text as typed.
        self.found: list[tuple[str, str, str]] = []
        #: Text dates left out because they are last round's, unchanged.
        self.unchanged = 0

    def add(self, question_id: str, raw: str, sheet: str, cell: str) -> None:
        """A target date that is text: kept, unless carried over unchanged."""
        if self.carried.get(question_id) == raw:
            self.unchanged += 1
            return
        self.found.append((sheet, cell, raw))

    def finish(self, ret: Return, column: str) -> None:
        """A finding for each text date that is new or changed since last round."""
        for sheet, cell, raw in self.found:
            ret.note(Code.DATE_UNPARSED, sheet, cell, column=column, raw=raw)


def with_carried_dates(framework: Framework, previous: Any) -> Framework:
    """The framework carrying last round's text target dates (``previous``: its tidy table
    as a DataFrame, or None), by partner and question, so unchanged ones are not reported
    again."""
    needed = ("partner_id", "question_id", "target_date")
    if previous is None or not all(c in previous.columns for c in needed):
        return framework
    carried: dict[str, dict[str, str]] = {}
    columns = (previous[c].fillna("").astype(str) for c in needed)
    for partner, question, text in zip(*columns, strict=True):
        if text and parse_date(text) is None:
            carried.setdefault(partner.casefold(), {})[question] = text
    return replace(framework, rules=replace(framework.rules, carried_dates=carried))
