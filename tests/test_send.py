"""Send and chase: personalised copies, drafts, real SMTP on loopback, status and reminders."""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import OutputExistsError, TemplateError
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.outreach.mail import XLSX_TYPE
from lsp_xlsx.outreach.templates import (
    DEFAULT_INVITATION,
    INVITATION_FIELDS,
    message_values,
    parse_template,
)
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.manifest import read_manifest
from tests.fill import full_answers, make_return
from tests.libreoffice import convert

PARTNERS = [
    Partner("police", "North Shire Police", "Police", "Sam Patel", "sam@police.example"),
    Partner("fire", "North Shire Fire & Rescue <HQ>", "Fire", "Grace Okafor", "grace@fire.example"),
    Partner("nhs", "NHS North Shire", "Health", "Helen Marsh", "refuse-me@nhs.example"),
    Partner("vcs", "Voluntary Action", "Voluntary sector", "Maggie O'Neill", "maggie@vcs.example"),
]
PASSWORD = "correct horse battery staple"

# The loopback server asks for AUTH without TLS on purpose: it never leaves this machine.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_partners(path: Path, partners: list[Partner]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner_id", "name", "sector", "contact_name", "email"])
        for p in partners:
            writer.writerow([p.partner_id, p.name, p.sector, p.contact_name, p.email])
    return path


@pytest.fixture
def sent_dir(tmp_path: Path, framework: Framework) -> Path:
    out = tmp_path / "to-send"
    settings = BuildSettings(deadline=dt.date(2027, 3, 31), contact="Jo Bloggs, jo@lsp.example")
    build_for_partners(framework, PARTNERS, out, settings)
    return out


@pytest.fixture
def partners_csv(tmp_path: Path) -> Path:
    return _write_partners(tmp_path / "partners.csv", PARTNERS)


# --- Personalised copies --------------------------------------------------------------------


def _cells(wb: Any) -> dict[str, list[Any]]:
    return {ws.title: [c.value for row in ws.iter_rows() for c in row] for ws in wb.worksheets}


def test_each_copy_equals_a_workbook_built_for_that_partner(
    sent_dir: Path, framework: Framework
) -> None:
    manifest = read_manifest(sent_dir)
    settings = BuildSettings(deadline=dt.date(2027, 3, 31), contact="Jo Bloggs, jo@lsp.example")
    for partner in PARTNERS:
        entry = manifest[partner.partner_id]
        direct = build_workbook(
            framework, partner, settings, built_at=entry.built_at, copy_id=entry.copy_id
        )
        assert len(entry.copy_id) == 32 and int(entry.copy_id, 16) >= 0
        buffer = io.BytesIO()
        direct.save(buffer)
        assert _cells(load_workbook(entry.path)) == _cells(load_workbook(buffer)), (
            partner.partner_id
        )


def test_copies_carry_identity_and_are_named_safely(sent_dir: Path, framework: Framework) -> None:
    names = sorted(p.name for p in sent_dir.glob("*.xlsx"))
    assert names == [
        "nhs-north-shire.xlsx",
        "north-shire-fire-rescue-hq.xlsx",
        "north-shire-police.xlsx",
        "voluntary-action.xlsx",
    ]
    wb = load_workbook(sent_dir / "north-shire-fire-rescue-hq.xlsx")
    meta = {r[0].value: r[1].value for r in wb["_meta"].iter_rows(min_row=2)}
    assert (meta["partner_id"], meta["partner_name"]) == ("fire", "North Shire Fire & Rescue <HQ>")
    assert meta["deadline"] == "2027-03-31"


