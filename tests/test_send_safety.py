"""Mail that cannot be held hostage and never pretends (issues 20 and 21): hostile SMTP
servers on loopback, messages of unknown fate, full disks, killed builds, addresses and
templates."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import ManifestError, SendLogError, TemplateError
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.outreach import sendlog
from lsp_xlsx.outreach.addresses import address_problem
from lsp_xlsx.outreach.mail import make_message
from lsp_xlsx.outreach.sendlog import SendLog
from lsp_xlsx.outreach.templates import (
    DEFAULT_INVITATION,
    INVITATION_FIELDS,
    load_template,
    message_values,
)
from lsp_xlsx.workbook.build import BuildSettings
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, manifest_entries, read_manifest
from tests.test_send import (
    PARTNERS,
    PASSWORD,
    Inbox,
    _authenticator,
    _csv,
    _free_port,
    _send,
    _write_partners,
    partners_csv,
    sent_dir,
    smtp_server,
)

__all__ = ["partners_csv", "sent_dir", "smtp_server"]  # fixtures shared with test_send

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
ROOT = Path(__file__).resolve().parents[1]


def _mail(partners_csv: Path, folder: Path, port: int, *extra: str) -> Any:
    """mail over plain SMTP on loopback, without a login."""
    args = ["mail", "--partners", str(partners_csv), "--dir", str(folder)]
    args += ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]
    args += ["--from", "LSP team <lsp@lsp.example>", "--delay", "0", *extra]
    return CliRunner().invoke(cli, args)


# --- Hostile servers --------------------------------------------------------------------------


class TinyServer:
    """A one-connection-at-a-time server on 127.0.0.1 running ``behave`` per client."""

    def __init__(self, behave: Callable[[socket.socket, TinyServer], None]) -> None:
        self.behave = behave
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port: int = self.sock.getsockname()[1]
        self.sent = 0  # bytes sent to clients
        self.closed_by_client = threading.Event()
        self.data_received = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    self.behave(conn, self)
                except OSError:
                    self.closed_by_client.set()

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _lines(conn: socket.socket) -> Iterator[bytes]:
    buffer = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line + b"\n"


def _endless_greeting(conn: socket.socket, server: TinyServer) -> None:
    line = b"220-" + b"x" * 200 + b"\r\n"
    # Stops by itself after 20 MB or 20 s, so a client without a limit fails the test
    # rather than hanging it.
    end = time.monotonic() + 20
    while server.sent < 20_000_000 and time.monotonic() < end and not server.stop.is_set():
        server.send(conn, line * 50)


def _endless_ehlo(conn: socket.socket, server: TinyServer) -> None:
    server.send(conn, b"220 tiny ESMTP\r\n")
    for line in _lines(conn):
        if line.upper().startswith((b"EHLO", b"HELO")):
            _endless_greeting_body(conn, server)
            return


def _endless_greeting_body(conn: socket.socket, server: TinyServer) -> None:
    end = time.monotonic() + 20
    while server.sent < 20_000_000 and time.monotonic() < end and not server.stop.is_set():
        server.send(conn, b"250-SIZE 1000\r\n" * 100)


def _drip(conn: socket.socket, server: TinyServer) -> None:
    # One byte every 0.2 s: every read gets something, so only an overall deadline ends it.
    for byte in b"220-" + b"z" * 200:
        if server.stop.is_set():
            return
        server.send(conn, bytes([byte]))
        time.sleep(0.2)


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[socket.socket, TinyServer], None]], TinyServer]]:
    servers: list[TinyServer] = []

    def start(behave: Callable[[socket.socket, TinyServer], None]) -> TinyServer:
        servers.append(TinyServer(behave))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    ("behave", "words"),
    [
        (_endless_greeting, "a reply of more than 100 lines"),
        (_endless_ehlo, "a reply of more than 100 lines"),
        (_drip, "did not finish within 1.5 seconds"),
    ],
    ids=["endless greeting", "endless EHLO reply", "one byte at a time"],
)
def test_a_hostile_server_cannot_hold_mail_hostage(
    hostile: Any, sent_dir: Path, partners_csv: Path, behave: Any, words: str
) -> None:
    server = hostile(behave)
    started = time.monotonic()
    result = _mail(partners_csv, sent_dir, server.port, "--smtp-timeout", "1.5")
    assert result.exit_code == 1, result.output
    assert "Cannot connect to the SMTP server" in result.output and words in result.output
    assert "nothing was sent" in result.output
    assert "Traceback" not in result.output
    # The client gave up long before the server's own end (20 MB or 20 s, or 40 s of drip).
    assert time.monotonic() - started < 15 and server.sent < 20_000_000


def _smtp_conversation(
    conn: socket.socket, server: TinyServer, after_data: Callable[[], None]
) -> None:
    """A plain SMTP server that, once a message's data has arrived, calls ``after_data``."""
    server.send(conn, b"220 tiny ESMTP\r\n")
    in_data = False
    for line in _lines(conn):
        if in_data:
            if line == b".\r\n":
                in_data = False
                server.data_received.set()
                after_data()
                server.send(conn, b"250 accepted\r\n")
            continue
        verb = line[:4].upper()
        if verb == b"EHLO":
            server.send(conn, b"250-tiny\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            in_data = True
            server.send(conn, b"354 go on\r\n")
        elif verb == b"QUIT":
            server.send(conn, b"221 bye\r\n")
            return
        else:
            server.send(conn, b"250 OK\r\n")


def test_a_slow_reply_to_a_message_stops_at_the_deadline_and_is_uncertain(
    hostile: Any, sent_dir: Path, partners_csv: Path
) -> None:
    def slow_reply(conn: socket.socket, server: TinyServer) -> None:
        def drip() -> None:  # the reply to the message, a byte every 0.2 s
            for byte in b"250-" + b"q" * 100:
                server.send(conn, bytes([byte]))
                time.sleep(0.2)

        _smtp_conversation(conn, server, drip)

    server = hostile(slow_reply)
    result = _mail(partners_csv, sent_dir, server.port, "--smtp-timeout", "1.5")
    assert result.exit_code == 1
    assert "UNCERTAIN  Sam Patel <sam@police.example>: uncertain: connection lost after the" in (
        result.output
    )
    assert "did not finish within 1.5 seconds" in result.output
    log = _csv(sent_dir / "sent.csv")
    assert {r["outcome"] for r in log} == {"uncertain"}  # each one was handed over


# --- Messages whose fate is unknown -------------------------------------------------------------


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lsp_xlsx", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_mail_killed_while_the_server_holds_a_message_never_sends_it_again(
    hostile: Any, sent_dir: Path, partners_csv: Path, smtp_server: tuple[Inbox, int]
) -> None:
    held = threading.Event()

    def holding(conn: socket.socket, server: TinyServer) -> None:
        _smtp_conversation(conn, server, lambda: held.wait(30))

    server = hostile(holding)
    args = ["mail", "--partners", str(partners_csv), "--dir", str(sent_dir)]
    args += ["--smtp-host", "127.0.0.1", "--smtp-port", str(server.port), "--security", "none"]
    args += ["--from", "lsp@lsp.example", "--delay", "0"]
    process = _run_cli(*args)
    try:
        assert server.data_received.wait(60), "the message never reached the server"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        held.set()
        if process.poll() is None:
            process.kill()
    log = _csv(sent_dir / "sent.csv")
    assert [(r["partner_id"], r["outcome"]) for r in log] == [("police", "sending")]
    # The next run, against a server that works, sends everyone else and not the police.
    inbox, port = smtp_server
    inbox.refuse.clear()
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0, again.output
    assert "skipped  North Shire Police: delivery uncertain" in again.output
    assert sorted(r[0] for r, _ in inbox.messages) == [
        "grace@fire.example",
        "maggie@vcs.example",
        "refuse-me@nhs.example",
    ]
    returns = sent_dir.parent / "returns"
    returns.mkdir()
    status = CliRunner().invoke(
        cli, ["status", str(returns), "--partners", str(partners_csv), "--dir", str(sent_dir)]
    )
    police = next(line for line in status.output.splitlines() if line.startswith("North Shire P"))
    assert "uncertain 20" in police
    resent = _send(partners_csv, sent_dir, port, PASSWORD, "--resend")
    assert "sent     Sam Patel <sam@police.example>" in resent.output


