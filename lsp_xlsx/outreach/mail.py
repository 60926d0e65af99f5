"""E-mail the workbooks: one message per partner, as drafts or over SMTP, with a send log.

Drafts are ``.eml`` files with ``X-Unsent: 1``, which Outlook, Thunderbird and Apple Mail
open as a message ready to review and send. Over SMTP, one refused address or a dropped
connection is recorded and the others still go; a refused login stops the run at once.
The password only ever comes from the environment variable :data:`PASSWORD_ENV`; it is
never printed, logged or put in an exception.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import SMTPUTF8 as SMTPUTF8_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path

from lsp_xlsx.core.errors import MailError, OutputError
from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.framework.partners import Partner, unique_filenames
from lsp_xlsx.outreach.addresses import needs_smtputf8
from lsp_xlsx.outreach.outgoing import Outgoing
from lsp_xlsx.outreach.sendlog import SEND_LOG_NAME, SENDING, UNCERTAIN, SendLog
from lsp_xlsx.outreach.smtp import (
    DEFAULT_DEADLINE,
    BoundedSMTP,
    BoundedSMTPSSL,
    DeadlineExceeded,
    ReplyTooLarge,
)
from lsp_xlsx.outreach.templates import Template, header_text

PASSWORD_ENV = "LSP_XLSX_SMTP_PASSWORD"
#: An OAuth2 access token for XOAUTH2 (Microsoft 365, Gmail), used instead of the password.
TOKEN_ENV = "LSP_XLSX_SMTP_OAUTH2_TOKEN"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class DeliveryOptions:
    """Where messages go and how: .eml drafts into a folder (the default), or over SMTP.

    ``drafts`` and ``log`` default to folders beside the workbooks; see
    :meth:`drafts_in` and :meth:`log_in`.
    """

    drafts: Path | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str = ""
    security: str = "starttls"
    sender: str = ""
    delay: float = 1.0
    dry_run: bool = False
    log: Path | None = None
    #: Seconds each message (and the connection) may take at most, however the server paces it.
    smtp_timeout: float = DEFAULT_DEADLINE
    #: A command that prints an OAuth2 access token, for XOAUTH2 (else $LSP_XLSX_SMTP_OAUTH2_TOKEN).
    oauth2_token_command: str | None = None

    def smtp(self, environ: dict[str, str]) -> SmtpSettings | None:
        """The SMTP settings, with the password (or OAuth2 token) from ``environ`` or the
        token command; None for drafts."""
        if self.smtp_host is None:
            return None
        if self.oauth2_token_command:
            from lsp_xlsx.core.oauth2 import token_from_command

            environ = environ | {
                TOKEN_ENV: token_from_command(self.oauth2_token_command, MailError)
            }
        settings = SmtpSettings.from_env(
            self.smtp_host, self.smtp_port, self.smtp_user, self.security, environ
        )
        return SmtpSettings(
            settings.host,
            settings.port,
            settings.user,
            settings.password,
            settings.security,
            min(settings.timeout, self.smtp_timeout),
            self.smtp_timeout,
            settings.token,
        )

    def drafts_in(self, folder: Path, name: str) -> Path:
        """The drafts folder: ``--drafts`` when given, else ``folder/name``."""
        return self.drafts or folder / name

    def log_in(self, folder: Path) -> Path:
        """The send log: ``--log`` when given, else ``folder/sent.csv``."""
        return self.log or folder / SEND_LOG_NAME


def to_header(shown: str, address: str) -> str:
    """'"Fire & Rescue, HQ" <grace@fire.example>', the name quoted as mail needs it; an
    address with letters outside ASCII is kept as it is (sent with SMTPUTF8)."""
    name = header_text(shown)
    if not name:
        return address
    quoted = str(Address(display_name=name, addr_spec="x@x.invalid"))
    return f"{quoted.rpartition(' <')[0]} <{address}>"


def make_message(
    partner: Partner,
    template: Template,
    values: dict[str, str],
    sender: str,
    attachment: Path | None,
    kind: str = "invitation",
    data: bytes | None = None,
) -> Outgoing:
    """One message to ``partner``'s address, with its workbook attached when given
    (``data``, its bytes as checked against the manifest, else read from the file)."""
    subject, body = template.render(values)
    message = EmailMessage()
    if sender:  # a draft may leave it to the mail program, which fills in the account
        message["From"] = header_text(sender)
    # The display name typed with the address ('Lisa Brown <lisa@…>') comes first.
    shown = partner.email_name or partner.contact_name or partner.name
    message["To"] = to_header(shown, partner.email)
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = sender.rpartition("@")[2].strip(">") or "lsp-xlsx.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment.read_bytes() if data is None else data,
            maintype=XLSX_TYPE[0],
            subtype=XLSX_TYPE[1],
            filename=attachment.name,
        )
    return Outgoing(partner, message, kind, attachment)


# --- Drafts and SMTP ----------------------------------------------------------------------


def write_drafts(outgoing: Sequence[Outgoing], out_dir: Path, log: SendLog | None) -> list[Path]:
    """Write one .eml per message into ``out_dir``, ready to open and send."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = unique_filenames([o.partner for o in outgoing], suffix=".eml")
    paths = []
    for item in outgoing:
        if "X-Unsent" not in item.message:
            item.message["X-Unsent"] = "1"  # Outlook opens it as a draft, ready to send
        path = out_dir / (
            f"reminder-{names[item.partner.key]}"
            if item.kind == "reminder"
            else names[item.partner.key]
        )
        # An address with letters outside ASCII is written as UTF-8 (RFC 6532), as it is sent.
        policy = SMTPUTF8_POLICY if needs_smtputf8(item.partner.email) else SMTP_POLICY
        write_bytes(item.message.as_bytes(policy=policy), path)
        paths.append(path)
        if log is not None:
            log.record(item, "draft")
    return paths


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the coordinator's mail server. The password is read from the
    environment by :meth:`from_env`; it is kept out of ``repr``."""

    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    security: str = "starttls"  # "starttls", "ssl" or "none"
    timeout: float = 30.0
    #: Wall-clock seconds for connecting and logging in, and then for each message.
    deadline: float = DEFAULT_DEADLINE
    #: An OAuth2 access token: the login is then AUTH XOAUTH2, not the password.
    token: str = field(default="", repr=False)

    @classmethod
    def from_env(
        cls, host: str, port: int | None, user: str, security: str, environ: dict[str, str]
    ) -> SmtpSettings:
        """Settings with the password from :data:`PASSWORD_ENV` (or an OAuth2 token from
        :data:`TOKEN_ENV`), when a user is given."""
        password = environ.get(PASSWORD_ENV, "")
        token = environ.get(TOKEN_ENV, "")
        if user and not password and not token:
            raise MailError(
                f"--smtp-user is {user!r} but {PASSWORD_ENV} is not set. Set it in the "
                f"environment (for example: read -s {PASSWORD_ENV}; export {PASSWORD_ENV}), "
                f"or give an OAuth2 token in {TOKEN_ENV} or by --oauth2-token-command."
            )
        if token and not user:
            raise MailError("An OAuth2 token needs --smtp-user: XOAUTH2 names the mailbox.")
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return cls(host, port or default_port, user, password, security, token=token)


@dataclass
class SendReport:
    """What happened to each message."""

    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    #: Lost after the message was handed over: it may have arrived. Never resent by itself.
    uncertain: list[tuple[Outgoing, str]] = field(default_factory=list)


def _open(settings: SmtpSettings) -> smtplib.SMTP:
    server: smtplib.SMTP
    if settings.security == "ssl":
        server = BoundedSMTPSSL(
            settings.host,
            settings.port,
            settings.timeout,
            settings.deadline,
            context=ssl.create_default_context(),
        )
    else:
        server = BoundedSMTP(settings.host, settings.port, settings.timeout, settings.deadline)
        if settings.security == "starttls":
            server.starttls(context=ssl.create_default_context())
    server.ehlo_or_helo_if_needed()  # a server whose EHLO reply never ends stops us here
    return server


def _login(server: smtplib.SMTP, settings: SmtpSettings) -> None:
    """LOGIN/PLAIN with the password, or AUTH XOAUTH2 with the token when there is one."""
    if not settings.token:
        server.login(settings.user, settings.password)
        return
    from lsp_xlsx.core.oauth2 import xoauth2_string

    sasl = xoauth2_string(settings.user, settings.token)

    def answer(challenge: bytes | None = None) -> str:
        # A challenge after the string is the server's error report (RFC 7628): answer
        # empty, so that it ends the exchange with its refusal.
        return sasl if challenge is None else ""

    server.ehlo_or_helo_if_needed()
    server.auth("XOAUTH2", answer, initial_response_ok=True)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        server = _open(settings)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"Cannot connect to the SMTP server {settings.host}:{settings.port} "
            f"({type(exc).__name__}: {exc}). Check --smtp-host, --smtp-port and the security "
            "option; nothing was sent."
        ) from None
    if settings.user:
        try:
            _login(server, settings)
        except smtplib.SMTPAuthenticationError as exc:
            server.close()
            secret = TOKEN_ENV if settings.token else PASSWORD_ENV
            raise MailError(
                f"The SMTP server {settings.host} refused the login for {settings.user!r} "
                f"({exc.smtp_code}). Check the user name and {secret}; nothing was sent."
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            server.close()
            raise MailError(
                f"The SMTP server {settings.host} would not log in {settings.user!r} "
                f"({type(exc).__name__}). Check the security option; nothing was sent."
            ) from None
    return server


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _send_one(server: smtplib.SMTP, item: Outgoing, log: SendLog, host: str) -> str:
    """Send one message on an open connection; its outcome as the log records it.

    Raises the connection's exceptions; the message is logged ``sending`` just before
    its envelope goes, so whatever happens next it is never taken for unsent.
    """
    server.ehlo_or_helo_if_needed()
    if needs_smtputf8(item.partner.email) and not server.has_extn("smtputf8"):
        return (
            f"failed: the address {item.partner.email} has letters outside ASCII, and "
            f"{host} does not offer SMTPUTF8 to carry it; ask the partner for a plain "
            "address, or send this one by hand"
        )
    try:
        log.record(item, SENDING)
    except OutputError as exc:
        raise OutputError(
            exc.path, f"{exc.reason}; stopped before sending to {item.partner.email}"
        ) from None
    if isinstance(server, BoundedSMTP | BoundedSMTPSSL):
        server.body_sent = False
    refused = server.send_message(item.message)
    if refused:
        return "failed: refused " + ", ".join(f"{k} ({v[0]})" for k, v in refused.items())
    return "sent"


def _lost(server: smtplib.SMTP | None, exc: BaseException) -> str:
    handed_over = isinstance(server, BoundedSMTP | BoundedSMTPSSL) and server.body_sent
    why = str(exc) if isinstance(exc, DeadlineExceeded | ReplyTooLarge) else type(exc).__name__
    if handed_over:
        return (
            f"{UNCERTAIN}: connection lost after the message was handed over ({why}); "
            "ask the partner whether it arrived"
        )
    return f"failed: connection lost ({why})"


def _attempt(
    server: smtplib.SMTP | None, item: Outgoing, settings: SmtpSettings, log: SendLog
) -> tuple[str, smtplib.SMTP | None]:
    """One message's outcome, and the connection to use next (None once it is lost)."""
    try:
        if server is None:
            server = _connect(settings)
        if isinstance(server, BoundedSMTP | BoundedSMTPSSL):
            server.start_deadline(settings.deadline)
        return _send_one(server, item, log, settings.host), server
    except smtplib.SMTPRecipientsRefused as exc:
        codes = ", ".join(
            f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values()
        )
        return f"failed: address refused ({codes})", server
    except smtplib.SMTPSenderRefused as exc:
        return f"failed: sender refused ({exc.smtp_code} {_text(exc.smtp_error)})", server
    except smtplib.SMTPDataError as exc:
        return f"failed: message refused ({exc.smtp_code} {_text(exc.smtp_error)})", server
    except smtplib.SMTPNotSupportedError as exc:
        return f"failed: {exc}", server
    except MailError as exc:
        return f"failed: could not reconnect ({exc})", None
    except (OSError, smtplib.SMTPException) as exc:
        outcome = _lost(server, exc)
        if server is not None:
            server.close()
        return outcome, None


