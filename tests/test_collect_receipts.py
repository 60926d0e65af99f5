"""collect --acknowledge: receipts over a real SMTP server on loopback (aiosmtpd), and drafts.

The messages are tests/mails.py's, plus one automatic message that carries a real return
(an auto-forward): it is collected, but never answered.
"""

from __future__ import annotations

import csv
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result

from lsp_xlsx.cli import cli
from lsp_xlsx.framework import Framework
from tests.mails import SMALL_LIMIT, mailbag, message, workbook, write_partners

ORDER = ["plain", "inline", "forward", "zip", "winmail", "pdf", "image", "resend", "spoofed", "ooo"]


@dataclass
class Inbox:
    """What the loopback server received."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def saved(framework: Framework, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    bag = mailbag(framework, tmp_path / "workbooks").messages
    auto = message("gus.hay@shire.ac.uk", "Fwd: Self-assessment", 21)
    auto["Auto-Submitted"] = "auto-forwarded"
    auto.add_attachment(
        workbook(framework, "college", tmp_path / "workbooks"),
        maintype="application",
        subtype="octet-stream",
        filename="college.xlsx",
    )
    bag["auto"] = auto.as_bytes()
    folder = tmp_path / "saved"
    folder.mkdir()
    for i, name in enumerate([*ORDER, "auto"]):
        (folder / f"{i:02d}-{name}.eml").write_bytes(bag[name])
    return folder, bag


def _collect(tmp_path: Path, folder: Path, *extra: str) -> Result:
    args = ["collect", "--from-files", str(folder), "--partners",
            str(write_partners(tmp_path / "partners.csv")), "--returns", str(tmp_path / "returns"),
            "--max-message-size", str(SMALL_LIMIT), "--acknowledge",
            "--from", "LSP team <lsp@northshire.gov.uk>", "--delay", "0", *extra]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _log(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=default_policy)["Message-ID"])


def test_one_receipt_per_partner_none_to_spoofed_or_automatic_none_on_a_rerun(
    smtp_server: tuple[Inbox, int], saved: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    inbox, port = smtp_server
    folder, bag = saved
    smtp = ("--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none")
    first = _collect(tmp_path, folder, *smtp)
    assert first.exit_code == 1, first.output  # the PDF and nothing else refused
    to = sorted(rcpt[0] for rcpt, _ in inbox.messages)
    assert to == [
        "ann.lee@northshire.police.uk",
        "bo.chan@northshire.gov.uk",
        "cy.dunn@nsfire.org.uk",
        "di.eng@nshealth.nhs.uk",
        "ed.fox@shirehomes.org.uk",
    ]  # not cvs (spoofed from gmail.com), not college (auto-forwarded), police only once
    police = next(m for rcpt, m in inbox.messages if rcpt == ["ann.lee@northshire.police.uk"])
    assert police["In-Reply-To"] == _message_id(bag["plain"])
    assert police["References"] == _message_id(bag["plain"])
    assert police["Auto-Submitted"] == "auto-replied"
    assert police["Subject"] == "RE: Self-assessment"
    body = police.get_content()
    assert "LSP return - police.xlsx" in body and "2027-03-10" in body
    assert "It counts" in body
    assert "no receipt for" in first.output and "j.smith@gmail.com" in first.output
    assert "auto-forwarded" in first.output
    log = _log(tmp_path / "returns" / "sent.csv")
    assert sorted(r["partner_id"] for r in log) == [
        "council",
        "fire",
        "health",
        "housing",
        "police",
    ]
    assert {(r["kind"], r["outcome"]) for r in log} == {("receipt", "sent")}

    again = _collect(tmp_path, folder, *smtp)
    assert len(inbox.messages) == 5, again.output
    assert len(_log(tmp_path / "returns" / "sent.csv")) == 5


def test_receipts_as_drafts_are_not_written_twice_even_when_the_ledger_is_lost(
    saved: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    folder, _ = saved
    drafts = tmp_path / "receipts"
    first = _collect(tmp_path, folder, "--drafts", str(drafts))
    assert first.exit_code == 1, first.output
    assert len(list(drafts.glob("*.eml"))) == 5
    (tmp_path / "returns" / "collected.csv").unlink()  # every message looks new again
    other = ("--from", "Jo Bloggs <jo@lsp.example>")  # another sender: the same messages
    _collect(tmp_path, folder, "--drafts", str(drafts), *other)
    assert len(list(drafts.glob("*.eml"))) == 5  # the send log knows each receipt
    log = _log(tmp_path / "returns" / "sent.csv")
    assert [r["outcome"] for r in log] == ["draft"] * 5


def test_what_to_fix_is_at_most_ten_lines_with_the_scale_quoted_once(
    framework: Framework, tmp_path: Path
) -> None:
    from lsp_xlsx.collect.ledger import Entry
    from lsp_xlsx.collect.messages import ParsedMessage
    from lsp_xlsx.collect.receipts import fix_lines
    from lsp_xlsx.collect.run import Received
    from lsp_xlsx.outreach.tracking import missing_parts
    from lsp_xlsx.returns.reader import read_return
    from tests.fill import make_return

    rated = [q.id for t in framework.themes for q in t.rated_questions]
    answers = {qid: {"rating": "very good", "evidence": "x"} for qid in rated}  # not on the scale
    ret = read_return(make_return(tmp_path / "r.xlsx", framework, answers), framework)
    entry = Entry(*([""] * 13))
    lines = fix_lines(Received(ParsedMessage(), entry, ret), framework)
    assert len(rated) > 10 and len(lines) == 10
    scale = ", ".join(framework.labels)
    assert sum(scale in line for line in lines) == 1 and lines[-1] == f"The scale: {scale}."
    assert any("'very good' is not on the scale" in line for line in lines)
    every = missing_parts(ret, framework)  # the reminder's own lines, each naming the scale
    assert lines[0] == every[0]
    assert lines[-2].startswith(f"And {len(every) - 8} more")


def test_status_shows_what_arrived_by_mail_and_does_not_remind_for_it(
    saved: tuple[Path, dict[str, bytes]], framework: Framework, tmp_path: Path
) -> None:
    import datetime as dt

    from lsp_xlsx.workbook.build import BuildSettings
    from lsp_xlsx.workbook.copies import build_for_partners
    from tests.fill import full_answers, make_return
    from tests.mails import PARTNERS

    copies = tmp_path / "to-send"
    settings = BuildSettings(deadline=dt.date(2027, 3, 31), contact="Jo Bloggs, jo@lsp.example")
    build_for_partners(framework, PARTNERS, copies, settings)
    folder, _ = saved
    (folder / "10-auto.eml").unlink()
    half = dict(list(full_answers(framework).items())[:5])
    college = make_return(tmp_path / "college.xlsx", framework, half, PARTNERS[-1])
    incomplete = message("gus.hay@shire.ac.uk", "Our return (part done)", 22)
    incomplete.add_attachment(
        college.read_bytes(), maintype="application", subtype="octet-stream", filename="c.xlsx"
    )
    (folder / "11-incomplete.eml").write_bytes(incomplete.as_bytes())
    partners = str(write_partners(tmp_path / "partners.csv"))
    returns = tmp_path / "returns"
    args = ["status", str(returns), "--partners", partners, "--dir", str(copies),
            "--today", "2027-03-25", "--remind", "--drafts", str(tmp_path / "reminders")]  # fmt: skip

    collected = CliRunner().invoke(
        cli, ["collect", "--from-files", str(folder), "--partners", partners,
              "--returns", str(returns)],
    )  # fmt: skip
    assert collected.exit_code == 1, collected.output  # the PDF
    after = CliRunner().invoke(cli, args)
    rows = {line.split("  ")[0]: line for line in after.output.splitlines()}
    assert "returned (by mail 2027-03-10)" in rows["North Shire Police"]
    assert "incomplete (by mail 2027-03-22)" in rows["Shire College"]
    assert "a return arrived by mail on 2027-03-22 (collected.csv); not reminded" in after.output
    assert list((tmp_path / "reminders").glob("*.eml")) == []

    # Without the ledger the same returns say nothing of mail, and the college is chased.
    (returns / "collected.csv").rename(tmp_path / "collected.csv")
    unknown = CliRunner().invoke(cli, args)
    assert "by mail" not in unknown.output
    assert [p.name for p in (tmp_path / "reminders").glob("*.eml")] == [
        "reminder-shire-college.eml"
    ], unknown.output