def test_manifest_records_file_hash_and_build_time(sent_dir: Path) -> None:
    import hashlib

    rows = _csv(sent_dir / "manifest.csv")
    assert [r["partner_id"] for r in rows] == ["police", "fire", "nhs", "vcs"]
    for row in rows:
        data = (sent_dir / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert dt.datetime.fromisoformat(row["built_at"].replace("Z", "+00:00"))


def test_rerun_refuses_to_overwrite_unless_forced(sent_dir: Path, framework: Framework) -> None:
    before = (sent_dir / "north-shire-police.xlsx").read_bytes()
    with pytest.raises(OutputExistsError, match=r"north-shire-police\.xlsx.*--force"):
        build_for_partners(framework, PARTNERS, sent_dir)
    assert (sent_dir / "north-shire-police.xlsx").read_bytes() == before
    result = build_for_partners(framework, PARTNERS, sent_dir, force=True)
    assert len(result.copies) == 4


def test_build_partners_cli(tmp_path: Path, partners_csv: Path) -> None:
    out = tmp_path / "copies"
    args = [
        "build",
        "--partners",
        str(partners_csv),
        "--out-dir",
        str(out),
        "--deadline",
        "31/03/2027",
    ]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"4 workbooks in {out}; manifest: {out}/manifest.csv" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1
    assert "which may already have been sent. Use another --out-dir, or --force" in again.output
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0


def test_copy_read_back_by_id_whatever_its_name(
    sent_dir: Path, tmp_path: Path, framework: Framework
) -> None:
    renamed = tmp_path / "Copy of FINAL v2 (3).xlsx"
    renamed.write_bytes((sent_dir / "north-shire-police.xlsx").read_bytes())
    ret = read_return(renamed, framework, partners=PARTNERS)
    assert (ret.partner_id, ret.partner_name) == ("police", "North Shire Police")
    assert ret.findings == []


@pytest.mark.libreoffice
def test_a_personalised_copy_opens_in_libreoffice(sent_dir: Path, tmp_path: Path) -> None:
    pdf = convert(sent_dir / "north-shire-fire-rescue-hq.xlsx", "pdf", tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-"


# --- Templates and drafts -------------------------------------------------------------------


def test_unknown_placeholder_is_a_clear_error() -> None:
    with pytest.raises(TemplateError) as info:
        parse_template("Subject: Hi {name}\n\nDear {first_name},", "invite.txt", INVITATION_FIELDS)
    assert str(info.value) == (
        "invite.txt: the body uses the placeholder {first_name}, which is not known. Use only: "
        "{name}, {contact_name}, {deadline}, {contact}, {greeting}, {signature}."
    )


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{name!r:>99999999}", "{name!r:>99999999}"),
        ("{name:>{contact}}", "{name:>{contact}}"),
        ("{name!s}", "{name!s}"),
        ("{deadline:%Y}", "{deadline:%Y}"),
    ],
)
def test_a_conversion_or_format_spec_is_refused(template: str, shown: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse_template(f"Subject: Hi\n\nDear {template},", "t.txt", INVITATION_FIELDS)
    assert str(info.value) == (
        f"t.txt: the body uses {shown}, but only plain placeholders are allowed. Write one of: "
        "{name}, {contact_name}, {deadline}, {contact}, {greeting}, {signature}."
    )


@pytest.mark.parametrize(
    ("partner", "contact", "sender", "greeting", "signature"),
    [
        (
            Partner("hub", 'The "Hub" Trust, Ltd', email="hub@x.org"),
            "",
            "",
            "Hello,",
            "The partnership team",
        ),
        (
            Partner("p", "Police", "", "Sam Patel", "s@x.org"),
            "Jo Bloggs, jo@x.org, 01234 567890",
            "",
            "Dear Sam Patel,",
            "Jo Bloggs",
        ),
        (
            Partner("p", "Police", email="s@x.org", email_name="Lisa Brown"),
            "",
            "LSP team <lsp@x.org>",
            "Dear Lisa Brown,",
            "LSP team",
        ),
        (
            Partner("p", "Police", email="s@x.org"),
            "01234 567890",
            "lsp@x.org",
            "Hello,",
            "The partnership team",
        ),
    ],
)
def test_greeting_and_sign_off_read_naturally(
    partner: Partner, contact: str, sender: str, greeting: str, signature: str
) -> None:
    _, body = DEFAULT_INVITATION.render(message_values(partner, None, contact, sender))
    assert body.startswith(greeting + "\n\n")
    assert body.endswith(f"Thank you,\n{signature}\n")
    assert "01234" not in body.rsplit("Thank you,", 1)[1]


def test_template_needs_a_subject_line() -> None:
    with pytest.raises(TemplateError, match=r"first line must be 'Subject: \.\.\.'"):
        parse_template("Dear {name}", "t.txt", INVITATION_FIELDS)


def _parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def test_drafts_parse_back_with_recipient_subject_and_attachment(
    sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    drafts = tmp_path / "drafts"
    result = CliRunner().invoke(
        cli,
        ["mail", "--partners", str(partners_csv), "--dir", str(sent_dir), "--drafts", str(drafts)],
    )
    assert result.exit_code == 0, result.output
    assert "4 messages done, 0 failed, 0 skipped." in result.output
    manifest = read_manifest(sent_dir)
    for partner in PARTNERS:
        files = list(drafts.glob("*.eml"))
        message = next(m for m in map(_parse, files) if partner.email in str(m["To"]))
        assert message["X-Unsent"] == "1"
        assert message["Subject"] == (
            f"Governance self-assessment for {partner.name}: please return by Wednesday 31 March 2027"
        )
        body = message.get_body(("plain",))
        assert body is not None and f"Dear {partner.contact_name}," in body.get_content()
        assert "Jo Bloggs, jo@lsp.example" in body.get_content()
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "/".join(XLSX_TYPE)
        assert attachment.get_filename() == manifest[partner.partner_id].path.name
        assert attachment.get_content() == manifest[partner.partner_id].path.read_bytes()
    log = _csv(sent_dir / "sent.csv")
    assert [(r["partner_id"], r["outcome"], r["kind"]) for r in log] == [
        (p.partner_id, "draft", "invitation") for p in PARTNERS
    ]


def test_custom_template_is_used(sent_dir: Path, partners_csv: Path, tmp_path: Path) -> None:
    template = tmp_path / "invite.txt"
    template.write_text(
        "Subject: Over to you, {name}\n\nHello {contact_name}, by {deadline}.\n", encoding="utf-8"
    )
    drafts = tmp_path / "drafts"
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--drafts",
            str(drafts),
            "--template",
            str(template),
        ],
    )
    assert result.exit_code == 0, result.output
    message = _parse(drafts / "north-shire-police.eml")
    assert message["Subject"] == "Over to you, North Shire Police"
    body = message.get_body(("plain",))
    assert (
        body is not None
        and body.get_content().strip() == "Hello Sam Patel, by Wednesday 31 March 2027."
    )


