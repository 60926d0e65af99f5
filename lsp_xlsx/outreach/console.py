"""What ``mail`` and ``status`` print: the status table and what became of each message."""

from __future__ import annotations

from lsp_xlsx.core.text import visible
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.outreach.mail import Delivery
from lsp_xlsx.outreach.tracking import PartnerStatus, StatusReport


def format_delivery(delivery: Delivery, skipped: list[tuple[Partner, str]], what: str) -> str:
    """One line per message (skipped, would send, draft, sent, FAILED), then a count."""
    lines = [f"skipped  {partner.who}: {why}" for partner, why in skipped]
    lines += [f"REFUSED  {partner.who}: {why}" for partner, why in delivery.refused]
    for item in delivery.dry_run:
        attached = f", attaching {item.file.name}" if item.file else ""
        lines.append(f"would send  {item.message['To']}: {item.message['Subject']}{attached}")
    lines += [f"draft    {path}" for path in delivery.drafts]
    report = delivery.report
    lines += [f"sent     {item.message['To']}" for item in report.sent]
    lines += [f"FAILED   {item.message['To']}: {outcome}" for item, outcome in report.failed]
    lines += [f"UNCERTAIN  {item.message['To']}: {why}" for item, why in report.uncertain]
    if delivery.dry_run:
        lines.append(
            f"Dry run: {counted(len(delivery.dry_run), what)} would go; "
            "nothing was sent or written."
        )
    else:
        done = len(delivery.drafts) + len(delivery.report.sent)
        failed, unsure = len(report.failed), len(report.uncertain)
        counts = f"{counted(done, what)} done, {failed} failed"
        counts += f", {unsure} uncertain" if unsure else ""
        counts += f", {len(delivery.refused)} refused" if delivery.refused else ""
        lines.append(f"{counts}, {len(skipped)} skipped.")
    if delivery.nobody:
        lines.append(delivery.nobody)
    return "\n".join(visible(line) for line in lines)


def _sent(row: PartnerStatus) -> str:
    if row.sent:
        return row.sent[:10]
    if row.uncertain:
        return f"uncertain {row.uncertain[:10]}"
    return f"drafted {row.drafted[:10]}" if row.drafted else "not sent"


def _returned(row: PartnerStatus) -> str:
    state = row.state if row.returned else "not returned"
    return f"{state} (by mail {row.by_mail})" if row.by_mail else state


def format_status(report: StatusReport) -> str:
    """The status table for the terminal, then the summary line."""
    header = (
        "Partner",
        "Sent",
        "Returned",
        "Answered",
        "Deadline",
        "File that counts",
        "Superseded",
    )
    rows = []
    for r in report.rows:
        if r.deadline is None:
            due = ""
        elif r.returned:
            due = r.deadline.isoformat()
        elif r.days_left is not None and r.days_left < 0:
            due = f"{r.deadline.isoformat()} ({counted(-r.days_left, 'day')} overdue)"
        else:
            due = f"{r.deadline.isoformat()} ({counted(r.days_left or 0, 'day')} to go)"
        rows.append(
            (
                r.partner.who,
                _sent(r),
                _returned(r),
                f"{r.ret.answered}/{r.rated_total}" if r.ret else "-",
                due,
                r.ret.file if r.ret else "",
                ", ".join(s.file for s in r.superseded),
            )
        )
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
        for i, h in enumerate(header)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    for ret in report.strangers:
        who = f"'{ret.partner_name}' ({ret.partner_id})"
        if ret.respondent_id and any(r.partner.partner_id == ret.partner_id for r in report.rows):
            person = ret.respondent.name or ret.respondent.email or ret.respondent_id
            who = f"{person} of {who}, a respondent"
        lines.append(f"warning: {ret.file} is from {who}, who is not in partners.csv")
    lines.append("")
    lines.append(report.summary())
    return "\n".join(visible(line) for line in lines)
