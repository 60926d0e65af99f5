"""The workshop's entries carried forward: when ``collate`` writes over a comparison whose
Agreed sheet has entries, they go into the new comparison's Agreed sheet, question by
question, by id.

The old workbook is read exactly as ``agree`` reads it (:func:`~lsp_xlsx.board.agree.read_agreed`:
any format, a LibreOffice re-save too, a rating typed over the dropdown kept as typed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.board.agree import AgreedRow, read_agreed
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.sniff import Limits


@dataclass
class Carried:
    """What the previous comparison's Agreed sheet held, ready for the new one."""

    source: Path
    #: Question id -> Agreed column key (agreed_rating, action, lead, target_date) -> value.
    entries: dict[str, dict[str, object]] = field(default_factory=dict)
    #: Ids with entries whose question is not in the new comparison.
    gone: list[str] = field(default_factory=list)
    #: Rows with entries that matched no question even then (no ID, an unknown ID, a
    #: question's second row): "row 64" or "row 70 (T1.Q2)". Not carried; the kept
    #: previous workbook still has them.
    unplaced: list[str] = field(default_factory=list)
    #: Why the previous comparison could not be read ('' when it could).
    unreadable: str = ""

    @property
    def ratings(self) -> int:
        return sum(1 for e in self.entries.values() if e.get("agreed_rating"))

    @property
    def actions(self) -> int:
        return sum(1 for e in self.entries.values() if e.get("action"))

    def messages(self, kept: Path | None) -> list[str]:
        """What the run says about it: "carried 14 agreed ratings and 9 actions ..."."""
        where = f"; it is kept as {kept}" if kept is not None else ""
        if self.unreadable:
            return [
                f"The previous comparison {self.source} could not be read ({self.unreadable}), "
                f"so no agreed entries were carried{where}. Run 'lsp-xlsx agree' on it to see "
                "why, and copy any entries the board made into the new Agreed sheet by hand."
            ]
        lines = []
        if self.entries:
            lines.append(
                f"Carried {counted(self.ratings, 'agreed rating')} and "
                f"{counted(self.actions, 'action')} from the previous comparison "
                f"({self.source}) into the new Agreed sheet{where}."
            )
        elif kept is not None:
            lines.append(f"The previous comparison {self.source} is kept as {kept}.")
        if self.gone:
            lines.append(
                f"Not carried, because the question is no longer in the comparison: "
                f"{', '.join(self.gone)} (see {kept or self.source})."
            )
        if self.unplaced:
            lines.append(
                f"Not carried, because the row matched no question of the Agreed sheet (no "
                f"ID, an unknown ID, or a question's second row): {', '.join(self.unplaced)}. "
                f"Copy them by hand from {kept or self.source} if they are still wanted."
            )
        return lines


def _entry(row: AgreedRow) -> dict[str, object]:
    target: object = row.target_date
    with contextlib.suppress(ValueError):  # not a date: kept as typed; agree reports it
        target = dt.date.fromisoformat(row.target_date) if row.target_date else ""
    values: dict[str, object] = {
        "agreed_rating": row.agreed_label or row.agreed_raw,
        "action": row.action,
        "lead": row.lead,
        "target_date": target,
    }
    return {k: v for k, v in values.items() if v not in ("", None)}


def read_previous(
    path: Path, framework: Framework, questions: Collection[str], limits: Limits | None = None
) -> Carried | None:
    """The entries of the Agreed sheet of the comparison at ``path`` for the new comparison's
    ``questions`` (ids); None when there is no file there."""
    if not path.is_file():
        return None
    agreed = read_agreed(path, framework, limits)
    if agreed.refused:
        # The refusal's own message speaks to a partner's return ("Ask the partner…") and
        # repeats the path; the coordinator needs what it was and how to see the detail.
        code = str(agreed.findings[0].code) if agreed.findings else "not a comparison workbook"
        return Carried(path, unreadable=code)
    carried = Carried(path)
    wanted = {q.casefold(): q for q in questions}
    for row in agreed.rows:
        entry = _entry(row)
        if not entry:
            continue
        qid = wanted.get(row.question_id.casefold())
        if qid is None:
            carried.gone.append(row.question_id)
        else:
            carried.entries[qid] = entry
    carried.unplaced += [
        f"row {row.row} ({row.question_id})" if row.question_id else f"row {row.row}"
        for row in agreed.unmatched
    ]
    return carried
