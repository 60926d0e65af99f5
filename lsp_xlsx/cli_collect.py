"""The ``lsp-xlsx collect`` command (issue 24): parse options, one workflow call, print.

Its own module, beside :mod:`lsp_xlsx.cli`, so that each stays small; cli.py adds it to
the command group.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from lsp_xlsx.cli_options import (
    framework_option,
    limits_options,
    manifest_option,
    our_errors,
    parse_date,
    partners_option,
    smtp_delivery_options,
)
from lsp_xlsx.workflow_collect import RETURNS_DIR, collect


@click.command("collect")
@framework_option
@partners_option()
@click.option("--imap-host", default=None, help="The IMAP server, e.g. imap.example.org.")
@click.option("--imap-port", type=int, default=None, help="Its port (993 for ssl, 143 else).")
@click.option("--imap-user", default=None, help="The mailbox's user name.")
@click.option("--folder", default="INBOX", show_default=True, help="The folder to read.")
@click.option(
    "--security",
    type=click.Choice(["ssl", "starttls", "none"]),
    default="ssl",
    show_default=True,
    help="How to protect the connection (none only on a trusted network).",
)
@click.option("--since", callback=parse_date, default=None, help="Only messages from this date.")
@click.option(
    "--returns",
    "returns_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=RETURNS_DIR,
    show_default=True,
    help="Where returns are saved, with collected.csv (the ledger).",
)
@click.option(
    "--from-files",
    "from_files",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Saved messages instead of IMAP: .eml, .msg, mbox files or Maildir folders "
    "(repeat it, or name a folder).",
)
@click.option("--mark-read", is_flag=True, help="Mark each collected message read.")
@click.option("--move-to", default=None, help="Move each collected message to this folder.")
@click.option(
    "--oauth2-token-command",
    default=None,
    help="A command that prints an OAuth2 access token, for XOAUTH2 (Microsoft 365, Gmail); "
    "or put the token in LSP_XLSX_IMAP_OAUTH2_TOKEN.",
)
@click.option(
    "--max-message-size",
    type=int,
    default=None,
    help="Largest message read, in bytes (default 60 MiB); a larger one is refused.",
)
@click.option(
    "--acknowledge",
    is_flag=True,
    help="Send each partner whose return arrived a receipt saying what to fix: over SMTP "
    "(--smtp-host, --from, --smtp-security), or as .eml drafts (--drafts, default "
    "RETURNS/receipts). Recorded in the send log, so none goes twice.",
)
@smtp_delivery_options
@manifest_option
@limits_options
def collect_command(
    framework: Any,
    partners: Any,
    imap_host: str | None,
    imap_port: int | None,
    imap_user: str | None,
    folder: str,
    security: str,
    since: dt.date | None,
    returns_dir: Path,
    from_files: tuple[Path, ...],
    mark_read: bool,
    move_to: str | None,
    oauth2_token_command: str | None,
    max_message_size: int | None,
    acknowledge: bool,
    delivery: Any,
    manifest: Path | None,
    limits: Any,
) -> None:
    """Collect returns from the mailbox (or saved messages) into the returns folder.

    Every message is walked in full: attachments inline or not, forwarded messages, zips
    and winmail.dat. Each workbook is saved as <partner-id>--<date>--<name> and read
    exactly as check reads it; PDFs and Word files are saved and refused; pictures and
    signatures are passed over. collected.csv records every message, so a rerun fetches
    only what is new. Messages are never deleted, and not marked read unless --mark-read.
    The password is read from LSP_XLSX_IMAP_PASSWORD and is never printed or logged;
    for OAuth2 (XOAUTH2) give LSP_XLSX_IMAP_OAUTH2_TOKEN or --oauth2-token-command.

    \b
    Example:
        LSP_XLSX_IMAP_PASSWORD=... lsp-xlsx collect --imap-host imap.example.org \\
            --imap-user lsp@example.org --partners partners.csv --since 2027-03-01
        lsp-xlsx collect --imap-host outlook.office365.com --imap-user lsp@council.gov.uk \\
            --oauth2-token-command "az account get-access-token \\
            --resource https://outlook.office.com --query accessToken -o tsv"
        lsp-xlsx collect --from-files saved-mail/ --partners partners.csv
        lsp-xlsx collect --from-files saved-mail/ --partners partners.csv \\
            --manifest outputs/to-send/manifest.csv --acknowledge --smtp-host smtp.example.org \\
            --smtp-user lsp@example.org --from "LSP team <lsp@example.org>"
    """
    from lsp_xlsx.collect.console import format_report
    from lsp_xlsx.collect.ledger import LEDGER_NAME
    from lsp_xlsx.collect.messages import MailLimits
    from lsp_xlsx.collect.sources import ImapSettings

    imap = None
    if imap_host or imap_user:
        if not (imap_host and imap_user):
            raise click.UsageError("--imap-host and --imap-user go together.")
        imap = ImapSettings(imap_host, imap_user, imap_port, folder, security, since,
                            mark_read, move_to, oauth2_token_command)  # fmt: skip
    mail_limits = MailLimits(max_message_size=max_message_size) if max_message_size else None
    with our_errors():
        report = collect(
            framework,
            partners,
            imap,
            from_files,
            returns_dir,
            limits,
            mail_limits,
            manifest,
            acknowledge=delivery if acknowledge else None,
        )
    click.echo(format_report(report, str(returns_dir / LEDGER_NAME)))
    refused = (
        report.count("refused") + report.count("not-a-return") + report.count("message-refused")
    )
    receipts = report.receipts.exit_code if report.receipts is not None else 0
    sys.exit(1 if refused or receipts else 0)
