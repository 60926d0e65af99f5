"""One e-mail message walked in full: every attachment found, sniffed and sorted.

The MIME is parsed here, from the message's own bytes, never from what an IMAP server's
BODYSTRUCTURE says. Every leaf part is looked at, whatever its disposition (Apple Mail
sends workbooks ``inline``); a forwarded message (``message/rfc822``) is walked in turn,
to :attr:`MailLimits.max_depth`; a zip that is not itself a workbook is opened and its
members looked at; and ``winmail.dat`` (Outlook's TNEF) is unpacked with tnefparse.

What a part *is* is decided by its bytes, sniffed exactly as ``check`` sniffs a file
(:func:`lsp_xlsx.returns.sniff.sniff`), never by its declared type or name: a workbook
called ``image001.png`` is still a workbook, and a PDF called ``return.xlsx`` is a PDF.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from lsp_xlsx.returns.sniff import MiB, sniff

#: The first bytes of a TNEF stream (winmail.dat), whatever the file is called.
TNEF_MAGIC = b"\x78\x9f\x3e\x22"


@dataclass(frozen=True)
class MailLimits:
    """Limits on one message; a message over any of them is refused whole, with the reason."""

    #: Largest message, in bytes, as the server reports it or as read from a file.
    max_message_size: int = 60 * MiB
    #: Most MIME parts in one message, counting those inside forwards, zips and TNEF.
    max_parts: int = 500
    #: Deepest nesting of forwarded messages, zips and winmail.dat inside one another.
    max_depth: int = 5
    #: Most attachments (parts that are not the message's text) in one message.
    max_attachments: int = 50


class TooMuch(Exception):
    """A message over one of :class:`MailLimits`; the text is the reason."""


#: What each kind of attachment is, for the counts and the ledger.
RETURN = "return"  # sniffed as a spreadsheet: saved and read as check reads it
DOCUMENT = "document"  # a PDF, Word file or the like where a return was expected: saved, refused
PASSED = "passed-over"  # pictures, signatures, calendars, vCards, other files: counted only

_DOCUMENT_WORDS = ("PDF", "Word", "RTF", "text document", "PowerPoint", "OpenDocument")


@dataclass
class Attachment:
    """One attachment found in a message, with what it was sniffed as."""

    name: str
    data: bytes = field(repr=False)
    kind: str
    #: What it is, in words ('a PNG picture'), or the reason a document is refused.
    what: str = ""
    #: Where it was found, e.g. 'forwarded message › returns.zip'.
    inside: str = ""


@dataclass
class ParsedMessage:
    """The headers that matter and every attachment, or the reason the message is refused."""

    message_id: str = ""
    date: str = ""
    sender: str = ""
    subject: str = ""
    #: The topmost Authentication-Results verdicts, e.g. 'dmarc=pass dkim=pass spf=pass'.
    authentication: str = ""
    #: Why the message is automatic ('Auto-Submitted: auto-replied'), '' when a person sent it.
    automatic: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    refused: str = ""

    def count(self, kind: str) -> int:
        """How many attachments of ``kind`` the message had."""
        return sum(1 for a in self.attachments if a.kind == kind)


_VERDICT = re.compile(r"\b(dmarc|dkim|spf|arc)\s*=\s*([A-Za-z]+)", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|abwesenheit)",
    re.IGNORECASE,
)


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _authentication(msg: Message) -> str:
    """The topmost Authentication-Results: the one the receiving server itself added."""
    headers = msg.get_all("Authentication-Results") or []
    if not headers:
        return ""
    verdicts = _VERDICT.findall(str(headers[0]))
    return " ".join(f"{k.lower()}={v.lower()}" for k, v in verdicts) or _text(headers[0])[:200]


def _automatic(msg: Message) -> str:
    auto = _text(msg.get("Auto-Submitted")).lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond"):
        if msg.get(header):
            return header
    if _text(msg.get("Precedence")).lower() in ("auto_reply", "bulk", "junk"):
        return f"Precedence: {_text(msg.get('Precedence')).lower()}"
    if msg.get_content_type() == "multipart/report":
        return "a delivery report"
    if _AUTO_SUBJECT.match(_text(msg.get("Subject"))):
        return "an automatic reply (by its subject)"
    return ""


def _date(msg: Message) -> str:
    try:
        return parsedate_to_datetime(str(msg.get("Date", ""))).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _sender(msg: Message) -> str:
    found = getaddresses([str(v) for v in msg.get_all("From") or []])
    return found[0][1].strip().lower() if found else ""


def _classify(name: str, data: bytes, inside: str) -> Attachment:
    verdict = sniff(data)
    if not verdict.refused:
        return Attachment(name, data, RETURN, verdict.fmt, inside)
    kind_words = dict(verdict.details).get("kind", "")
    head = data[:4096].lstrip()
    if kind_words and any(w in kind_words for w in _DOCUMENT_WORDS):
        return Attachment(name, data, DOCUMENT, kind_words, inside)
    if verdict.code is not None and verdict.code.value != "refused-not-spreadsheet":
        # A spreadsheet that cannot be read as sent (password, damaged, too large, Numbers):
        # it is saved and read, so check refuses it with its own reason.
        return Attachment(name, data, RETURN, verdict.code.value, inside)
    if head.startswith(b"BEGIN:VCALENDAR"):
        kind_words = "a calendar invitation"
    elif head.startswith(b"BEGIN:VCARD"):
        kind_words = "a contact card"
    elif head.startswith(b"-----BEGIN PGP") or head[:2] == b"\x30\x82":
        kind_words = "a signature"
    return Attachment(name, data, PASSED, kind_words or "a file that is not a return", inside)


class _Walker:
    def __init__(self, limits: MailLimits) -> None:
        self.limits = limits
        self.parts = 0
        self.unpacked = 0
        self.found: list[Attachment] = []

    def _tick(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise TooMuch(f"it has more than {self.limits.max_parts} parts")

    def _deeper(self, depth: int) -> int:
        if depth + 1 > self.limits.max_depth:
            raise TooMuch(
                f"it nests forwards, zips or winmail.dat more than {self.limits.max_depth} deep"
            )
        return depth + 1

    def _add(self, item: Attachment) -> None:
        self.found.append(item)
        if len(self.found) > self.limits.max_attachments:
            raise TooMuch(f"it has more than {self.limits.max_attachments} attachments")

    def message(self, msg: Message, depth: int, inside: str) -> None:
        """Walk ``msg`` by hand (not ``Message.walk``) so that forwards are counted deep."""
        self._tick()
        payload = msg.get_payload()
        if msg.get_content_maintype() == "message" and isinstance(payload, list):
            for sub in payload:  # a forward: message/rfc822 holds the whole message
                if isinstance(sub, Message):
                    self.message(sub, self._deeper(depth), f"{inside}forwarded message › ")
            return
        if msg.is_multipart() and isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    self.message(sub, depth, inside)
            return
        self._leaf(msg, depth, inside)

    def _leaf(self, part: Message, depth: int, inside: str) -> None:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            return
        name = _text(part.get_filename() or "")
        body_text = part.get_content_maintype() == "text" and not name
        if body_text and sniff(data).refused:
            return  # the message's own words, not an attachment
        self.blob(name or "attachment", data, depth, inside)

    def blob(self, name: str, data: bytes, depth: int, inside: str) -> None:
        if data.startswith(TNEF_MAGIC):
            self._tnef(name, data, self._deeper(depth), inside)
            return
        item = _classify(name, data, inside)
        if item.kind == PASSED and item.what == "a zip archive":
            self._zip(name, data, self._deeper(depth), inside)
            return
        self._add(item)

    def _zip(self, name: str, data: bytes, depth: int, inside: str) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError):
            self._add(Attachment(name, data, PASSED, "a damaged zip archive", inside))
            return
        for info in infos:
            self._tick()
            # The declared size bounds what zipfile will inflate; the total unpacked from one
            # message's zips is held to the message size limit, so a zip bomb costs nothing.
            self.unpacked += info.file_size
            if self.unpacked > self.limits.max_message_size:
                raise TooMuch(
                    f"its zip files unpack to more than {self.limits.max_message_size:,} bytes"
                )
            try:
                member = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError):
                self._add(Attachment(info.filename, b"", PASSED, "an unreadable zip member"))
                continue
            self.blob(info.filename.rsplit("/", 1)[-1], member, depth, f"{inside}{name} › ")

    def _tnef(self, name: str, data: bytes, depth: int, inside: str) -> None:
        from tnefparse import TNEF

        try:
            tnef = TNEF(data)
        except Exception:  # tnefparse raises its own and plain errors on damaged streams
            self._add(Attachment(name, data, PASSED, "a damaged winmail.dat", inside))
            return
        for item in tnef.attachments:
            self._tick()
            raw = item.data if isinstance(item.data, bytes) else b""
            label = item.long_filename() or _text(item.name) or "attachment"
            self.blob(label, raw, depth, f"{inside}{name} › ")


def parse_message(raw: bytes, limits: MailLimits | None = None) -> ParsedMessage:
    """Parse one message's bytes: its headers, and every attachment sorted by what it is.

    A message over ``limits`` comes back with ``refused`` set and no attachments.
    """
    limits = limits or MailLimits()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    parsed = ParsedMessage(
        message_id=_text(msg.get("Message-ID")),
        date=_date(msg),
        sender=_sender(msg),
        subject=_text(msg.get("Subject"))[:300],
        authentication=_authentication(msg),
        automatic=_automatic(msg),
    )
    if len(raw) > limits.max_message_size:
        parsed.refused = f"it is {len(raw):,} bytes, over the limit of {limits.max_message_size:,}"
        return parsed
    walker = _Walker(limits)
    try:
        walker.message(msg, 0, "")
    except TooMuch as exc:
        parsed.refused = str(exc)
        return parsed
    except RecursionError:
        parsed.refused = "its MIME structure nests too deep to read"
        return parsed
    parsed.attachments = walker.found
    return parsed
