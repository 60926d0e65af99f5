"""Where messages come from: an IMAP folder, or saved messages on disk.

Both give :class:`RawMessage`: the message's own bytes (RFC 822), with the place that
identifies it in the ledger. The bytes are parsed by :mod:`lsp_xlsx.collect.messages`,
never here, so a message read from IMAP and the same message saved as .eml give the same
returns.

IMAP is spoken through imap-tools: it is well kept, fetches by UID (so a rerun asks only
for what is new, and a UIDVALIDITY change is seen), and hands back the raw bytes, so the
MIME is parsed by the standard library and not by what the server's BODYSTRUCTURE says.
Messages are fetched with ``BODY.PEEK[]``: reading them does not mark them read. Nothing is
ever deleted or expunged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mailbox
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.core.errors import LspXlsxError

#: The environment variable the IMAP password is read from; never an option, never logged.
PASSWORD_VARIABLE = "LSP_XLSX_IMAP_PASSWORD"
#: The environment variable an OAuth2 access token is read from, for XOAUTH2.
TOKEN_VARIABLE = "LSP_XLSX_IMAP_OAUTH2_TOKEN"
FILES_ACCOUNT = "files"


class MailboxProblem(LspXlsxError):
    """The mailbox could not be reached or read; the text says why, never the password."""


@dataclass
class RawMessage:
    """One message's bytes and its place: account, folder, UIDVALIDITY and UID.

    ``data`` is None when the message was over the size limit and was not downloaded;
    ``size`` is then the size the server reported.
    """

    account: str
    folder: str
    uidvalidity: str
    uid: str
    data: bytes | None = field(default=None, repr=False)
    size: int = 0
    #: The headers alone, for a message too large to download: who sent it, and when.
    headers: bytes = field(default=b"", repr=False)
    #: Why the message could not be read at all (a damaged .msg file), '' when it could.
    problem: str = ""


@dataclass(frozen=True)
class ImapSettings:
    """How to reach the mailbox. The password is passed in, from the environment."""

    host: str
    user: str
    port: int | None = None
    folder: str = "INBOX"
    security: str = "ssl"  # ssl, starttls or none
    since: dt.date | None = None
    mark_read: bool = False
    move_to: str | None = None
    #: A command that prints an OAuth2 access token (as git credential helpers do).
    oauth2_token_command: str | None = None

    @property
    def account(self) -> str:
        """The account as the ledger names it: user@host."""
        return f"{self.user}@{self.host}"


def _connect(settings: ImapSettings) -> Any:
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    context = ssl.create_default_context()
    if settings.security == "ssl":
        return MailBox(settings.host, settings.port or 993, ssl_context=context)
    if settings.security == "starttls":
        return MailBoxStartTls(settings.host, settings.port or 143, ssl_context=context)
    return MailBoxUnencrypted(settings.host, settings.port or 143)


def token_from_command(command: str) -> str:
    """The access token a command prints; see :func:`lsp_xlsx.core.oauth2.token_from_command`."""
    from lsp_xlsx.core.oauth2 import token_from_command as run

    return run(command, MailboxProblem)


class Credentials:
    """A password or an OAuth2 access token, kept out of ``repr`` and every message."""

    def __init__(self, password: str = "", token: str = "") -> None:
        self._password = password
        self._token = token

    def __repr__(self) -> str:
        return "Credentials(...)"

    def login(self, box: Any, user: str, folder: str) -> Any:
        """Log ``box`` in, by XOAUTH2 when there is a token, else by LOGIN."""
        if self._token:
            return box.xoauth2(user, self._token, initial_folder=folder)
        return box.login(user, self._password, initial_folder=folder)


class ImapSource:
    """The messages in one IMAP folder, newest UIDs last; see the module's description."""

    def __init__(self, settings: ImapSettings, credentials: Credentials) -> None:
        self.settings = settings
        self._credentials = credentials
        self._box: Any = None
        self.uidvalidity = ""

    def __enter__(self) -> ImapSource:
        s = self.settings
        box: Any = None
        try:
            box = _connect(s)
            self._box = self._credentials.login(box, s.user, s.folder)
            status = self._box.folder.status(s.folder, ["UIDVALIDITY"])
        except Exception as exc:  # imaplib, ssl and socket errors alike: one true reason
            if box is not None:  # a refused login still holds the connection: close it
                with contextlib.suppress(Exception):
                    box.client.shutdown()
            raise MailboxProblem(
                f"could not open {s.folder} as {s.user} on {s.host}: {_reason(exc)}"
            ) from None
        self.uidvalidity = str(status.get("UIDVALIDITY", ""))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._box is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                self._box.logout()

    def messages(
        self, seen: Callable[[str, str, str, str], bool], max_size: int
    ) -> Iterator[RawMessage]:
        """Every message not yet in the ledger (``seen``), oldest first.

        Sizes are asked first, so a message over ``max_size`` is never downloaded.
        """
        s = self.settings
        from imap_tools import A

        criteria = A(date_gte=s.since) if s.since else "ALL"
        uids = [
            u
            for u in self._box.uids(criteria)
            if not seen(s.account, s.folder, self.uidvalidity, u)
        ]
        for uid in sorted(uids, key=int):
            size = self._size(uid)
            if size > max_size:
                head = self._fetch(uid, "BODY.PEEK[HEADER]")
                yield RawMessage(s.account, s.folder, self.uidvalidity, uid, None, size, head)
                continue
            yield RawMessage(s.account, s.folder, self.uidvalidity, uid, self._fetch(uid), size)

    def _size(self, uid: str) -> int:
        _typ, data = self._box.client.uid("FETCH", uid, "(RFC822.SIZE)")
        for item in data or []:
            text = item.decode("ascii", "replace") if isinstance(item, bytes) else str(item)
            if "RFC822.SIZE" in text:
                return int(text.split("RFC822.SIZE", 1)[1].strip(" ()").split()[0].rstrip(")"))
        return 0

    def _fetch(self, uid: str, what: str = "BODY.PEEK[]") -> bytes:
        # BODY.PEEK[] does not set \\Seen: reading a message leaves it unread.
        _typ, data = self._box.client.uid("FETCH", uid, f"({what})")
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        raise MailboxProblem(f"the server sent no content for message UID {uid}")

    def done(self, uids: Sequence[str]) -> None:
        """Mark read and move the messages, when asked; never delete them."""
        from imap_tools import MailMessageFlags

        if not uids:
            return
        target = self.settings.move_to
        try:
            if self.settings.mark_read:
                self._box.flag(uids, MailMessageFlags.SEEN, True)
            if target:
                if not self._box.folder.exists(target):
                    self._box.folder.create(target)
                # imap-tools moves by MOVE where the server has it, else COPY and \\Deleted
                # on the original (which the server then expunges): the message is kept.
                self._box.move(uids, target)
        except Exception as exc:  # the ledger is written: a rerun will not fetch them again
            raise MailboxProblem(
                f"the messages were collected (see collected.csv) but could not be "
                f"{'moved to ' + target if target else 'marked read'}: {_reason(exc)}"
            ) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:300]


