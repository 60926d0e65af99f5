"""Collect: messages in, returns saved and read as check reads them, the ledger kept.

A run has three steps. Each new message is parsed and its workbooks are put in a hidden
staging folder (``.collect-staging`` in the returns folder, which check never searches).
The staged files are then read together, exactly as ``check`` reads files (isolated
workers, the same limits, identity and copy ids checked, with ``--manifest`` against it).
Last, each is renamed to ``<partner-id>--<date>--<original name>`` by the partner its
workbook names, and the message's rows are added to the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.collect.ledger import Entry, Ledger
from lsp_xlsx.collect.messages import DOCUMENT, PASSED, Attachment, MailLimits, parse_message
from lsp_xlsx.collect.messages import ParsedMessage as Parsed
from lsp_xlsx.collect.sources import RawMessage
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.text import visible
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import Return
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.workbook.manifest import ManifestEntry

if TYPE_CHECKING:
    from lsp_xlsx.outreach.mail import DeliveryOutcome

STAGING = ".collect-staging"
_FORMATS = ("xlsx", "xlsm", "xltx", "xltm", "xls", "ods")
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass
class CollectReport:
    """What one run added to the ledger, its findings, and the UIDs it finished."""

    entries: list[Entry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    messages: int = 0
    #: The messages collected (not refused whole): what --mark-read and --move-to act on.
    done_uids: list[str] = field(default_factory=list)
    #: Each workbook read in this run, with its message and ledger row: what receipts say.
    received: list[Received] = field(default_factory=list)
    #: The receipts sent or drafted with --acknowledge, and the returns that got none.
    receipts: DeliveryOutcome | None = None
    receipt_skips: list[tuple[str, str]] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many rows of this run have ``outcome``."""
        return sum(1 for e in self.entries if e.outcome == outcome)


@dataclass(frozen=True)
class Received:
    """One workbook that arrived in this run: the message it came in, its row, its reading."""

    parsed: Parsed
    entry: Entry
    ret: Return


@dataclass
class _Staged:
    raw: RawMessage
    parsed: Parsed
    #: Per attachment: (attachment, staged path or None, earlier saved file for a resend).
    items: list[tuple[Attachment, Path | None, str]] = field(default_factory=list)


def clean_name(name: str) -> str:
    """The attachment's own name made safe: its last part only, no path, no odd characters."""
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE.sub("_", base).strip(" .") or "attachment"
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) <= 8:
        return f"{stem[:80]}.{ext}"
    return base[:90]


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    stem, dot, ext = name.rpartition(".")
    n = 2
    while target.exists():
        target = folder / (f"{stem}-{n}.{ext}" if dot else f"{name}-{n}")
        n += 1
    return target


#: Mail services anyone can sign up to: there, only the partner's own address counts, never
#: "an address at its domain".
PUBLIC_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "mail.com",
    ]
)


def sender_matches(sender: str, expected: str) -> bool:
    """True when ``sender`` is the partner's address, or at its (organisation's) domain."""
    sender, expected = sender.strip().lower(), expected.strip().lower()
    if not sender or sender == expected:
        return sender == expected
    domain = expected.rpartition("@")[2]
    return domain not in PUBLIC_DOMAINS and sender.rpartition("@")[2] == domain