def _full_disk_on(call: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The send log's ``call``-th write finds the disk full half-way through."""
    real = sendlog.write_csv
    calls: list[int] = []

    def rows_then_full(rows: Iterable[Any]) -> Iterator[Any]:
        for index, row in enumerate(rows):
            if index == 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            yield row

    def write_csv(path: Path, header: Any, rows: Iterable[Any]) -> Path:
        calls.append(1)
        if len(calls) == call:
            return real(path, header, rows_then_full(rows))
        return real(path, header, rows)

    monkeypatch.setattr(sendlog, "write_csv", write_csv)
    return calls


def test_a_full_disk_after_a_message_went_never_sends_it_twice(
    smtp_server: tuple[Inbox, int],
    sent_dir: Path,
    partners_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    with monkeypatch.context() as patch:
        _full_disk_on(4, patch)  # police sending, police sent, fire sending, fire sent <- full
        result = _send(partners_csv, sent_dir, port)
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output
    assert "logged as 'sending', so it counts as uncertain" in result.output
    assert [r[0] for r, _ in inbox.messages] == ["sam@police.example", "grace@fire.example"]
    log = _csv(sent_dir / "sent.csv")
    assert [(r["partner_id"], r["outcome"]) for r in log] == [
        ("police", "sent"),
        ("fire", "sending"),
    ]
    assert not list(sent_dir.glob(".sent.csv.*"))  # the half-written log was removed
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0, again.output
    assert "skipped  North Shire Fire & Rescue <HQ>: delivery uncertain" in again.output
    received = [r[0] for r, _ in inbox.messages]
    assert received.count("grace@fire.example") == 1 and len(received) == 4


def test_a_full_disk_before_a_message_goes_stops_without_sending_it(
    smtp_server: tuple[Inbox, int],
    sent_dir: Path,
    partners_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    with monkeypatch.context() as patch:
        _full_disk_on(3, patch)  # fire's 'sending' line cannot be written
        result = _send(partners_csv, sent_dir, port)
    assert result.exit_code == 3
    assert "stopped before sending to grace@fire.example" in result.output
    assert [r[0] for r, _ in inbox.messages] == ["sam@police.example"]
    again = _send(partners_csv, sent_dir, port)
    assert again.exit_code == 0, again.output
    assert sorted(r[0] for r, _ in inbox.messages)[:2] == [
        "grace@fire.example",
        "maggie@vcs.example",
    ]
    assert len(inbox.messages) == 4


# --- Every copy known ----------------------------------------------------------------------------


def test_build_force_killed_half_way_leaves_a_manifest_that_describes_every_copy(
    tmp_path: Path, framework: Framework
) -> None:
    partners = [Partner(f"p{i:03}", f"Partner {i:03}", email=f"p{i}@x.example") for i in range(200)]
    csv_file = _write_partners(tmp_path / "partners.csv", partners)
    out = tmp_path / "to-send"
    build_for_partners(framework, partners, out, BuildSettings(deadline=dt.date(2027, 3, 31)))
    args = ["build", "--partners", str(csv_file), "--out-dir", str(out), "--force"]
    process = _run_cli(*args, "--deadline", "31/03/2027")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = (out / MANIFEST_NAME).read_text(encoding="utf-8")
            if text.count("\n") > 260:  # 60 of the 200 new copies are on their way
                break
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, "the build ended before it could be killed"
    entries = manifest_entries(out / MANIFEST_NAME)
    assert 260 <= len(entries) < 400
    known = {e.sha256 for e in entries}
    newest = read_manifest(out)
    stale = []
    for path in sorted(out.glob("*.xlsx")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest in known, f"{path.name} is a copy the manifest does not know"
        entry = next(e for e in newest.values() if e.path == path)
        if entry.sha256 != digest:
            stale.append(path.name)
    assert len(stale) <= 1  # at most the copy being written when the build was killed
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(csv_file), "--dir", str(out), "--dry-run"]
    )
    assert result.output.count("would send") == 200 - len(stale)
    for name in stale:
        assert (
            "which never landed (a build was stopped): run lsp-xlsx build --partners --force again"
            in (result.output)
        )
        assert name in result.output


def test_mail_refuses_a_copy_that_does_not_match_the_manifest(
    smtp_server: tuple[Inbox, int], sent_dir: Path, partners_csv: Path
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    fire = sent_dir / "north-shire-fire-rescue-hq.xlsx"
    fire.write_bytes(fire.read_bytes() + b"changed")
    result = _send(partners_csv, sent_dir, port)
    assert result.exit_code == 1
    assert (
        "REFUSED  North Shire Fire & Rescue <HQ>: workbook not sent: north-shire-fire-rescue-hq.xlsx "
        "does not match manifest.csv (its SHA-256 differs)"
    ) in result.output
    assert "3 messages done, 0 failed, 1 refused, 0 skipped." in result.output
    assert sorted(r[0] for r, _ in inbox.messages) == [
        "maggie@vcs.example",
        "refuse-me@nhs.example",
        "sam@police.example",
    ]


# --- Commands that chase never pretend -----------------------------------------------------------


def test_status_and_remind_without_copies_stop_and_create_nothing(
    tmp_path: Path, partners_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    returns = work / "returns"
    returns.mkdir(parents=True)
    monkeypatch.chdir(work)
    for extra in ([], ["--remind"], ["--remind", "--dir", "elsewhere"]):
        result = CliRunner().invoke(
            cli, ["status", "returns", "--partners", str(partners_csv), *extra]
        )
        assert result.exit_code == 2, result.output
        where = extra[-1] if "--dir" in extra else "outputs/to-send"
        assert f"there is no {where}/manifest.csv and no send log {where}/sent.csv" in (
            result.output
        )
        assert "Pass --dir with the folder lsp-xlsx build --partners wrote" in result.output
    assert sorted(p.name for p in work.iterdir()) == ["returns"]


def test_a_reminder_never_says_the_workbook_is_attached_unless_it_is(
    sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    (sent_dir / "nhs-north-shire.xlsx").unlink()
    returns = tmp_path / "returns"
    returns.mkdir()
    out = tmp_path / "reminders"
    args = ["status", str(returns), "--partners", str(partners_csv), "--dir", str(sent_dir)]
    result = CliRunner().invoke(cli, [*args, "--remind", "--drafts", str(out)])
    assert result.exit_code == 0, result.output
    from tests.test_send import _parse

    nhs = _parse(out / "reminder-nhs-north-shire.eml")
    body = nhs.get_body(("plain",))
    assert body is not None and "attached" not in body.get_content()
    assert "If you need the workbook again, reply" in body.get_content()
    assert list(nhs.iter_attachments()) == []
    police = _parse(out / "reminder-north-shire-police.eml")
    police_body = police.get_body(("plain",))
    assert (
        police_body is not None and "The workbook is attached again." in police_body.get_content()
    )
    assert len(list(police.iter_attachments())) == 1


def test_mail_with_no_addresses_exits_1_and_says_why(
    sent_dir: Path, tmp_path: Path, framework: Framework
) -> None:
    nobody = _write_partners(
        tmp_path / "nobody.csv", [Partner(p.partner_id, p.name, p.sector) for p in PARTNERS]
    )
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(nobody), "--dir", str(sent_dir), "--dry-run"]
    )
    assert result.exit_code == 1
    assert result.output.count("no e-mail address in partners.csv") == 4
    assert "No partner can be reached" in result.output
    assert not (sent_dir / "drafts").exists()


# --- Addresses ---------------------------------------------------------------------------------


JOSE = Partner(
    "council", "North Shire Council", "Council", "José García", "josé.garcia@council.example"
)


@pytest.fixture
def jose_dir(tmp_path: Path, framework: Framework) -> tuple[Path, Path]:
    partners = [*PARTNERS, JOSE, Partner("odd", "Odd Ltd", email="a..b@odd.example")]
    partners_file = _write_partners(tmp_path / "partners-utf8.csv", partners)
    out = tmp_path / "to-send-utf8"
    build_for_partners(framework, partners, out, BuildSettings(deadline=dt.date(2027, 3, 31)))
    return partners_file, out


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_non_ascii_address_goes_with_smtputf8_or_is_refused_alone(
    jose_dir: tuple[Path, Path], smtputf8: bool
) -> None:
    partners_file, out = jose_dir
    inbox = Inbox(refuse=set())
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
        auth_required=True,
        enable_SMTPUTF8=smtputf8,
    )
    controller.start()
    try:
        result = _send(partners_file, out, port)
    finally:
        controller.stop()
    assert result.exit_code == 1, result.output  # the address with two dots is refused
    assert (
        "REFUSED  Odd Ltd: the address cannot be used: 'a..b@odd.example' has a dot at the "
        "start or end, or two dots together, before the @"
    ) in result.output
    received = sorted(r[0] for r, _ in inbox.messages)
    plain = [
        "grace@fire.example",
        "maggie@vcs.example",
        "refuse-me@nhs.example",
        "sam@police.example",
    ]
    if smtputf8:
        assert received == sorted([*plain, "josé.garcia@council.example"])
        message = next(m for r, m in inbox.messages if r[0].startswith("jos"))
        assert str(message["To"]) == "José García <josé.garcia@council.example>"
    else:
        assert received == plain
        assert (
            "FAILED   José García <josé.garcia@council.example>: failed: the address "
            "josé.garcia@council.example has letters outside ASCII, and 127.0.0.1 does not "
            "offer SMTPUTF8"
        ) in result.output


def test_a_non_ascii_address_in_a_draft_is_written_as_utf8(
    jose_dir: tuple[Path, Path], tmp_path: Path
) -> None:
    partners_file, out = jose_dir
    drafts = tmp_path / "drafts"
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(partners_file), "--dir", str(out), "--drafts", str(drafts)]
    )
    assert "5 messages done, 0 failed, 1 refused, 0 skipped." in result.output
    from tests.test_send import _parse

    message = _parse(drafts / "north-shire-council.eml")
    assert str(message["To"]) == "José García <josé.garcia@council.example>"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("sam@police.example", None),
        ("josé.garcia@council.example", None),
        (".sam@police.example", "a dot at the start or end"),
        ("sam.@police.example", "a dot at the start or end"),
        ("sa\\m@police.example", "a character mail servers do not accept"),
        ("s" * 65 + "@police.example", "longer than the 64 bytes"),
        ("sam@-police.example", "the domain"),
    ],
)
def test_addresses_are_checked_as_mail_servers_check_them(
    address: str, problem: str | None
) -> None:
    found = address_problem(address)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_no_header_carries_a_line_break_from_a_partner_or_a_sender() -> None:
    partner = Partner("p", "Police\u2028Bcc: victim@evil.example", email="s@x.example")
    values = message_values(partner, None, "", "LSP\u0085team <lsp@x.example>")
    outgoing = make_message(
        partner, DEFAULT_INVITATION, values, "LSP\u0085team <lsp@x.example>", None
    )
    raw = outgoing.message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0].decode("ascii", errors="replace")
    assert "Bcc" not in [line.split(":")[0] for line in headers.splitlines()]
    for value in (outgoing.message["Subject"], outgoing.message["To"], outgoing.message["From"]):
        assert not any(c in str(value) for c in "\r\n\u2028\u2029\u0085\x0b\x0c")