def send_smtp(
    outgoing: Sequence[Outgoing],
    settings: SmtpSettings,
    log: SendLog,
    delay: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    on_each: Callable[[Outgoing, str], None] | None = None,
) -> SendReport:
    """Send each message; record every outcome in ``log``.

    A refused address, a rejected message or a dropped connection is recorded as failed and
    the rest still go (reconnecting if needed). A refused login raises :class:`MailError`
    before anything is sent. Each message is logged ``sending`` before it goes; a send log
    that cannot be written stops the run (:class:`OutputError`), and a message whose
    outcome could not be written stays ``sending``, which reads back as uncertain.
    """
    report = SendReport()
    server: smtplib.SMTP | None = _connect(settings)
    try:
        for index, item in enumerate(outgoing):
            if index and delay:
                sleep(delay)
            outcome, server = _attempt(server, item, settings, log)
            logged = UNCERTAIN if outcome.startswith(UNCERTAIN) else outcome
            try:
                log.record(item, logged)
            except OutputError as exc:
                raise OutputError(
                    exc.path,
                    f"{exc.reason}. The message to {item.partner.email} ({outcome}) is "
                    "logged as 'sending', so it counts as uncertain and is not sent again "
                    "without --resend",
                ) from None
            if outcome == "sent":
                report.sent.append(item)
            elif outcome.startswith(UNCERTAIN):
                report.uncertain.append((item, outcome))
            else:
                report.failed.append((item, outcome))
            if on_each:
                on_each(item, outcome)
    finally:
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    return report


