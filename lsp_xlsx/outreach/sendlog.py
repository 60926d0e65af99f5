"""The send log: a CSV of every message sent or drafted, written a line at a time.

A message over SMTP is logged ``sending`` before it goes and ``sent`` (or why not) after,
so a message whose fate is unknown (the run killed, the connection lost, the disk full
when the outcome was to be written) is still ``sending`` in the log: it reads back as
``uncertain``, and is never sent again without ``--resend``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.core.errors import OutputError, SendLogError
from lsp_xlsx.core.files import write_csv
from lsp_xlsx.outreach.outgoing import Outgoing
from lsp_xlsx.workbook.manifest import read_limited_csv

SEND_LOG_NAME = "sent.csv"
#: Written before a message goes; if it is still the message's last line, its fate is unknown.
SENDING = "sending"
UNCERTAIN = "uncertain"
SEND_LOG_COLUMNS = (
    "partner_id",
    "partner",
    "email",
    "time",
    "message_id",
    "outcome",
    "kind",
    "file",
    # Last, so older logs still read: each of their lines is its partner's one respondent.
    "respondent_id",
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
    respondent_id: str = ""

    @property
    def key(self) -> str:
        """Whom it went to, as :attr:`~lsp_xlsx.framework.partners.Partner.key`."""
        return f"{self.partner_id}/{self.respondent_id}" if self.respondent_id else self.partner_id


@dataclass
class SendLog:
    """The CSV of everything sent or drafted. Each line is written as it happens."""

    path: Path
    entries: list[LogEntry] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> SendLog:
        """Read an existing log, or start a new one."""
        log = cls(path)
        rows = read_limited_csv(
            path,
            SEND_LOG_COLUMNS,
            ("partner_id", "outcome"),
            SendLogError,
            "Restore the send log from a backup, or move it aside (then every partner "
            "counts as not sent: check with them before sending again).",
        )
        for row in rows:
            log.entries.append(LogEntry(**{k: row.get(k, "") or "" for k in SEND_LOG_COLUMNS}))
        return log

    def sent(self, kind: str = "invitation", outcome: str = "sent") -> dict[str, LogEntry]:
        """The last entry of ``kind`` with ``outcome`` ("sent" or "draft") per respondent,
        by :attr:`LogEntry.key` (the partner id for a partner with one respondent).

        ``uncertain`` also finds a message still ``sending``: one whose outcome was never
        written (the run was killed, or the disk was full)."""
        last_of = {e.message_id: e for e in self.entries if e.message_id}
        done: dict[str, LogEntry] = {}
        for entry in self.entries:
            if entry.kind != kind:
                continue
            if entry.outcome == outcome or (
                outcome == UNCERTAIN
                and entry.outcome == SENDING
                and last_of.get(entry.message_id) is entry
            ):
                done[entry.key] = entry
        return done

    def record(self, outgoing: Outgoing, outcome: str) -> LogEntry:
        """Add one line, or settle the message's ``sending`` line with its outcome, and
        write the whole log at once, atomically, so a crash loses nothing and never leaves
        half a line. If the write fails (say the disk is full), the log on disk and in
        memory stay as they were: a message still ``sending`` stays uncertain."""
        entry = LogEntry(
            outgoing.partner.partner_id,
            outgoing.partner.name,
            outgoing.partner.email,
            dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            outgoing.message_id,
            outcome,
            outgoing.kind,
            outgoing.file.name if outgoing.file else "",
            outgoing.partner.respondent_id,
        )
        before = list(self.entries)
        last = self.entries[-1] if self.entries else None
        if last is not None and last.outcome == SENDING and last.message_id == entry.message_id:
            self.entries[-1] = entry  # one line per message: its final outcome
        else:
            self.entries.append(entry)
        # The respondent's column only once a message went to one of several respondents:
        # a round with one respondent per partner keeps the log it kept before.
        respondents = any(e.respondent_id for e in self.entries)
        columns = SEND_LOG_COLUMNS if respondents else SEND_LOG_COLUMNS[:-1]
        rows = ([getattr(e, c) for c in columns] for e in self.entries)
        try:
            write_csv(self.path, columns, rows)
        except OutputError:
            self.entries = before  # what is on disk is what counts
            raise
        return entry
