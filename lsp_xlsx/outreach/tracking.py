"""Who has been sent a workbook, who has returned it, and what is still missing.

:func:`track` joins ``partners.csv``, the send log and the returns read by
:func:`~lsp_xlsx.returns.reader.check` into one row per partner, and
:func:`plan_reminders` turns the outstanding and incomplete ones into reminder messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, people_of
from lsp_xlsx.outreach.invitations import Plan, address_refusal, attachment, unresolved
from lsp_xlsx.outreach.mail import make_message
from lsp_xlsx.outreach.reminder_lines import reminder_lines
from lsp_xlsx.outreach.sendlog import SEND_LOG_NAME, SendLog
from lsp_xlsx.outreach.templates import Template, format_deadline, message_values
from lsp_xlsx.returns.model import CheckResult, Return
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, ManifestEntry


@dataclass
class PartnerStatus:
    """One partner's row in the status table."""

    partner: Partner
    sent: str = ""  # when the invitation went, from the send log
    drafted: str = ""  # when a draft was written, if it was never sent from here
    uncertain: str = ""  # when a send was cut off after the message was handed over
    ret: Return | None = None
    superseded: list[Return] = field(default_factory=list)
    rated_total: int = 0
    deadline: dt.date | None = None
    days_left: int | None = None
    missing: list[str] = field(default_factory=list)
    #: When a return from this partner arrived by mail (collect's ledger), '' when none did.
    by_mail: str = ""

    @property
    def returned(self) -> bool:
        """True when a return that counts came in."""
        return self.ret is not None

    @property
    def complete(self) -> bool:
        """True when every rated question has an answer from the scale."""
        return self.ret is not None and self.ret.answered >= self.rated_total

    @property
    def overdue(self) -> bool:
        """Not returned, and the deadline has passed."""
        return not self.returned and self.days_left is not None and self.days_left < 0

    @property
    def state(self) -> str:
        """returned, incomplete, overdue or outstanding."""
        if self.returned:
            return "returned" if self.complete else "incomplete"
        return "overdue" if self.overdue else "outstanding"


@dataclass
class StatusReport:
    """The status of every partner in partners.csv, in file order."""

    rows: list[PartnerStatus]
    today: dt.date
    #: Returns whose partner (or, for a partner with several, whose respondent) is not in
    #: partners.csv.
    strangers: list[Return] = field(default_factory=list)

    def summary(self) -> str:
        """'14 of 22 returned, 3 incomplete, 5 outstanding (2 overdue)'."""
        total = len(self.rows)
        returned = sum(r.returned for r in self.rows)
        incomplete = sum(r.returned and not r.complete for r in self.rows)
        outstanding = total - returned
        overdue = sum(r.overdue for r in self.rows)
        text = f"{returned} of {total} returned, {incomplete} incomplete, {outstanding} outstanding"
        return text + (f" ({overdue} overdue)" if overdue else "")


def missing_parts(ret: Return | None, framework: Framework) -> list[str]:
    """What a partner still has to do, theme by theme, in a coordinator's words."""
    if ret is None:
        return ["No return has been received yet."]
    parts = []
    for theme in framework.themes:
        rated = theme.rated_questions
        answered = [q for q in rated if ret.responses[q.id].answered]
        invalid = [
            q for q in rated if ret.responses[q.id].rating_raw and not ret.responses[q.id].answered
        ]
        name = f"theme {theme.number} ({theme.sheet_name})"
        if not answered and not invalid:
            parts.append(f"{name[0].upper()}{name[1:]} not started.")
        elif len(answered) < len(rated):
            gap = len(rated) - len(answered)
            ids = ", ".join(q.id for q in rated if q not in answered)
            line = (
                f"{name[0].upper()}{name[1:]}: {gap} of {len(rated)} rated questions "
                f"without a rating from the scale ({ids})"
            )
            parts.append(line + ".")
        for q in invalid:
            response = ret.responses[q.id]
            where = f"sheet '{response.sheet}', cell {response.cells.get('rating', '?')}"
            parts.append(
                f"{q.id} ({where}): '{response.rating_raw}' is not on the scale. "
                f"Choose one of: {', '.join(framework.labels)}."
            )
    return parts


