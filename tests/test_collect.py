"""collect: returns gathered from a real IMAP server (Dovecot on loopback) and from saved mail.

The messages are crafted in tests/mails.py, one of each kind the issue lists; the
workbooks inside are real returns built and filled through ``build``.
"""

from __future__ import annotations

import csv
import hashlib
import mailbox
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lsp_xlsx.cli import cli
from lsp_xlsx.collect.messages import DOCUMENT, PASSED, RETURN, MailLimits, parse_message
from lsp_xlsx.collect.run import clean_name, sender_matches
from lsp_xlsx.framework import Framework
from tests.dovecot import dovecot_server
from tests.imap_xoauth2 import xoauth2_server
from tests.mails import EXPECTED_RETURNS, PNG, SMALL_LIMIT, mailbag, message, write_partners

ORDER = [
    "plain", "inline", "forward", "zip", "winmail", "pdf", "image", "resend", "spoofed",
    "ooo", "oversized",
]  # fmt: skip


@pytest.fixture(scope="module")
def bag(framework: Framework, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return mailbag(framework, tmp_path_factory.mktemp("workbooks")).messages


def ledger(folder: Path) -> list[dict[str, str]]:
    with (folder / "collected.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def returns_in(folder: Path) -> dict[str, str]:
    """Saved file name -> SHA-256, for every file but the ledger."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.is_file() and p.name != "collected.csv"
    }


def run(*args: str, password: str | None = None) -> Result:
    env = {"LSP_XLSX_IMAP_PASSWORD": password} if password else {}
    result = CliRunner().invoke(cli, ["collect", *args], env=env)
    # Exit status 1 is for a refused message or file; a crash must not pass for one.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# --- parsing, without a server ------------------------------------------------------------


def test_each_kind_is_sorted_by_its_bytes(bag: dict[str, bytes]) -> None:
    kinds = {
        name: [(a.kind, a.what) for a in parse_message(bag[name]).attachments] for name in ORDER
    }
    assert kinds["inline"] == [(RETURN, "xlsx")]  # declared image/png, inline: still a return
    assert kinds["forward"] == [(RETURN, "xlsx")]
    assert (RETURN, "xlsx") in kinds["zip"] and (PASSED, "a text file") in kinds["zip"]
    assert kinds["winmail"] == [(RETURN, "xlsx")]
    assert kinds["pdf"] == [(DOCUMENT, "a PDF document")]  # declared a workbook
    assert kinds["image"] == [(PASSED, "a PNG picture")]
    assert kinds["ooo"] == []
    assert parse_message(bag["ooo"]).automatic == "Auto-Submitted: auto-replied"
    assert parse_message(bag["plain"]).authentication == "dkim=pass spf=pass dmarc=pass"


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (MailLimits(max_message_size=1000), "over the limit of 1,000"),
        (MailLimits(max_attachments=2), "more than 2 attachments"),
        (MailLimits(max_parts=3), "more than 3 parts"),
        (MailLimits(max_depth=1), "more than 1 deep"),
    ],
)
def test_a_message_over_a_limit_is_refused_with_the_reason(limits: MailLimits, reason: str) -> None:
    inner = message("a@example.org", "inner")
    for _ in range(3):
        inner.add_attachment(PNG, maintype="image", subtype="png", filename="p.png")
    middle = message("a@example.org", "middle")
    middle.add_attachment(inner)
    outer = message("a@example.org", "outer")
    outer.add_attachment(middle)
    parsed = parse_message(outer.as_bytes() + b" " * 1000, limits)
    assert reason in parsed.refused
    assert parsed.attachments == []


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(f"zeros{i}.bin", b"\0" * 1_000_000)  # 3 MB from a few KB
    msg = message("a@example.org", "bomb")
    msg.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="b.zip")
    raw = msg.as_bytes()
    assert len(raw) < 100_000
    parsed = parse_message(raw, MailLimits(max_message_size=2_000_000))
    assert parsed.refused == "its zip files unpack to more than 2,000,000 bytes"
    assert parse_message(raw, MailLimits(max_message_size=4_000_000)).refused == ""


def test_forwards_within_the_depth_limit_are_read() -> None:
    inner = message("a@example.org", "inner")
    inner.add_attachment(PNG, maintype="image", subtype="png", filename="p.png")
    outer = message("a@example.org", "outer")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes(), MailLimits(max_depth=1))
    assert parsed.refused == ""
    assert [a.inside for a in parsed.attachments] == ["forwarded message › "]


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\return.xlsx", "return.xlsx"),
        ("..", "attachment"),
        ("a\x00b:c?.xlsx", "a_b_c_.xlsx"),
        ("", "attachment"),
    ],
)
def test_saved_names_are_never_a_path(name: str, clean: str) -> None:
    assert clean_name(name) == clean


@pytest.mark.parametrize(
    ("sender", "expected", "matches"),
    [
        ("ann.lee@northshire.police.uk", "ann.lee@northshire.police.uk", True),
        ("ANN.LEE@northshire.police.uk", "ann.lee@northshire.police.uk", True),
        ("ops@northshire.police.uk", "ann.lee@northshire.police.uk", True),  # same domain
        ("ann.lee@northshire.police.uk.evil.example", "ann.lee@northshire.police.uk", False),
        ("j.smith@gmail.com", "ann.lee@northshire.police.uk", False),
        ("someone.else@gmail.com", "flo.gee@gmail.com", False),  # a public domain is not theirs
        ("flo.gee@gmail.com", "flo.gee@gmail.com", True),
        ("", "flo.gee@gmail.com", False),
    ],
)
def test_the_sender_is_a_hint(sender: str, expected: str, matches: bool) -> None:
    assert sender_matches(sender, expected) is matches


# --- end to end ---------------------------------------------------------------------------


def check_first_run(folder: Path) -> None:
    saved = returns_in(folder)
    by_partner: dict[str, int] = {}
    for name in saved:
        by_partner[name.split("--")[0]] = by_partner.get(name.split("--")[0], 0) + 1
    assert by_partner == {**EXPECTED_RETURNS, "unmatched": 1}  # the PDF, saved and refused
    assert "council--2027-03-11--image001.png.xlsx" in saved  # inline, named as a picture
    assert "cvs--2027-03-18--cvs.xlsx" in saved  # '../../etc/cvs.xlsx': no path
    rows = ledger(folder)
    outcome = {
        r["subject"]: (r["outcome"], r["detail"]) for r in rows if r["outcome"] != "passed-over"
    }
    assert outcome["Our return as PDF"] == ("not-a-return", "a PDF document")
    assert outcome["RE: Self-assessment (again)"][0] == "duplicate"
    assert outcome["Voluntary sector return"] == (
        "return",
        "ok; sent by j.smith@gmail.com, not an address of Shire Voluntary Action",
    )
    assert outcome["Automatic reply: Self-assessment"] == (
        "no-attachment",
        "Auto-Submitted: auto-replied",
    )
    assert outcome["Huge scan"][0] == "message-refused"
    assert "over the limit of 2,000,000" in outcome["Huge scan"][1]
    plain = next(r for r in rows if r["subject"] == "RE: Self-assessment")
    assert plain["authentication"] == "dkim=pass spf=pass dmarc=pass"
    assert plain["partner"] == "police"
    assert (
        plain["sha256"] == hashlib.sha256((folder / plain["saved_file"]).read_bytes()).hexdigest()
    )


def test_collect_from_saved_files(bag: dict[str, bytes], tmp_path: Path) -> None:
    partners = write_partners(tmp_path / "partners.csv")
    mbox = mailbox.mbox(str(tmp_path / "mail.mbox"))
    for name in ORDER[:6]:
        mbox.add(bag[name])
    mbox.close()
    emls = tmp_path / "saved"
    emls.mkdir()
    for i, name in enumerate(ORDER[6:], start=7):
        (emls / f"{i:02d}-{name}.eml").write_bytes(bag[name])
    out = tmp_path / "returns"
    args = ["--from-files", str(tmp_path / "mail.mbox"), "--from-files", str(emls),
            "--partners", str(partners), "--returns", str(out), "--max-message-size", str(SMALL_LIMIT)]  # fmt: skip
    first = run(*args)
    assert first.exit_code == 1, first.output  # the PDF and the oversized message are refused
    check_first_run(out)
    before = ledger(out)
    again = run(*args)
    assert "0 new messages read." in again.output
    assert ledger(out) == before


@pytest.mark.slow
def test_collect_from_a_real_imap_server(bag: dict[str, bytes], tmp_path: Path) -> None:
    partners = write_partners(tmp_path / "partners.csv")
    out = tmp_path / "returns"
    with dovecot_server() as server:
        server.append("Returns", [bag[name] for name in ORDER])
        args = ["--imap-host", server.host, "--imap-port", str(server.port), "--imap-user",
                server.user, "--security", "none", "--folder", "Returns", "--partners",
                str(partners), "--returns", str(out), "--max-message-size", str(SMALL_LIMIT)]  # fmt: skip
        assert "LSP_XLSX_IMAP_PASSWORD" in run(*args).output  # no password, no connection
        first = run(*args, password=server.password)
        assert first.exit_code == 1, first.output
        assert server.password not in first.output
        check_first_run(out)
        assert not any("\\Seen" in f for f in server.flags("Returns"))  # BODY.PEEK: unread
        saved, rows = returns_in(out), ledger(out)
        assert {r["uidvalidity"] for r in rows} != {""}

        # The same messages saved as .eml files give the same returns, under the same names.
        saved_mail = tmp_path / "eml"
        saved_mail.mkdir()
        for i, name in enumerate(ORDER):
            (saved_mail / f"{i:02d}.eml").write_bytes(bag[name])
        from_files = tmp_path / "from-files"
        run("--from-files", str(saved_mail), "--partners", str(partners), "--returns",
            str(from_files), "--max-message-size", str(SMALL_LIMIT))  # fmt: skip
        assert returns_in(from_files) == saved

        again = run(*args, password=server.password)
        assert "0 new messages read." in again.output
        assert ledger(out) == rows

        # The folder is recreated (new UIDVALIDITY) with the same messages and one new one.
        server.recreate("Returns")
        late = message("gus.hay@shire.ac.uk", "College return, at last", 21)
        late.add_attachment(
            _college(), maintype="application", subtype="octet-stream", filename="college.xlsx"
        )
        server.append("Returns", [bag[name] for name in ORDER] + [late.as_bytes()])
        third = run(*args, password=server.password)
        new_rows = ledger(out)[len(rows) :]
        assert {r["outcome"] for r in new_rows if r["subject"] != "College return, at last"} <= {
            "seen-before",
            "message-refused",  # a message refused before is refused again, not saved
        }
        now = returns_in(out)
        assert set(now) - set(saved) == {"college--2027-03-21--college.xlsx"}, third.output
        assert run(*args, password=server.password).output.count("0 new messages read.") == 1

        # --mark-read marks only what it collects, and nothing is ever deleted.
        extra = message("ann.lee@northshire.police.uk", "One more", 22)
        server.append("Returns", [extra.as_bytes()])
        run(*args, "--mark-read", password=server.password)
        flags = server.flags("Returns")
        assert len(flags) == len(ORDER) + 2
        assert sum("\\Seen" in f for f in flags) == 1


def _college() -> bytes:
    """The college's return: the only partner none of the crafted messages carried."""
    import tempfile

    from lsp_xlsx.framework.loader import DEFAULT_FRAMEWORK, load_framework
    from tests.mails import workbook

    with tempfile.TemporaryDirectory() as folder:
        return workbook(load_framework(DEFAULT_FRAMEWORK), "college", Path(folder))


def test_a_message_with_a_path_for_a_name_is_saved_in_the_folder(tmp_path: Path) -> None:
    msg: EmailMessage = message("a@example.org", "odd")
    msg.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="/etc/x.pdf")
    (tmp_path / "odd.eml").write_bytes(msg.as_bytes())
    out = tmp_path / "returns"
    result = run("--from-files", str(tmp_path / "odd.eml"), "--returns", str(out))
    assert result.exit_code == 1, result.output
    assert set(returns_in(out)) == {"unmatched--2027-03-10--x.pdf"}
    assert not Path("/etc/x.pdf").exists()


def test_a_damaged_outlook_msg_is_recorded_as_refused_and_the_run_goes_on(
    bag: dict[str, bytes], tmp_path: Path
) -> None:
    # A file that is not an OLE file at all: the .msg path's refusal (a real .msg is read in
    # test_an_outlook_msg_gives_the_same_return_as_the_eml).
    (tmp_path / "broken.msg").write_bytes(b"not an OLE file at all")
    (tmp_path / "plain.eml").write_bytes(bag["plain"])
    out = tmp_path / "returns"
    result = run("--from-files", str(tmp_path), "--returns", str(out))
    assert result.exit_code == 1, result.output
    rows = {Path(r["folder"]).name: r for r in ledger(out)}
    assert rows["broken.msg"]["outcome"] == "message-refused"
    assert "could not be read as an Outlook message" in rows["broken.msg"]["detail"]
    assert rows["plain.eml"]["outcome"] == "return"


def test_check_on_the_returns_folder_leaves_the_ledger_alone(
    bag: dict[str, bytes], tmp_path: Path
) -> None:
    (tmp_path / "plain.eml").write_bytes(bag["plain"])
    out = tmp_path / "returns"
    run("--from-files", str(tmp_path / "plain.eml"), "--returns", str(out))
    result = CliRunner().invoke(cli, ["check", str(out)])
    assert result.exit_code == 0, result.output
    assert "refused" not in result.output  # collected.csv is not taken for a return
    assert "police--2027-03-10--LSP return - police.xlsx" in result.output


@pytest.mark.slow
def test_ssl_checks_the_certificate(
    bag: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "returns"
    with dovecot_server(tls=True) as server:
        server.append("INBOX", [bag["plain"]])
        args = ["--imap-host", server.host, "--imap-port", str(server.ssl_port),
                "--imap-user", server.user, "--returns", str(out)]  # fmt: skip
        untrusted = run(*args, password=server.password)  # --security ssl is the default
        assert untrusted.exit_code == 1
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.output, untrusted.output
        assert not out.exists()
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))  # trusted, as a company CA is
        trusted = run(*args, password=server.password)
        assert trusted.exit_code == 0, trusted.output
        assert [r["outcome"] for r in ledger(out)] == ["return"]