# --- Templates, the manifest and the send log as inputs -----------------------------------------


@pytest.mark.parametrize(
    ("character", "line"),
    [("\u2028", 1), ("\u2029", 1), ("\r", 1), ("\x0b", 1), ("\x0c", 1), ("\x85", 1), ("\u2028", 4)],
)
def test_a_template_line_with_another_kind_of_line_break_is_named(
    tmp_path: Path, character: str, line: int
) -> None:
    lines = ["Subject: Hello {name}", "", "Dear {contact_name},", "Please reply."]
    lines[line - 1] = lines[line - 1].replace(" ", character, 1)
    template = tmp_path / "invite.txt"
    template.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(template, INVITATION_FIELDS)
    assert str(info.value).startswith(f"{template}, line {line}: ")
    assert f"U+{ord(character):04X}" in str(info.value)


def test_template_u2028_through_mail_is_an_error_not_a_traceback(
    sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    template = tmp_path / "invite.txt"
    template.write_text("Subject: Hi\u2028Bcc: x@evil.example\n\nBody\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--template",
            str(template),
        ],
    )
    assert result.exit_code == 1
    assert "invite.txt, line 1: the subject, a header, holds a line break" in result.output
    assert "U+2028 LINE SEPARATOR" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_template_must_be_a_regular_file_of_sensible_size(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="is not a regular file"):
        load_template(Path("/dev/zero"))
    big = tmp_path / "big.txt"
    big.write_text("Subject: Hi\n\n" + "x" * 70_000, encoding="utf-8")
    with pytest.raises(
        TemplateError, match=r"70,013 bytes, more than the 65,536 .*LSP_XLSX_MAX_TEMPLATE_BYTES"
    ):
        load_template(big)


