"""``collect``: returns gathered from the mailbox or saved mail (issue 24), as a workflow call.

Kept beside :mod:`lsp_xlsx.workflow` (as ``workflow_split.py`` is) so that each stays small.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PartnerList
from lsp_xlsx.returns.sniff import Limits

if TYPE_CHECKING:
    from lsp_xlsx.collect.messages import MailLimits
    from lsp_xlsx.collect.run import CollectReport
    from lsp_xlsx.collect.sources import ImapSettings
    from lsp_xlsx.outreach.mail import DeliveryOptions


RETURNS_DIR = Path("outputs/returns")


def collect(
    framework: Framework,
    partners: PartnerList | None,
    imap: ImapSettings | None = None,
    from_files: Sequence[Path] = (),
    returns_dir: Path = RETURNS_DIR,
    limits: Limits | None = None,
    mail_limits: MailLimits | None = None,
    manifest: Path | None = None,
    today: dt.date | None = None,
    acknowledge: DeliveryOptions | None = None,
) -> CollectReport:
    """Gather returns from an IMAP folder (``imap``) or saved messages (``from_files``) into
    ``returns_dir``, each read as check reads it, and record every message in collected.csv.

    The IMAP password is read from the environment (LSP_XLSX_IMAP_PASSWORD), never passed;
    an OAuth2 token (XOAUTH2) from LSP_XLSX_IMAP_OAUTH2_TOKEN or ``imap.oauth2_token_command``
    is used instead when given.

    With ``acknowledge``, each partner whose return arrived is sent a receipt (or a draft),
    recorded in the send log beside the manifest (or in ``returns_dir``); see
    :mod:`lsp_xlsx.collect.receipts`.
    """
    from lsp_xlsx.collect.run import Collector
    from lsp_xlsx.collect.sources import (
        PASSWORD_VARIABLE,
        TOKEN_VARIABLE,
        Credentials,
        ImapSource,
        file_messages,
        token_from_command,
    )
    from lsp_xlsx.returns.verify import issued_copies

    if (imap is None) == (not from_files):
        raise UsageProblem("Give either --imap-host (with --imap-user) or --from-files.")
    issued = issued_copies(manifest) if manifest is not None else None
    if acknowledge is not None:
        if partners is None:
            raise UsageProblem("--acknowledge needs --partners: receipts go to their addresses.")
        acknowledge.smtp(dict(os.environ))  # a missing password stops before anything is read
    collector = Collector(returns_dir, framework, partners, limits, mail_limits, issued, today)
    seen = collector.ledger.seen_place
    size = collector.mail_limits.max_message_size
    if imap is None:
        report = collector.run(file_messages(list(from_files), seen))
        return _acknowledge(report, acknowledge, framework, partners, returns_dir, manifest)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if imap.oauth2_token_command:
        token = token_from_command(imap.oauth2_token_command)
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password and not token:
        raise UsageProblem(
            f"Set {PASSWORD_VARIABLE} to the mailbox's password, or give an OAuth2 token "
            f"in {TOKEN_VARIABLE} or by --oauth2-token-command."
        )
    with ImapSource(imap, Credentials(password, token)) as source:
        report = collector.run(source.messages(seen, size))
        source.done(report.done_uids)
    return _acknowledge(report, acknowledge, framework, partners, returns_dir, manifest)


def _acknowledge(
    report: CollectReport,
    options: DeliveryOptions | None,
    framework: Framework,
    partners: PartnerList | None,
    returns_dir: Path,
    manifest: Path | None,
) -> CollectReport:
    """Send (or draft) the receipts for this run's returns, when asked."""
    if options is None or partners is None:
        return report
    from lsp_xlsx.collect.receipts import plan_receipts
    from lsp_xlsx.outreach.invitations import Plan, deliver_plan
    from lsp_xlsx.outreach.sendlog import SendLog
    from lsp_xlsx.workbook.manifest import manifest_entries

    entries = manifest_entries(manifest) if manifest is not None else []
    built = entries[0] if entries else None
    deadline, contact = (built.deadline, built.contact) if built else (None, "")
    log = SendLog.open(options.log_in(manifest.parent if manifest else returns_dir))
    planned = plan_receipts(
        report.received, partners, framework, log, options.sender, deadline, contact
    )
    plan = Plan(planned.outgoing, [])
    outcome = deliver_plan(
        plan, log, options.drafts_in(returns_dir, "receipts"), options, "receipt"
    )
    report.receipts, report.receipt_skips = outcome, planned.skipped
    return report