def test_xoauth2_sends_the_token_as_the_sasl_string(tmp_path: Path) -> None:
    out = tmp_path / "returns"
    token = "ya29.test-token-Zx9"
    with xoauth2_server("lsp@council.gov.uk", token) as (port, seen):
        args = ["--imap-host", "127.0.0.1", "--imap-port", str(port), "--imap-user",
                "lsp@council.gov.uk", "--security", "none", "--returns", str(out)]  # fmt: skip
        command = f"{sys.executable} -c \"print('{token}')\""
        result = run(*args, "--oauth2-token-command", command)
        assert result.exit_code == 0, result.output
        assert seen.accepted
        assert seen.strings == [f"user=lsp@council.gov.uk\x01auth=Bearer {token}\x01\x01"]
        assert "0 new messages read." in result.output
        assert token not in result.output

        from_env = CliRunner().invoke(
            cli, ["collect", *args], env={"LSP_XLSX_IMAP_OAUTH2_TOKEN": "wrong-token"}
        )
        assert from_env.exit_code == 1
        assert "could not open INBOX as lsp@council.gov.uk" in from_env.output
        assert "wrong-token" not in from_env.output
        assert seen.strings[-1].endswith("auth=Bearer wrong-token\x01\x01")

    failing = run(
        *args, "--oauth2-token-command", f"{sys.executable} -c \"print('s3cr3t'); exit(3)\""
    )
    assert failing.exit_code != 0
    assert "the token command exited with status 3" in failing.output
    assert "s3cr3t" not in failing.output