# --- saved messages -----------------------------------------------------------------------


def _msg_bytes(path: Path) -> bytes:
    """An Outlook .msg file turned into RFC 822 bytes by extract-msg."""
    import extract_msg

    try:
        with extract_msg.openMsg(str(path)) as msg:
            as_email = getattr(msg, "asEmailMessage", None)  # a mail item, not a calendar one
            if as_email is None:
                raise ValueError("it is not an e-mail message")
            return bytes(as_email().as_bytes())
    except Exception as exc:  # extract-msg raises many kinds on a damaged file
        why = _reason(exc)
        raise MailboxProblem(f"it could not be read as an Outlook message: {why}") from None


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def file_messages(
    paths: Sequence[Path], seen: Callable[[str, str, str, str], bool]
) -> Iterator[RawMessage]:
    """Saved messages: .eml files, Outlook .msg files, mbox files and Maildir folders.

    A folder that is not a Maildir is searched for .eml, .msg and mbox files. Each message's
    place in the ledger is the file (and, in an mbox or Maildir, its key there).
    """
    for path in _expand(paths):
        folder = str(path)
        if _is_maildir(path):
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in sorted(box.keys()):
                if not seen(FILES_ACCOUNT, folder, "", key):
                    yield RawMessage(FILES_ACCOUNT, folder, "", key, box.get_bytes(key))
        elif path.suffix.casefold() == ".msg":
            if not seen(FILES_ACCOUNT, folder, "", "1"):
                try:
                    yield RawMessage(FILES_ACCOUNT, folder, "", "1", _msg_bytes(path))
                except MailboxProblem as exc:  # recorded as refused; the run goes on
                    yield RawMessage(FILES_ACCOUNT, folder, "", "1", problem=str(exc))
        elif _is_mbox(path):
            mbox = mailbox.mbox(str(path), create=False)
            try:
                for index, key in enumerate(mbox.keys(), start=1):
                    if not seen(FILES_ACCOUNT, folder, "", str(index)):
                        raw = mbox.get_bytes(key)
                        yield RawMessage(FILES_ACCOUNT, folder, "", str(index), raw)
            finally:
                mbox.close()
        elif not seen(FILES_ACCOUNT, folder, "", "1"):
            yield RawMessage(FILES_ACCOUNT, folder, "", "1", path.read_bytes())


def _expand(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise MailboxProblem(f"{path} does not exist")
        if path.is_file() or _is_maildir(path):
            found.append(path)
            continue
        for child in sorted(path.rglob("*")):
            if _is_maildir(child) or (
                child.is_file() and not child.name.startswith(".") and _is_message_file(child)
            ):
                found.append(child)
    return found


def _is_message_file(path: Path) -> bool:
    return path.suffix.casefold() in (".eml", ".msg", ".mbox") or _is_mbox(path)