def test_template_dev_zero_through_mail_is_refused_at_once(
    sent_dir: Path, partners_csv: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(partners_csv),
            "--dir",
            str(sent_dir),
            "--template",
            "/dev/zero",
        ],
    )
    assert result.exit_code == 1
    assert "/dev/zero: is not a regular file" in result.output


def test_a_windows_1252_template_is_read(tmp_path: Path) -> None:
    template = tmp_path / "invite.txt"
    template.write_bytes("Subject: Caf\u00e9 {name}\n\nDear {contact_name},\n".encode("cp1252"))
    assert load_template(template).subject == "Caf\u00e9 {name}"


def _resave_as_excel_would(path: Path) -> None:
    """Windows-1252, semicolons, CRLF: Excel's plain CSV in a European locale."""
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows[1][1] = "Conseil général"  # an accented name, as a coordinator may type it
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def test_a_manifest_resaved_by_excel_as_windows_1252_still_reads(
    sent_dir: Path, partners_csv: Path
) -> None:
    manifest = sent_dir / MANIFEST_NAME
    _resave_as_excel_would(manifest)
    entries = manifest_entries(manifest)
    assert [e.partner_id for e in entries] == ["police", "fire", "nhs", "vcs"]
    assert entries[0].partner == "Conseil général"
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(partners_csv), "--dir", str(sent_dir), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("would send") == 4


