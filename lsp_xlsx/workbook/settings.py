"""What the coordinator sets on every workbook: below both :mod:`~lsp_xlsx.workbook.build`
and :mod:`~lsp_xlsx.workbook.start_sheet`, so that neither imports the other for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildSettings:
    """What the coordinator can set on every workbook."""

    title: str = "LSP governance self-assessment"
    partnership: str = ""
    deadline: dt.date | None = None
    contact: str = ""
    #: The round's label, e.g. "2027" or "2026-27"; see :meth:`round_label`.
    round: str = ""
    #: An anonymous round (issue 25): written into each copy's meta, so that collate
    #: publishes the round anonymously even when --anonymous is not given.
    anonymous: bool = False

    def round_label(self) -> str:
        """The round: as given, else the deadline's year, else this year."""
        return self.round or str((self.deadline or dt.date.today()).year)
