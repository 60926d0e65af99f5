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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import MailError
from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.framework.partners import Partner, unique_filenames
from lsp_xlsx.outreach.sendlog import SendLog
from lsp_xlsx.outreach.templates import Template, message_values

if TYPE_CHECKING:
    from typing_extensions import Buffer

PASSWORD_ENV = "LSP_XLSX_SMTP_PASSWORD"
#: The send-log outcome of a message that may or may not have been delivered.
UNCERTAIN = "uncertain"
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

    def smtp(self, environ: dict[str, str]) -> SmtpSettings | None:
        """The SMTP settings, with the password from ``environ``; None for drafts."""
        if self.smtp_host is None:
            return None
        return SmtpSettings.from_env(
            self.smtp_host, self.smtp_port, self.smtp_user, self.security, environ
        )

    def drafts_in(self, folder: Path, name: str) -> Path:
        """The drafts folder: ``--drafts`` when given, else ``folder/name``."""
        return self.drafts or folder / name

    def log_in(self, folder: Path) -> Path:
        """The send log: ``--log`` when given, else ``folder/sent.csv``."""
        from lsp_xlsx.outreach.sendlog import SEND_LOG_NAME

        return self.log or folder / SEND_LOG_NAME


@dataclass
class Outgoing:
    """One message ready to go, and whom it is for."""

    partner: Partner
    message: EmailMessage
    kind: str
    file: Path | None

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"])


def make_message(
    partner: Partner,
    template: Template,
    values: dict[str, str],
    sender: str,
    attachment: Path | None,
    kind: str = "invitation",
) -> Outgoing:
    """One message to ``partner``'s address, with its workbook attached when given."""
    subject, body = template.render(values)
    message = EmailMessage()
    if sender:  # a draft may leave it to the mail program, which fills in the account
        message["From"] = sender
    # The display name typed with the address ('Lisa Brown <lisa@…>') comes first.
    shown = partner.email_name or partner.contact_name or partner.name
    message["To"] = formataddr((shown, partner.email))
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = sender.rpartition("@")[2].strip(">") or "lsp-xlsx.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment.read_bytes(),
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
            f"reminder-{names[item.partner.partner_id]}"
            if item.kind == "reminder"
            else names[item.partner.partner_id]
        )
        write_bytes(item.message.as_bytes(policy=SMTP_POLICY), path)
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

    @classmethod
    def from_env(
        cls, host: str, port: int | None, user: str, security: str, environ: dict[str, str]
    ) -> SmtpSettings:
        """Settings with the password from :data:`PASSWORD_ENV`, when a user is given."""
        password = environ.get(PASSWORD_ENV, "")
        if user and not password:
            raise MailError(
                f"--smtp-user is {user!r} but {PASSWORD_ENV} is not set. Set it in the "
                f"environment (for example: read -s {PASSWORD_ENV}; export {PASSWORD_ENV})."
            )
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return cls(host, port or default_port, user, password, security)


@dataclass
class SendReport:
    """What happened to each message."""

    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    #: Lost after the message was handed over: it may have arrived. Never resent by itself.
    uncertain: list[tuple[Outgoing, str]] = field(default_factory=list)


