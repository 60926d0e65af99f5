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
) -> CollectReport:
    """Gather returns from an IMAP folder (``imap``) or saved messages (``from_files``) into
    ``returns_dir``, each read as check reads it, and record every message in collected.csv.

    The IMAP password is read from the environment (LSP_XLSX_IMAP_PASSWORD), never passed;
    an OAuth2 token (XOAUTH2) from LSP_XLSX_IMAP_OAUTH2_TOKEN or ``imap.oauth2_token_command``
    is used instead when given.
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
    collector = Collector(returns_dir, framework, partners, limits, mail_limits, issued, today)
    seen = collector.ledger.seen_place
    size = collector.mail_limits.max_message_size
    if imap is None:
        return collector.run(file_messages(list(from_files), seen))
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
    return report