class Collector:
    """One run of collect over the given messages; see the module's description."""

    def __init__(
        self,
        returns_dir: Path,
        framework: Framework,
        partners: Sequence[Partner] | None,
        limits: Limits | None = None,
        mail_limits: MailLimits | None = None,
        issued: Mapping[str, ManifestEntry] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.dir = returns_dir
        self.framework = framework
        self.partners = list(partners) if partners is not None else None
        self.limits = limits or Limits()
        self.mail_limits = mail_limits or MailLimits()
        self.issued = issued
        self.today = today or dt.date.today()
        self.ledger = Ledger.open(returns_dir)
        self.report = CollectReport()
        #: Each staged file's final name, once it has one: what a resend in the run points to.
        self._finals: dict[str, str] = {}

    def run(self, messages: Iterable[RawMessage]) -> CollectReport:
        """Stage, read and record every message; the ledger is written after each one."""
        staging = self.dir / STAGING
        staged: list[_Staged] = []
        sha_staged: dict[str, Path] = {}
        for raw in messages:
            self.report.messages += 1
            staged.append(self._stage(raw, staging, sha_staged))
        files = [p for s in staged for _, p, _ in s.items if p is not None]
        read = self._read(files)
        for one in staged:
            self._record(one, read)
        shutil.rmtree(staging, ignore_errors=True)
        return self.report

    def _stage(self, raw: RawMessage, staging: Path, sha_staged: dict[str, Path]) -> _Staged:
        from lsp_xlsx.core.files import write_bytes

        if raw.problem:
            return _Staged(raw, Parsed(refused=raw.problem))
        if raw.data is None:
            over = (
                f"it is {raw.size:,} bytes, over the limit of {self.mail_limits.max_message_size:,}"
            )
            parsed = parse_message(raw.headers)
            parsed.refused = over
            return _Staged(raw, parsed)
        parsed = parse_message(raw.data, self.mail_limits)
        one = _Staged(raw, parsed)
        if parsed.refused:
            return one
        if self.ledger.seen_message(raw.account, raw.folder, parsed.message_id):
            return one  # recorded as seen-before: the folder's UIDVALIDITY changed
        for item in parsed.attachments:
            if item.kind == PASSED:
                one.items.append((item, None, ""))
                continue
            sha = hashlib.sha256(item.data).hexdigest()
            earlier = self.ledger.saved_as(sha)
            if earlier or sha in sha_staged:
                one.items.append((item, None, earlier or str(sha_staged[sha])))
                continue
            path = write_bytes(item.data, staging / f"{sha[:16]}--{clean_name(item.name)}")
            sha_staged[sha] = path
            one.items.append((item, path, ""))
        return one

    def _read(self, files: list[Path]) -> dict[Path, Return]:
        if not files:
            return {}
        from lsp_xlsx.returns.batch import check

        result = check(files, self.framework, self.limits, self.partners, issued=self.issued)
        return {r.path: r for r in result.returns}

    def _partner(self, partner_id: str) -> Partner | None:
        for partner in self.partners or []:
            if partner.partner_id.casefold() == partner_id.casefold():
                return partner
        return None

    def _sender_flag(self, parsed: Parsed, ret: Return, file: str) -> str:
        partner = self._partner(ret.partner_id) if ret.partner_id else None
        if partner is None or not partner.email or not parsed.sender:
            return ""
        # Any of the partner's respondents (rows of partners.csv sharing its id) may send it.
        addresses = [p.email.lower() for p in partner.people if p.email]
        if any(sender_matches(parsed.sender, address) for address in addresses):
            return ""
        expected = ", ".join(addresses)
        flag = finding(
            Code.COLLECT_SENDER_NOT_PARTNER,
            file,
            sender=visible(parsed.sender),
            partner=partner.name,
            expected=expected,
        )
        self.report.findings.append(flag)
        return f"sent by {visible(parsed.sender)}, not an address of {partner.name}"

    def _entry(self, one: _Staged, **values: str) -> Entry:
        raw, parsed = one.raw, one.parsed
        base = {
            "account": raw.account,
            "folder": raw.folder,
            "uidvalidity": raw.uidvalidity,
            "uid": raw.uid,
            "message_id": parsed.message_id,
            "date": parsed.date,
            "sender": parsed.sender,
            "subject": parsed.subject,
            "attachment": "",
            "sha256": "",
            "saved_file": "",
            "partner": "",
            "outcome": "",
            "authentication": parsed.authentication,
            "detail": "",
        }
        base.update(values)
        return Entry(**base)

    def _record(self, one: _Staged, read: Mapping[Path, Return]) -> None:
        parsed = one.parsed
        rows: list[Entry] = []
        where = f"message {one.raw.uid} in {one.raw.folder}"
        if parsed.refused:
            self.report.findings.append(
                finding(
                    Code.COLLECT_MESSAGE_REFUSED,
                    where,
                    sender=visible(parsed.sender) or "an unknown sender",
                    subject=visible(parsed.subject) or "no subject",
                    reason=parsed.refused,
                )
            )
            rows.append(self._entry(one, outcome="message-refused", detail=parsed.refused))
        elif self.ledger.seen_message(one.raw.account, one.raw.folder, parsed.message_id):
            rows.append(self._entry(one, outcome="seen-before", detail="already collected"))
        elif not one.items:
            rows.append(self._entry(one, outcome="no-attachment", detail=parsed.automatic))
        for item, path, earlier in one.items:
            rows.append(self._attachment_row(one, item, path, earlier, read))
        self._authentication(parsed, where)
        self.ledger.add(rows)
        self.report.entries.extend(rows)
        if not parsed.refused:  # a refused message stays where it is, unread, for a person
            self.report.done_uids.append(one.raw.uid)

    def _authentication(self, parsed: Parsed, where: str) -> None:
        if "=fail" in parsed.authentication:
            self.report.findings.append(
                finding(
                    Code.COLLECT_AUTHENTICATION_FAILED,
                    where,
                    sender=visible(parsed.sender),
                    verdict=parsed.authentication,
                )
            )

    def _attachment_row(
        self,
        one: _Staged,
        item: Attachment,
        path: Path | None,
        earlier: str,
        read: Mapping[Path, Return],
    ) -> Entry:
        sha = hashlib.sha256(item.data).hexdigest() if item.data else ""
        name = f"{item.inside}{item.name}"
        if item.kind == PASSED:
            return self._entry(
                one, attachment=name, sha256=sha, outcome="passed-over", detail=item.what
            )
        if path is None:
            return self._entry(
                one,
                attachment=name,
                sha256=sha,
                saved_file=self._finals.get(earlier, Path(earlier).name),
                outcome="duplicate",
                detail="the same file was collected before",
            )
        ret = read.get(path)
        partner_id = ret.partner_id if ret is not None and ret.partner_id else "unmatched"
        day = one.parsed.date or self.today.isoformat()
        original = clean_name(item.name)
        if item.what in _FORMATS and not original.casefold().endswith(f".{item.what}"):
            original = f"{original}.{item.what}"  # image001.png that is a workbook: open it as one
        final = _unique(self.dir, f"{clean_name(partner_id)}--{day}--{original}")
        path.replace(final)
        self._finals[str(path)] = final.name
        if item.kind == DOCUMENT or ret is None:
            self.report.findings.append(
                finding(
                    Code.COLLECT_NOT_A_RETURN,
                    final.name,
                    sender=visible(one.parsed.sender),
                    kind=item.what,
                    saved=final.name,
                )
            )
            return self._entry(
                one,
                attachment=name,
                sha256=sha,
                saved_file=final.name,
                outcome="not-a-return",
                detail=item.what,
            )
        details = [ret.status.value]
        refusal = next((f.message for f in ret.findings if f.code.value.startswith("refused")), "")
        if refusal:
            details.append(refusal.replace(str(path), final.name).replace(path.name, final.name))
        flag = self._sender_flag(one.parsed, ret, final.name)
        if flag:
            details.append(flag)
        row = self._entry(
            one,
            attachment=name,
            sha256=sha,
            saved_file=final.name,
            partner=ret.partner_id,
            outcome="refused" if not ret.read else "return",
            detail="; ".join(details),
        )
        self.report.received.append(Received(one.parsed, row, ret))
        return row
