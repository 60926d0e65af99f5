"""Who is sent what: the invitations to plan, and the partners left out or refused.

Before a message is made, each partner's address is checked as mail servers check it and
its workbook against its SHA-256 in the manifest; a partner whose address or copy fails
is refused alone, with the reason, and the rest go on. A message whose fate is unknown
(uncertain, or still ``sending`` when a run stopped) is never sent again without
``--resend``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.framework.partners import Partner, people_of
from lsp_xlsx.outreach.addresses import address_problem
from lsp_xlsx.outreach.mail import (
    DeliveryOptions,
    DeliveryOutcome,
    deliver,
    make_message,
)
from lsp_xlsx.outreach.outgoing import Outgoing
from lsp_xlsx.outreach.sendlog import UNCERTAIN, SendLog
from lsp_xlsx.outreach.templates import Template, message_values
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, ManifestEntry, manifest_entries, read_copy


@dataclass
class Plan:
    """The messages to send, partners left out with the reason, and partners refused
    (a copy that does not match the manifest, an address no server would take)."""

    outgoing: list[Outgoing]
    skipped: list[tuple[Partner, str]]
    refused: list[tuple[Partner, str]] = field(default_factory=list)
    #: Partners left out because an earlier run already dealt with them.
    done_before: int = 0

    def nobody_reachable(self) -> str:
        """Why no message can go to anyone, when that is so and it is not because every
        partner was dealt with before; else ''."""
        if self.outgoing or self.done_before or not (self.skipped or self.refused):
            return ""
        return (
            "No partner can be reached: each one above was skipped or refused, for the "
            "reason given. Add e-mail addresses to partners.csv, or build the workbooks "
            "with lsp-xlsx build --partners (and give mail or status the same --dir)."
        )


def unresolved(log: SendLog, kind: str, partner: Partner, resend: bool) -> str:
    """Why ``partner`` is not sent a message of ``kind`` again: its last one may have
    arrived (uncertain, or still 'sending' when a run stopped). '' when none is pending
    or ``resend`` is given."""
    unsure = log.sent(kind, UNCERTAIN).get(partner.key)
    if unsure is None or resend:
        return ""
    done = log.sent(kind).get(partner.key)
    if done is not None and log.entries.index(done) > log.entries.index(unsure):
        return ""
    return f"delivery uncertain {unsure.time}: ask whether it arrived, then --resend if not"


def attachment(
    partner: Partner, copies: Mapping[str, ManifestEntry], entries: Sequence[ManifestEntry]
) -> tuple[Path, bytes] | str:
    """The partner's (or respondent's) copy and its bytes, checked against the manifest;
    else why not."""
    entry = copies.get(partner.key)
    if entry is None:
        return "no workbook in the manifest: run lsp-xlsx build --partners"
    found = read_copy(entry, entries)
    return (entry.path, found) if isinstance(found, bytes) else found


def address_refusal(partner: Partner) -> str:
    """Why no mail server would take the partner's address; '' when one would."""
    problem = address_problem(partner.email)
    return f"the address cannot be used: {problem}" if problem else ""


def plan_invitations(
    partners: Iterable[Partner],
    copies: Mapping[str, ManifestEntry],
    entries: Sequence[ManifestEntry],
    template: Template,
    sender: str,
    deadline: dt.date | None,
    contact: str,
    log: SendLog,
    resend: bool = False,
) -> Plan:
    """One invitation per respondent (each person of a partner listed on several rows of
    partners.csv, else the partner) with an address and a workbook, unless already sent.

    Each workbook is checked against its SHA-256 in the manifest; one that does not match
    is refused for that partner, with the reason, and the rest go on."""
    already = log.sent("invitation")
    plan = Plan([], [])
    for partner in people_of(list(partners)):
        pending = unresolved(log, "invitation", partner, resend)
        if not partner.email:
            plan.skipped.append((partner, "no e-mail address in partners.csv"))
        elif partner.key not in copies or not copies[partner.key].path.is_file():
            plan.skipped.append(
                (partner, "no workbook in the manifest: run lsp-xlsx build --partners")
            )
        elif partner.key in already and not resend:
            plan.done_before += 1
            plan.skipped.append(
                (partner, f"already sent {already[partner.key].time} (use --resend)")
            )
        elif pending:
            plan.done_before += 1
            plan.skipped.append((partner, pending))
        elif address_refusal(partner):
            plan.refused.append((partner, address_refusal(partner)))
        else:
            found = attachment(partner, copies, entries)
            if isinstance(found, str):
                plan.refused.append((partner, f"workbook not sent: {found}"))
                continue
            values = message_values(partner, deadline, contact, sender)
            message = make_message(partner, template, values, sender, found[0], data=found[1])
            plan.outgoing.append(message)
    return plan


def copies_in(folder: Path) -> tuple[list[ManifestEntry], dict[str, ManifestEntry]]:
    """Every copy in ``folder``'s manifest, and the newest one per respondent (by
    :attr:`ManifestEntry.key`, the partner id for a partner with one)."""
    entries = manifest_entries(folder / MANIFEST_NAME)
    return entries, {e.key: e for e in entries}


def deliver_plan(
    plan: Plan, log: SendLog, drafts: Path, options: DeliveryOptions, what: str
) -> DeliveryOutcome:
    """Write or send the plan's messages as ``options`` say; the outcome for the exit code."""
    smtp = options.smtp(dict(os.environ))
    delivery = deliver(plan.outgoing, log, drafts, smtp, options.delay, options.dry_run)
    delivery.refused, delivery.nobody = plan.refused, plan.nobody_reachable()
    return DeliveryOutcome(delivery, plan.skipped, what)