@pytest.mark.slow
def test_since_and_move_to(bag: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "returns"
    with dovecot_server() as server:
        server.append("INBOX", [bag["plain"]], '"01-Nov-2026 09:00:00 +0000"')
        server.append("INBOX", [bag["inline"], bag["oversized"]], '"20-Nov-2026 09:00:00 +0000"')
        args = ["--imap-host", server.host, "--imap-port", str(server.port), "--imap-user",
                server.user, "--security", "none", "--returns", str(out),
                "--max-message-size", str(SMALL_LIMIT)]  # fmt: skip
        result = run(
            *args, "--since", "2026-11-10", "--move-to", "Collected", password=server.password
        )
        assert result.exit_code == 1, result.output  # the oversized message is refused
        assert {r["subject"]: r["outcome"] for r in ledger(out)} == {
            "Our return": "return",
            "Huge scan": "message-refused",
        }
        # Moved: the collected one; left: the one before --since and the refused one.
        assert server.count("Collected") == 1
        assert server.count("INBOX") == 2


def _as_outlook_msg(raw: bytes, path: Path) -> Path:
    """``raw`` saved as Outlook does it, an OLE .msg file (made by msgforge, since no
    Outlook is here): its sender, subject, date, text and every attachment."""
    import email
    import email.policy

    from msgforge import Message

    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(("plain",))
    msg = Message(
        subject=str(parsed["Subject"]),
        text_body=body.get_content() if body is not None else "",
        to=[str(parsed["To"] or "lsp@northshire.gov.uk")],
        sender=str(parsed["From"].addresses[0].addr_spec),
        sent=parsed["Date"].datetime,
    )
    for part in parsed.iter_attachments():
        msg.attach_bytes(part.get_filename() or "attachment", part.get_content())
    msg.save(path)
    return path


def test_an_outlook_msg_gives_the_same_return_as_the_eml(
    bag: dict[str, bytes], tmp_path: Path
) -> None:
    partners = write_partners(tmp_path / "partners.csv")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "plain.eml").write_bytes(bag["plain"])
    outlook = tmp_path / "outlook"
    outlook.mkdir()
    _as_outlook_msg(bag["plain"], outlook / "RE Self-assessment.msg")
    from_eml, from_msg = tmp_path / "from-eml", tmp_path / "from-msg"
    for source, out in ((saved, from_eml), (outlook, from_msg)):
        result = run(
            "--from-files", str(source), "--partners", str(partners), "--returns", str(out)
        )
        assert result.exit_code == 0, result.output
    # The same workbook, saved under the same name, from either kind of saved mail.
    assert len(returns_in(from_eml)) == 1
    assert returns_in(from_msg) == returns_in(from_eml)
    [row] = [r for r in ledger(from_msg) if r["outcome"] == "return"]
    assert row["partner"] == "police" and row["sender"].endswith("ann.lee@northshire.police.uk")
