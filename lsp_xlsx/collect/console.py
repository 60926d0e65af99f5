"""What collect prints: one line per attachment it saved or refused, findings, and the counts."""

from __future__ import annotations

from lsp_xlsx.collect.run import CollectReport
from lsp_xlsx.core.text import visible
from lsp_xlsx.core.words import counted

#: The outcomes, in the order the counts are shown, with their words.
OUTCOMES = (
    ("return", "return", "returns", "saved and read"),
    ("refused", "workbook", "workbooks", "saved but refused by check"),
    (
        "not-a-return",
        "PDF, Word or other document",
        "PDF, Word or other documents",
        "saved and refused",
    ),
    ("duplicate", "resend", "resends", "of a file already collected"),
    (
        "passed-over",
        "picture, signature or other file",
        "pictures, signatures and other files",
        "passed over",
    ),
    ("no-attachment", "message", "messages", "with nothing attached"),
    ("seen-before", "message", "messages", "already collected (the folder's UIDVALIDITY changed)"),
    ("message-refused", "message", "messages", "refused whole (over a limit)"),
)


def format_report(report: CollectReport, ledger: str) -> str:
    """The report as text for the terminal; every message text made visible."""
    lines: list[str] = []
    for e in report.entries:
        if e.outcome in ("return", "refused", "not-a-return"):
            who = e.partner or "no partner"
            lines.append(
                f"{e.outcome:<13} {visible(e.saved_file)}  ({who}; from {visible(e.sender)})"
            )
    for f in report.findings:
        lines.append(f"  {f.severity.upper():<7}  {visible(f.message)}")
    lines.append(f"{counted(report.messages, 'new message', 'new messages')} read.")
    lines += [
        f"  {counted(report.count(o), one, many)} {words}"
        for o, one, many, words in OUTCOMES
        if report.count(o)
    ]
    lines.append(f"Ledger: {ledger}")
    if report.receipts is not None:
        from lsp_xlsx.outreach.console import format_delivery

        outcome = report.receipts
        lines.append(format_delivery(outcome.delivery, outcome.skipped, outcome.what))
        for where, why in report.receipt_skips:
            lines.append(f"  no receipt for {visible(where)}: {visible(why)}")
    return "\n".join(lines)