def track(
    result: CheckResult,
    partners: Sequence[Partner],
    framework: Framework,
    log: SendLog | None = None,
    deadlines: dict[str, dt.date | None] | None = None,
    today: dt.date | None = None,
    by_mail: Mapping[str, str] | None = None,
) -> StatusReport:
    """One status row per respondent (each person of a partner listed on several rows of
    partners.csv, else the partner), from the returns, the send log and the deadlines
    (by :attr:`Partner.key`, or partner id); ``by_mail`` is when each partner's latest
    return arrived by mail (from collected.csv), used for a partner with one respondent
    only: collect's ledger does not say which person sent it."""
    today = today or dt.date.today()
    sent = log.sent("invitation") if log else {}
    drafted = log.sent("invitation", "draft") if log else {}
    uncertain = log.sent("invitation", "uncertain") if log else {}
    deadlines = deadlines or {}
    by_id: dict[str, PartnerStatus] = {}
    rows = []
    for partner in people_of(list(partners)):
        row = PartnerStatus(partner, rated_total=len(framework.rated_questions))
        entry = sent.get(partner.key)
        row.sent = entry.time if entry else ""
        draft = drafted.get(partner.key)
        row.drafted = draft.time if draft else ""
        unsure = uncertain.get(partner.key)
        row.uncertain = unsure.time if unsure else ""
        row.deadline = deadlines.get(partner.key, deadlines.get(partner.partner_id))
        if not partner.respondent_id:
            row.by_mail = (by_mail or {}).get(partner.partner_id.casefold(), "")
        if row.deadline is not None:
            row.days_left = (row.deadline - today).days
        by_id[partner.key.casefold()] = row
        rows.append(row)
    strangers = []
    for ret in result.returns:
        if not ret.read:
            continue
        key = f"{ret.partner_id}/{ret.respondent_id}" if ret.respondent_id else ret.partner_id
        row_for = by_id.get(key.casefold())
        if row_for is None:
            strangers.append(ret)
        elif not ret.counts:  # superseded, or held until who sent it is resolved
            row_for.superseded.append(ret)
        else:
            row_for.ret = ret
    for row in rows:
        if not row.complete:
            row.missing = reminder_lines(missing_parts(row.ret, framework), row.ret, framework)
    return StatusReport(rows, today, strangers)


def require_copies(folder: Path, log: Path | None, command: str) -> None:
    """Stop (:class:`UsageProblem`, exit 2) before anything is read or made when ``folder``
    holds neither the manifest nor the send log: chasing copies that are not there would
    only pretend (every partner "not sent", reminders saying a workbook is attached)."""
    sendlog = log or folder / SEND_LOG_NAME
    if (folder / MANIFEST_NAME).is_file() or sendlog.is_file():
        return
    raise UsageProblem(
        f"{command} found no copies to chase: there is no {folder / MANIFEST_NAME} and no "
        f"send log {sendlog}. Pass --dir with the folder lsp-xlsx build --partners wrote "
        "(and --log if the send log is elsewhere); nothing was written."
    )


NEXT_STEP_NOT_RETURNED = (
    "If you have sent it in the last day or two, thank you, and please ignore this message. "
    "The workbook is attached again."
)
#: For a partner not returned whose workbook is not attached: never claim it is.
NEXT_STEP_NOT_ATTACHED = (
    "If you have sent it in the last day or two, thank you, and please ignore this message. "
    "If you need the workbook again, reply to this message and we will send it."
)
NEXT_STEP_INCOMPLETE = (
    "Thank you for your return. Please add what is missing to the same workbook and send it "
    "back; the newest copy replaces the one we have."
)


def _due(row: PartnerStatus) -> str:
    """'due Wednesday 31 March 2027', or 'overdue since …' once the date has passed."""
    when = format_deadline(row.deadline)
    if row.days_left is not None and row.days_left < 0:
        return f"overdue since {when}"
    return f"due {when}"


def _arrived_since_reminder(row: PartnerStatus, log: SendLog | None) -> str:
    """Why not to remind a partner whose return arrived by mail since the last reminder
    (collect has it; with --acknowledge the receipt said what to fix); '' otherwise."""
    if not row.by_mail:
        return ""
    last = log.sent("reminder").get(row.partner.key) if log else None
    if last is not None and last.time[:10] > row.by_mail:
        return ""  # reminded after it arrived: remind again
    return f"a return arrived by mail on {row.by_mail} (collected.csv); not reminded"


def plan_reminders(
    report: StatusReport,
    template: Template,
    sender: str,
    contact: str,
    copies: Mapping[str, ManifestEntry],
    entries: Sequence[ManifestEntry] = (),
    log: SendLog | None = None,
    resend: bool = False,
) -> Plan:
    """A reminder for every partner not returned or incomplete, saying what is missing.

    The workbook is attached again for partners who have not returned one, when their copy
    matches the manifest; the reminder says it is attached only when it is. A partner
    whose last reminder may have arrived (uncertain) is skipped unless ``resend``.
    """
    plan = Plan([], [])
    for row in report.rows:
        if row.complete:
            continue
        partner = row.partner
        pending = unresolved(log, "reminder", partner, resend) if log else ""
        if not partner.email:
            plan.skipped.append((partner, "no e-mail address in partners.csv"))
            continue
        if pending:
            plan.done_before += 1
            plan.skipped.append((partner, pending))
            continue
        mailed = _arrived_since_reminder(row, log)
        if mailed:
            plan.skipped.append((partner, mailed))
            continue
        if address_refusal(partner):
            plan.refused.append((partner, address_refusal(partner)))
            continue
        found = attachment(partner, copies, entries) if not row.returned else None
        attached = found if isinstance(found, tuple) else None
        if row.returned:
            next_step = NEXT_STEP_INCOMPLETE
        else:
            next_step = NEXT_STEP_NOT_RETURNED if attached else NEXT_STEP_NOT_ATTACHED
        values = message_values(partner, row.deadline, contact, sender) | {
            "missing": "\n".join(f"  - {m}" for m in row.missing),
            "due": _due(row),
            "next_step": next_step,
        }
        path, data = attached or (None, None)
        plan.outgoing.append(
            make_message(partner, template, values, sender, path, "reminder", data)
        )
    return plan