def test_manifest_and_send_log_are_read_under_limits(
    sent_dir: Path, partners_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = sent_dir / MANIFEST_NAME
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text + "huge," + "x" * 200_000 + ",f.xlsx\n", encoding="utf-8")
    # Refused under the TABLE_* field limit (not the coordinator CSVs' one), naming the
    # file, the line, the limit and the variable that raises it.
    field_refused = (
        r"manifest\.csv, line 6: a value is longer than 32,767 characters.*"
        r"set the environment variable LSP_XLSX_MAX_TABLE_FIELD above 32,767"
    )
    with pytest.raises(ManifestError, match=field_refused):
        manifest_entries(manifest)
    manifest.write_text(text + "huge," + "x" * 40_000 + ",f.xlsx\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=field_refused):
        manifest_entries(manifest)
    monkeypatch.setenv("LSP_XLSX_MAX_TABLE_FIELD", "40000")
    assert manifest_entries(manifest)[-1].partner == "x" * 40_000
    monkeypatch.delenv("LSP_XLSX_MAX_TABLE_FIELD")
    manifest.write_text(text, encoding="utf-8")
    log = sent_dir / "sent.csv"
    log.write_text("partner_id,outcome\n" + "p,sent\n" * 50, encoding="utf-8")
    monkeypatch.setenv("LSP_XLSX_MAX_TABLE_ROWS", "10")
    with pytest.raises(SendLogError, match=r"sent\.csv: .*more than 10 rows.*TABLE_ROWS above 10"):
        SendLog.open(log)
    monkeypatch.setenv("LSP_XLSX_MAX_TABLE_BYTES", "100")
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(partners_csv), "--dir", str(sent_dir), "--dry-run"]
    )
    assert result.exit_code == 1
    assert (
        "more than the 100 read at most (raise it with LSP_XLSX_MAX_TABLE_BYTES)" in result.output
    )


