"""Receipts (``collect --acknowledge``): one short reply to each partner whose return arrived.

The reply goes in the message's thread (``In-Reply-To`` and ``References``), carries
``Auto-Submitted: auto-replied`` so that the partner's own auto-responder stays quiet, and
says what arrived and when, whether it counts, what to fix (in the reminder's words, at
most ten lines, the scale quoted once), the deadline and whom to contact.

It is never sent to a message that is itself automatic (an out-of-office reply, a bounce,
anything ``Auto-Submitted``), nor to a sender who is not the partner's own address in
partners.csv: a receipt would otherwise tell a stranger what a partner answered. Each
receipt's Message-ID is made from the Message-ID it answers, and it goes into the send log
as kind ``receipt``, so a receipt already sent, drafted or perhaps sent (``sending`` when a
run stopped) is never sent again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from lsp_xlsx.collect.run import Received
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.outreach.mail import to_header
from lsp_xlsx.outreach.outgoing import Outgoing
from lsp_xlsx.outreach.sendlog import SENDING, SendLog
from lsp_xlsx.outreach.templates import format_deadline, greeting, header_text, signature
from lsp_xlsx.outreach.tracking import missing_parts

KIND = "receipt"
MAX_FIX_LINES = 10
_SCALE_TAIL = " Choose one of: "


@dataclass
class ReceiptPlan:
    """The receipts to send, and each return that gets none, with the reason."""

    outgoing: list[Outgoing] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def receipt_id(message_id: str, sender: str) -> str:
    """The receipt's Message-ID, the same on every run for the message it answers."""
    domain = sender.rpartition("@")[2].strip("> ") or "lsp-xlsx.invalid"
    return f"<{_answers(message_id)}@{domain}>"


def _answers(message_id: str) -> str:
    """What a receipt's Message-ID says it answers, whatever --from was on that run."""
    return "receipt-" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:32]


def fix_lines(item: Received, framework: Framework) -> list[str]:
    """What to fix, in the reminder's words: at most ten lines, the scale quoted once."""
    if not item.ret.read:
        return [
            item.entry.detail.split("; ")[1]
            if "; " in item.entry.detail
            else "It could not be read."
        ]
    parts, scale = [], False
    for line in missing_parts(item.ret, framework):
        if _SCALE_TAIL in line:
            line, scale = line.split(_SCALE_TAIL)[0], True
        parts.append(line)
    room = MAX_FIX_LINES - (1 if scale else 0)  # the scale's line counts among the ten
    if len(parts) > room:
        more = len(parts) - (room - 1)
        parts = [*parts[: room - 1], f"And {more} more: see the workbook's Summary sheet."]
    if scale:
        parts.append(f"The scale: {', '.join(framework.labels)}.")
    return parts


def _body(
    item: Received,
    partner: Partner,
    framework: Framework,
    deadline: dt.date | None,
    contact: str,
    sender: str,
) -> str:
    ret, entry = item.ret, item.entry
    when = entry.date or "today"
    lines = [
        greeting(partner.contact_name or partner.email_name),
        "",
        f"Thank you: we received {entry.attachment} from you ({when}) for {partner.name}.",
    ]
    if not ret.read:
        lines.append("It does not count yet: we could not read it.")
    elif not ret.counts:
        lines.append(
            f"We read it, but it does not count yet ({ret.status.value}): we will be in touch."
        )
    elif ret.answered < ret.rated_total:
        lines.append("It counts, but it is not complete yet.")
    else:
        lines.append("It counts, and every rated question has an answer. Nothing more is needed.")
    fixes = fix_lines(item, framework) if not ret.read or ret.answered < ret.rated_total else []
    if fixes:
        lines += ["", "What to fix:"] + [f"  - {f}" for f in fixes]
        lines += ["", "Please send the corrected workbook back; the newest copy replaces this one."]
    lines += [
        "",
        f"The deadline is {format_deadline(deadline)}.",
        f"Questions: {contact or sender or 'the partnership team'}.",
        "",
        signature(contact, sender),
        "",
        "(This is an automatic receipt; please do not reply to it only to say thank you.)",
    ]
    return "\n".join(lines) + "\n"


def plan_receipts(
    received: Sequence[Received],
    partners: Sequence[Partner],
    framework: Framework,
    log: SendLog,
    sender: str,
    deadline: dt.date | None = None,
    contact: str = "",
) -> ReceiptPlan:
    """One receipt per partner whose return arrived (the latest message, when several did)."""
    plan = ReceiptPlan()
    by_id = {p.partner_id.casefold(): p for p in partners}
    done = {
        e.message_id.strip("<").partition("@")[0]
        for e in log.entries
        if e.kind == KIND and e.outcome in ("sent", "draft", SENDING)
    }
    latest: dict[str, Received] = {}
    for item in received:
        where = item.entry.saved_file
        partner = by_id.get(item.ret.partner_id.casefold()) if item.ret.partner_id else None
        if partner is None or not partner.email:
            plan.skipped.append((where, "no partner with an e-mail address in partners.csv"))
        elif item.parsed.automatic:
            plan.skipped.append((where, f"the message is automatic ({item.parsed.automatic})"))
        elif item.parsed.sender.strip().casefold() != partner.email.strip().casefold():
            plan.skipped.append((where, f"sent by {item.parsed.sender}, not {partner.email}"))
        elif not item.parsed.message_id:
            plan.skipped.append((where, "the message has no Message-ID to reply to"))
        elif _answers(item.parsed.message_id) in done:
            plan.skipped.append((where, "a receipt for this message is in the send log"))
        else:
            latest[partner.partner_id] = item
    for partner_id, item in latest.items():
        partner = by_id[partner_id.casefold()]
        message = EmailMessage()
        if sender:
            message["From"] = header_text(sender)
        message["To"] = to_header(
            partner.email_name or partner.contact_name or partner.name, partner.email
        )
        subject = header_text(item.parsed.subject) or "your return"
        message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = receipt_id(item.parsed.message_id, sender)
        message["In-Reply-To"] = item.parsed.message_id
        message["References"] = item.parsed.message_id
        message["Auto-Submitted"] = "auto-replied"
        message.set_content(_body(item, partner, framework, deadline, contact, sender))
        plan.outgoing.append(Outgoing(partner, message, KIND, None))
    return plan