class _Tracking:
    """Notes when a message's content has been handed to the server.

    A connection lost after that point may or may not have delivered the message, so the
    outcome is "uncertain", never "failed": resending could send it twice.
    """

    body_sent = False

    def send(self, s: Buffer | str) -> None:
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.body_sent = True  # before the bytes go: a partial send is uncertain too
        super().send(s)  # type: ignore[misc]


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        server: smtplib.SMTP
        if settings.security == "ssl":
            server = _SMTPSSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            server = _SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"Cannot connect to the SMTP server {settings.host}:{settings.port} "
            f"({type(exc).__name__}: {exc}). Check --smtp-host, --smtp-port and the security "
            "option; nothing was sent."
        ) from None
    if settings.user:
        try:
            server.login(settings.user, settings.password)
        except smtplib.SMTPAuthenticationError as exc:
            server.close()
            raise MailError(
                f"The SMTP server {settings.host} refused the login for {settings.user!r} "
                f"({exc.smtp_code}). Check the user name and {PASSWORD_ENV}; nothing was sent."
            ) from None
        except smtplib.SMTPException as exc:
            server.close()
            raise MailError(
                f"The SMTP server {settings.host} would not log in {settings.user!r} "
                f"({type(exc).__name__}). Check the security option; nothing was sent."
            ) from None
    return server


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


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
    before anything is sent.
    """
    report = SendReport()
    server: smtplib.SMTP | None = _connect(settings)
    try:
        for index, item in enumerate(outgoing):
            if index and delay:
                sleep(delay)
            outcome = "sent"
            try:
                if server is None:
                    server = _connect(settings)
                if isinstance(server, _Tracking):
                    server.body_sent = False
                refused = server.send_message(item.message)
                if refused:
                    outcome = "failed: refused " + ", ".join(
                        f"{k} ({v[0]})" for k, v in refused.items()
                    )
            except smtplib.SMTPRecipientsRefused as exc:
                codes = ", ".join(
                    f"{code} {msg.decode(errors='replace')}"
                    for code, msg in exc.recipients.values()
                )
                outcome = f"failed: address refused ({codes})"
            except smtplib.SMTPSenderRefused as exc:
                outcome = f"failed: sender refused ({exc.smtp_code} {_text(exc.smtp_error)})"
            except smtplib.SMTPDataError as exc:
                outcome = f"failed: message refused ({exc.smtp_code} {_text(exc.smtp_error)})"
            except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                handed_over = isinstance(server, _Tracking) and server.body_sent
                outcome = (
                    f"{UNCERTAIN}: connection lost after the message was handed over "
                    f"({type(exc).__name__}); ask the partner whether it arrived"
                    if handed_over
                    else f"failed: connection lost ({type(exc).__name__})"
                )
                server = None
            except MailError as exc:
                outcome = f"failed: could not reconnect ({exc})"
            log.record(
                item, outcome.partition(":")[0] if outcome.startswith(UNCERTAIN) else outcome
            )
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


# --- Invitations ----------------------------------------------------------------------------


@dataclass
class Plan:
    """The messages to send, and partners left out with the reason."""

    outgoing: list[Outgoing]
    skipped: list[tuple[Partner, str]]


def plan_invitations(
    partners: Iterable[Partner],
    files: dict[str, Path],
    template: Template,
    sender: str,
    deadline: dt.date | None,
    contact: str,
    log: SendLog,
    resend: bool = False,
) -> Plan:
    """One invitation per partner with an address and a workbook, unless already sent."""
    already = log.sent("invitation")
    unsure = log.sent("invitation", UNCERTAIN)
    plan = Plan([], [])
    for partner in partners:
        if not partner.email:
            plan.skipped.append((partner, "no e-mail address in partners.csv"))
        elif partner.partner_id not in files:
            plan.skipped.append(
                (partner, "no workbook in the manifest: run lsp-xlsx build --partners")
            )
        elif partner.partner_id in already and not resend:
            plan.skipped.append(
                (partner, f"already sent {already[partner.partner_id].time} (use --resend)")
            )
        elif partner.partner_id in unsure and not resend:
            when = unsure[partner.partner_id].time
            plan.skipped.append(
                (
                    partner,
                    f"delivery uncertain {when}: ask whether it arrived, then --resend if not",
                )
            )
        else:
            values = message_values(partner, deadline, contact, sender)
            plan.outgoing.append(
                make_message(partner, template, values, sender, files[partner.partner_id])
            )
    return plan


@dataclass
class Delivery:
    """What :func:`deliver` did: draft files written, or messages sent and failed."""

    drafts: list[Path] = field(default_factory=list)
    report: SendReport = field(default_factory=SendReport)
    dry_run: list[Outgoing] = field(default_factory=list)


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