def test_dry_run_sends_and_writes_nothing(
    sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--drafts",
            str(tmp_path / "d"),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0
    assert (
        "would send  Sam Patel <sam@police.example>: Governance self-assessment for North Shire Police"
        in result.output
    )
    assert "Dry run: 4 messages would go; nothing was sent or written." in result.output
    assert not (tmp_path / "d").exists() and not (sent_dir / "sent.csv").exists()


# --- A real SMTP server on loopback -----------------------------------------------------------


@dataclass
class Inbox:
    """What the loopback server received, and whom it refuses or drops."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=lambda: {"refuse-me@nhs.example"})
    drop: set[str] = field(default_factory=set)
    drop_early: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.drop_early:
            server.transport.close()  # lost before the message was handed over
            return "421 closing"
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if set(envelope.rcpt_tos) & self.drop:
            server.transport.close()  # the connection is lost mid-message
            return "421 closing"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"lsp"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _send(
    partners_csv: Path, sent_dir: Path, port: int, password: str = PASSWORD, *extra: str
) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(port),
            "--security",
            "none",
            "--smtp-user",
            "lsp",
            "--from",
            "LSP team <lsp@lsp.example>",
            "--delay",
            "0",
            *extra,
        ],
        env={"LSP_XLSX_SMTP_PASSWORD": password},
    )


def test_smtp_delivers_each_message_with_its_attachment_and_logs_it(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    result = _send(partners_csv, sent_dir, port)
    # One address is refused by the server: recorded, reported, and the others still go.
    assert result.exit_code == 1, result.output
    assert (
        "FAILED   Helen Marsh <refuse-me@nhs.example>: failed: address refused (550 5.1.1 No such mailbox)"
        in result.output
    )
    assert "3 messages done, 1 failed, 0 skipped." in result.output
    received = {rcpts[0]: message for rcpts, message in inbox.messages}
    assert set(received) == {"sam@police.example", "grace@fire.example", "maggie@vcs.example"}
    manifest = read_manifest(sent_dir)
    for partner in (PARTNERS[0], PARTNERS[1], PARTNERS[3]):
        (attachment,) = list(received[partner.email].iter_attachments())
        assert attachment.get_content() == manifest[partner.partner_id].path.read_bytes()
        assert received[partner.email]["From"] == "LSP team <lsp@lsp.example>"
    log = _csv(sent_dir / "sent.csv")
    assert [(r["partner_id"], r["outcome"][:6]) for r in log] == [
        ("police", "sent"),
        ("fire", "sent"),
        ("nhs", "failed"),
        ("vcs", "sent"),
    ]
    ids = {str(m["Message-ID"]) for _, m in inbox.messages}
    assert {r["message_id"] for r in log if r["outcome"] == "sent"} == ids


def test_smtp_rerun_sends_nothing_new_unless_resend(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    assert _send(partners_csv, sent_dir, port).exit_code == 0
    assert len(inbox.messages) == 4
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0
    assert len(inbox.messages) == 4
    assert again.output.count("already sent") == 4
    resent = _send(partners_csv, sent_dir, port, PASSWORD, "--resend")
    assert resent.exit_code == 0 and len(inbox.messages) == 8


def test_smtp_lost_connection_is_recorded_and_the_rest_still_go(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    inbox.drop_early.add("grace@fire.example")
    result = _send(partners_csv, sent_dir, port)
    assert result.exit_code == 1
    assert "FAILED   Grace Okafor <grace@fire.example>: failed: connection lost" in result.output
    assert {r[0] for r, _ in inbox.messages} == {
        "sam@police.example",
        "refuse-me@nhs.example",
        "maggie@vcs.example",
    }
    # A failed send is safe to retry: the rerun sends to Grace, and only to her.
    inbox.drop_early.clear()
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0, again.output
    assert "sent     Grace Okafor <grace@fire.example>" in again.output


def test_a_drop_after_the_message_was_handed_over_is_uncertain_and_not_resent(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    inbox.drop.add("grace@fire.example")
    result = _send(partners_csv, sent_dir, port)
    assert result.exit_code == 1
    assert (
        "UNCERTAIN  Grace Okafor <grace@fire.example>: uncertain: connection lost after the "
        "message was handed over (SMTPServerDisconnected); ask the partner whether it arrived"
    ) in result.output
    assert "3 messages done, 0 failed, 1 uncertain, 0 skipped." in result.output
    log = pd.read_csv(sent_dir / "sent.csv", dtype=str)
    assert log.loc[log["partner_id"] == "fire", "outcome"].tolist() == ["uncertain"]
    inbox.drop.clear()
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0
    assert "skipped  North Shire Fire & Rescue <HQ>: delivery uncertain" in again.output
    assert len(inbox.messages) == 3
    returns = tmp_path / "returns"
    returns.mkdir()
    status = CliRunner().invoke(
        cli, ["status", str(returns), "--partners", str(partners_csv), "--dir", str(sent_dir)]
    )
    assert "uncertain 20" in status.output, status.output
    resent = _send(partners_csv, sent_dir, port, PASSWORD, "--resend")
    assert "sent     Grace Okafor <grace@fire.example>" in resent.output


def test_bad_password_stops_at_once_and_leaks_nothing(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    wrong = "hunter2-wrong-password"
    result = _send(partners_csv, sent_dir, port, wrong)
    assert result.exit_code == 1
    assert (
        "refused the login for 'lsp' (535). Check the user name and LSP_XLSX_SMTP_PASSWORD; nothing was sent."
        in result.output
    )
    assert wrong not in result.output and PASSWORD not in result.output
    assert inbox.messages == []
    log = sent_dir / "sent.csv"
    assert not log.exists() or wrong not in log.read_text(encoding="utf-8")


def test_missing_password_variable_is_explained(sent_dir: Path, partners_csv: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-user",
            "lsp",
            "--from",
            "a@b.example",
        ],
        env={"LSP_XLSX_SMTP_PASSWORD": ""},
    )
    assert result.exit_code == 1
    assert "LSP_XLSX_SMTP_PASSWORD is not set" in result.output


# --- Status and reminders -------------------------------------------------------------------


def _status(
    returns: Path,
    partners_csv: Path,
    sent_dir: Path,
    *extra: str,
    env: dict[str, str] | None = None,
) -> Any:
    args = ["status", str(returns), "--partners", str(partners_csv), "--dir", str(sent_dir), *extra]
    return CliRunner().invoke(cli, args, env=env)


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ("who,file\nfire,x.xlsx\n", "manifest.csv, line 1: the column partner_id is missing."),
        (
            "partner_id,file,deadline\nfire,x.xlsx,soon\n",
            "manifest.csv, line 2, column 'deadline': 'soon' is not a date.",
        ),
    ],
)
def test_a_broken_manifest_is_reported_not_a_traceback(
    tmp_path: Path, partners_csv: Path, manifest: str, words: str
) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    (folder / "manifest.csv").write_text(manifest, encoding="utf-8")
    for result in (
        CliRunner().invoke(
            cli, ["mail", "--partners", str(partners_csv), "--dir", str(folder), "--dry-run"]
        ),
        _status(tmp_path, partners_csv, folder),
    ):
        assert result.exit_code == 1
        assert words in result.output and "Traceback" not in result.output


@pytest.fixture
def mixed_returns(tmp_path: Path, sent_dir: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    police, fire, _, _ = PARTNERS
    answers = full_answers(framework)
    # Police: complete, plus an older superseded draft.
    make_return(
        folder / "police-draft.xlsx",
        framework,
        {"T1.Q1": {"rating": "2"}},
        police,
        start={"completed": dt.datetime(2027, 3, 1)},
    )
    make_return(
        folder / "police.xlsx",
        framework,
        answers,
        police,
        start={"completed": dt.datetime(2027, 3, 20)},
    )
    # Fire: incomplete, theme 7 not started.
    partial = {q: a for q, a in answers.items() if not q.startswith("T7.")}
    make_return(folder / "fire.xlsx", framework, partial, fire)
    # NHS and VCS: not returned.
    return folder


def test_status_table_and_summary(mixed_returns: Path, sent_dir: Path, partners_csv: Path) -> None:
    result = _status(mixed_returns, partners_csv, sent_dir, "--today", "2027-04-03")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    police = next(line for line in lines if line.startswith("North Shire Police"))
    assert "returned" in police and "59/59" in police and "police-draft.xlsx" in police
    fire = next(line for line in lines if line.startswith("North Shire Fire"))
    assert "incomplete" in fire and "47/59" in fire  # theme 7 has 12 rated questions
    nhs = next(line for line in lines if line.startswith("NHS North Shire"))
    assert "not returned" in nhs and "2027-03-31 (3 days overdue)" in nhs and "not sent" in nhs
    assert lines[-1] == "2 of 4 returned, 1 incomplete, 2 outstanding (2 overdue)"


def test_status_before_the_deadline_counts_days_to_go(
    mixed_returns: Path, sent_dir: Path, partners_csv: Path
) -> None:
    result = _status(mixed_returns, partners_csv, sent_dir, "--today", "2027-03-21")
    assert "2027-03-31 (10 days to go)" in result.output
    assert result.output.splitlines()[-1] == "2 of 4 returned, 1 incomplete, 2 outstanding"


def test_remind_drafts_say_what_is_missing(
    mixed_returns: Path, sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reminders"
    result = _status(
        mixed_returns,
        partners_csv,
        sent_dir,
        "--today",
        "2027-04-03",
        "--remind",
        "--drafts",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "3 reminders done, 0 failed, 0 skipped." in result.output
    fire = _parse(out / "reminder-north-shire-fire-rescue-hq.eml")
    body = fire.get_body(("plain",))
    assert body is not None
    assert "Theme 7 (7 Risks and controls) not started." in body.get_content()
    # Fire's return did arrive: it is thanked, not told to ignore the message.
    assert "Thank you for your return." in body.get_content()
    assert "please ignore this message" not in body.get_content()
    # The deadline (31 March) has passed on 3 April: the reminder says so.
    assert fire["Subject"].endswith("overdue since Wednesday 31 March 2027")
    assert list(fire.iter_attachments()) == []  # they have their workbook
    nhs = _parse(out / "reminder-nhs-north-shire.eml")
    nhs_body = nhs.get_body(("plain",))
    assert nhs_body is not None and "No return has been received yet." in nhs_body.get_content()
    assert "please ignore this message. The workbook is attached again." in nhs_body.get_content()
    (attachment,) = list(nhs.iter_attachments())
    assert attachment.get_filename() == "nhs-north-shire.xlsx"
    log = _csv(sent_dir / "sent.csv")
    assert {(r["partner_id"], r["kind"]) for r in log} == {
        ("fire", "reminder"),
        ("nhs", "reminder"),
        ("vcs", "reminder"),
    }


def test_remind_over_smtp(
    smtp_server: tuple[Inbox, int], mixed_returns: Path, sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    result = _status(
        mixed_returns,
        partners_csv,
        sent_dir,
        "--remind",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--security",
        "none",
        "--smtp-user",
        "lsp",
        "--from",
        "lsp@lsp.example",
        "--delay",
        "0",
        env={"LSP_XLSX_SMTP_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert sorted(r[0] for r, _ in inbox.messages) == [
        "grace@fire.example",
        "maggie@vcs.example",
        "refuse-me@nhs.example",
    ]
    assert all(m["Subject"].startswith("Reminder: ") for _, m in inbox.messages)


def test_a_reminder_quotes_the_rating_typed_and_the_fix(
    sent_dir: Path, partners_csv: Path, tmp_path: Path, framework: Framework
) -> None:
    folder = tmp_path / "returns"
    answers = full_answers(framework)
    answers["T1.Q2"] = {"rating": "Good"}
    make_return(folder / "police.xlsx", framework, answers, PARTNERS[0])
    out = tmp_path / "reminders"
    result = _status(
        folder, partners_csv, sent_dir, "--today", "2027-03-01", "--remind", "--drafts", str(out)
    )
    assert result.exit_code == 0, result.output
    police = _parse(out / "reminder-north-shire-police.eml")
    body = police.get_body(("plain",))
    assert body is not None
    labels = ", ".join(framework.labels)
    assert (
        f"T1.Q2 (sheet '1 Outcomes', cell C{C.FIRST_DATA_ROW + 1}): 'Good' is not on the scale. Choose one of: {labels}."
        in body.get_content()
    )
    assert police["Subject"].endswith("due Wednesday 31 March 2027")


# --- XOAUTH2 (Microsoft 365 and Gmail) -------------------------------------------------------

TOKEN = "EwBwA8l6BAAU.test-token-Zx9"


@dataclass
class OAuthInbox(Inbox):
    """The loopback server, offering AUTH XOAUTH2 and checking the SASL string byte for byte."""

    strings: list[str] = field(default_factory=list)

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        import base64

        sasl = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.strings.append(sasl)
        ok = sasl == f"user=lsp@lsp.example\x01auth=Bearer {TOKEN}\x01\x01"
        return AuthResult(
            success=ok, handled=False, message=None if ok else "535 5.7.8 token refused"
        )


@pytest.fixture
def oauth_server() -> Iterator[tuple[OAuthInbox, int]]:
    inbox = OAuthInbox()
    port = _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, auth_require_tls=False, auth_required=True
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _send_oauth(
    partners_csv: Path, sent_dir: Path, port: int, env: dict[str, str], *extra: str
) -> Any:
    args = ["mail", "--partners", str(partners_csv), "--dir", str(sent_dir), "--smtp-host",
            "127.0.0.1", "--smtp-port", str(port), "--security", "none", "--smtp-user",
            "lsp@lsp.example", "--from", "LSP team <lsp@lsp.example>", "--delay", "0", *extra]  # fmt: skip
    return CliRunner().invoke(cli, args, env=env)


def test_mail_logs_in_by_xoauth2_with_a_token_from_a_command_or_the_environment(
    oauth_server: tuple[OAuthInbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    import sys

    inbox, port = oauth_server
    inbox.refuse.clear()
    command = f"{sys.executable} -c \"print('{TOKEN}')\""
    result = _send_oauth(partners_csv, sent_dir, port, {}, "--oauth2-token-command", command)
    assert result.exit_code == 0, result.output
    assert inbox.strings == [f"user=lsp@lsp.example\x01auth=Bearer {TOKEN}\x01\x01"]
    assert len(inbox.messages) == 4
    assert TOKEN not in result.output

    wrong = _send_oauth(
        partners_csv, sent_dir, port, {"LSP_XLSX_SMTP_OAUTH2_TOKEN": "wrong-token"}, "--resend"
    )
    assert wrong.exit_code != 0
    assert "refused the login for 'lsp@lsp.example'" in wrong.output
    assert "LSP_XLSX_SMTP_OAUTH2_TOKEN" in wrong.output and "wrong-token" not in wrong.output
    assert inbox.strings[-1].endswith("auth=Bearer wrong-token\x01\x01")
    assert len(inbox.messages) == 4

    right = _send_oauth(
        partners_csv, sent_dir, port, {"LSP_XLSX_SMTP_OAUTH2_TOKEN": TOKEN}, "--resend"
    )
    assert right.exit_code == 0, right.output
    assert len(inbox.messages) == 8

    failing = _send_oauth(
        partners_csv, sent_dir, port, {}, "--oauth2-token-command",
        f"{sys.executable} -c \"print('s3cr3t'); exit(3)\"",
    )  # fmt: skip
    assert failing.exit_code != 0
    assert "the token command exited with status 3" in failing.output
    assert "s3cr3t" not in failing.output