@dataclass
class Delivery:
    """What :func:`deliver` did: draft files written, or messages sent and failed."""

    drafts: list[Path] = field(default_factory=list)
    report: SendReport = field(default_factory=SendReport)
    dry_run: list[Outgoing] = field(default_factory=list)
    #: Partners refused before anything was sent, with the reason.
    refused: list[tuple[Partner, str]] = field(default_factory=list)
    #: Why no partner could be reached at all, when that is so.
    nobody: str = ""


def deliver(
    outgoing: Sequence[Outgoing],
    log: SendLog,
    drafts: Path | None = None,
    smtp: SmtpSettings | None = None,
    delay: float = 0.0,
    dry_run: bool = False,
    on_each: Callable[[Outgoing, str], None] | None = None,
) -> Delivery:
    """Write drafts into ``drafts``, or send over ``smtp``; ``dry_run`` does neither."""
    result = Delivery()
    if dry_run or not outgoing:
        result.dry_run = list(outgoing) if dry_run else []
        return result
    if smtp is not None:
        result.report = send_smtp(outgoing, smtp, log, delay, on_each=on_each)
    elif drafts is not None:
        result.drafts = write_drafts(outgoing, drafts, log)
    else:
        raise MailError("Say where the messages go: --drafts FOLDER or --smtp-host HOST.")
    return result


@dataclass
class DeliveryOutcome:
    """Messages delivered (or not), partners skipped with the reason, and the exit status."""

    delivery: Delivery
    skipped: list[tuple[Partner, str]]
    what: str

    @property
    def exit_code(self) -> int:
        """1 when any message failed or may not have arrived, a partner was refused, or no
        partner could be reached at all; else 0."""
        report = self.delivery.report
        trouble = report.failed or report.uncertain or self.delivery.refused
        return 1 if trouble or self.delivery.nobody else 0
