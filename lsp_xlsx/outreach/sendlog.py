"""The send log: a CSV of every message sent or drafted, written a line at a time."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.files import write_csv

if TYPE_CHECKING:
    from lsp_xlsx.outreach.mail import Outgoing

SEND_LOG_NAME = "sent.csv"
SEND_LOG_COLUMNS = (
    "partner_id",
    "partner",
    "email",
    "time",
    "message_id",
    "outcome",
    "kind",
    "file",
)


@dataclass
class LogEntry:
    """One line of the send log."""

    partner_id: str
    partner: str
    email: str
    time: str
    message_id: str
    outcome: str
    kind: str
    file: str


@dataclass
class SendLog:
    """The CSV of everything sent or drafted. Each line is written as it happens."""

    path: Path
    entries: list[LogEntry] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> SendLog:
        """Read an existing log, or start a new one."""
        log = cls(path)
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    log.entries.append(
                        LogEntry(**{k: row.get(k, "") or "" for k in SEND_LOG_COLUMNS})
                    )
        return log

    def sent(self, kind: str = "invitation", outcome: str = "sent") -> dict[str, LogEntry]:
        """The last entry of ``kind`` with ``outcome`` ("sent" or "draft") per partner id."""
        done: dict[str, LogEntry] = {}
        for entry in self.entries:
            if entry.kind == kind and entry.outcome == outcome:
                done[entry.partner_id] = entry
        return done

    def record(self, outgoing: Outgoing, outcome: str) -> LogEntry:
        """Add one line and write the whole log at once, atomically, so a crash loses
        nothing and never leaves half a line."""
        entry = LogEntry(
            outgoing.partner.partner_id,
            outgoing.partner.name,
            outgoing.partner.email,
            dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            outgoing.message_id,
            outcome,
            outgoing.kind,
            outgoing.file.name if outgoing.file else "",
        )
        self.entries.append(entry)
        rows = ([getattr(e, c) for c in SEND_LOG_COLUMNS] for e in self.entries)
        write_csv(self.path, SEND_LOG_COLUMNS, rows)
        return entry
