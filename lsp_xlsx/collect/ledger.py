"""``collected.csv``: every message and attachment collect has seen, so nothing is fetched twice.

One row per attachment (and one for a message with none, or refused whole). A message is
known by its place, ``(account, folder, uidvalidity, uid)``, and by its Message-ID: when a
folder's UIDVALIDITY changes (the folder was recreated, or the server rebuilt its index),
every UID in it is new, so a message whose Message-ID was already collected from that
folder is recorded at its new place and not saved again. An attachment is also known by
its SHA-256: a resend of the same file is recorded, pointing at the file already saved.

The file is rewritten whole, atomically (:func:`lsp_xlsx.core.files.write_csv`), after
each message, as the send log is, so a run cut short loses at most the message it was on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from lsp_xlsx.core.files import write_csv

LEDGER_NAME = "collected.csv"


@dataclass(frozen=True)
class Entry:
    """One row of the ledger. The columns are named by the issue; keep them exactly."""

    account: str
    folder: str
    uidvalidity: str
    uid: str
    message_id: str
    date: str
    sender: str
    subject: str
    attachment: str
    sha256: str
    saved_file: str
    partner: str
    outcome: str
    #: The topmost Authentication-Results verdicts, as the receiving server stamped them.
    authentication: str = ""
    #: Why: the refusal's reason, the sender flag, what the file was.
    detail: str = ""

    @property
    def place(self) -> tuple[str, str, str, str]:
        """Where the message is: account, folder, UIDVALIDITY and UID."""
        return (self.account, self.folder, self.uidvalidity, self.uid)


COLUMNS = tuple(f.name for f in fields(Entry))


class Ledger:
    """The ledger in memory, with what it knows looked up in constant time."""

    def __init__(self, path: Path, entries: Iterable[Entry] = ()) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self._places: set[tuple[str, str, str, str]] = set()
        self._ids: set[tuple[str, str, str]] = set()
        self._saved: dict[str, str] = {}
        for entry in entries:
            self._note(entry)

    @classmethod
    def open(cls, folder: Path) -> Ledger:
        """The ledger in ``folder`` (empty when there is none yet)."""
        path = folder / LEDGER_NAME
        if not path.is_file():
            return cls(path)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(path, (Entry(**{c: row.get(c) or "" for c in COLUMNS}) for row in rows))

    def _note(self, entry: Entry) -> None:
        self.entries.append(entry)
        self._places.add(entry.place)
        if entry.message_id:
            self._ids.add((entry.account, entry.folder, entry.message_id))
        if entry.sha256 and entry.saved_file and entry.sha256 not in self._saved:
            self._saved[entry.sha256] = entry.saved_file

    def seen_place(self, account: str, folder: str, uidvalidity: str, uid: str) -> bool:
        """True when the message at this place is already in the ledger."""
        return (account, folder, uidvalidity, uid) in self._places

    def seen_message(self, account: str, folder: str, message_id: str) -> bool:
        """True when a message with this Message-ID was collected from this folder before."""
        return bool(message_id) and (account, folder, message_id) in self._ids

    def saved_as(self, sha256: str) -> str:
        """The file an attachment with this content was saved as, '' when none was."""
        return self._saved.get(sha256, "")

    def add(self, entries: Iterable[Entry]) -> None:
        """Record a message's rows and write the whole ledger atomically."""
        for entry in entries:
            self._note(entry)
        write_csv(self.path, COLUMNS, (astuple(e) for e in self.entries))