def test_a_reminder_of_unknown_fate_is_not_sent_again_without_resend(
    sent_dir: Path, partners_csv: Path, tmp_path: Path
) -> None:
    nhs = PARTNERS[2]
    values = message_values(nhs, None, "", "")
    earlier = make_message(nhs, DEFAULT_INVITATION, values, "", None, kind="reminder")
    SendLog.open(sent_dir / "sent.csv").record(earlier, "sending")  # the run was killed
    returns = tmp_path / "returns"
    returns.mkdir()
    out = tmp_path / "reminders"
    args = ["status", str(returns), "--partners", str(partners_csv), "--dir", str(sent_dir)]
    args += ["--remind", "--drafts", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "skipped  NHS North Shire: delivery uncertain" in result.output
    assert not (out / "reminder-nhs-north-shire.eml").exists()
    assert "3 reminders done, 0 failed, 1 skipped." in result.output
    again = CliRunner().invoke(cli, [*args, "--resend"])
    assert "4 reminders done, 0 failed, 0 skipped." in again.output
    assert (out / "reminder-nhs-north-shire.eml").exists()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    import shutil

    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is needed for the TLS tests")
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out"]
    args += [str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"]
    subprocess.run(
        ["openssl", *args, "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_bounded_client_sends_over_tls_too(
    certificate: tuple[Path, Path],
    sent_dir: Path,
    partners_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:
    import ssl

    from lsp_xlsx.outreach import mail

    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(mail.ssl, "create_default_context", lambda *a, **k: trusting)
    inbox = Inbox(refuse=set())
    port = _free_port()
    tls: dict[str, Any] = (
        {"tls_context": server_context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": server_context}
    )
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **tls
    )
    controller.start()
    try:
        result = _mail(partners_csv, sent_dir, port, "--security", security)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 4
