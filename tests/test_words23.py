"""Issue 23, items 3, 4, 6 and 7: findings a person can read, nothing a partner wrote
dropped, the partners list as coordinators keep it, and true words."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.groups import group_findings
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import load_partners
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings
from lsp_xlsx.workbook.copies import build_for_partners
from tests.fill import full_answers, make_return
from tests.libreoffice import convert
from tests.test_send import (  # noqa: F401  (smtp_server is a fixture)
    PARTNERS,
    Inbox,
    _send,
    _write_partners,
    smtp_server,
)

TBC_COUNT = 37
# The loopback SMTP server asks for AUTH without TLS on purpose, as in test_send.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


# --- Item 3: grouped findings, counts and severities --------------------------------------


@pytest.fixture
def tbc_folder(tmp_path: Path, framework: Framework) -> Path:
    """One partner who typed TBC or ongoing in 37 target dates and 'Satisfactory' (a word
    no synonym covers) in 30 ratings, spread over every theme; the other three complete
    and clean."""
    folder = tmp_path / "returns"
    rated = framework.rated_questions
    answers = full_answers(framework)
    for i, q in enumerate(rated[:TBC_COUNT]):
        answers[q.id]["target_date"] = "TBC" if i % 2 else "ongoing"
    for q in rated[-30:]:
        answers[q.id]["rating"] = "Satisfactory"
    make_return(folder / "nhs.xlsx", framework, answers, PARTNERS[2])
    for partner in (PARTNERS[0], PARTNERS[1], PARTNERS[3]):
        make_return(
            folder / f"{partner.partner_id}.xlsx", framework, full_answers(framework), partner
        )
    return folder


def test_37_text_dates_are_one_line_in_the_report_and_37_findings_in_json(
    tbc_folder: Path,
) -> None:
    table = _run("check", str(tbc_folder))
    lines = [line for line in table.output.splitlines() if "target dates are text" in line]
    assert len(lines) == 1, table.output
    assert f"{TBC_COUNT} target dates are text (ongoing, TBC)" in lines[0]
    assert lines[0].startswith("  WARNING") and "(kept as typed)" in lines[0]
    assert "… and 31 more" in lines[0]  # six cells named, the rest counted
    ratings = [line for line in table.output.splitlines() if "not on the scale" in line]
    assert len(ratings) == 1 and ratings[0].startswith("  ERROR") and "30 ratings" in ratings[0]
    assert "Findings: 30 errors, 37 warnings, 0 notes." in table.output
    data = json.loads(_run("check", str(tbc_folder), "--format", "json").stdout)
    dates = [f for f in data["findings"] if f["code"] == "date-unparsed"]
    assert len(dates) == TBC_COUNT and {f["params"]["raw"] for f in dates} == {"TBC", "ongoing"}
    assert len({(f["sheet"], f["cell"]) for f in dates}) == TBC_COUNT


def test_a_finding_alone_keeps_its_own_message(tmp_path: Path, framework: Framework) -> None:
    answers = full_answers(framework)
    answers[framework.rated_questions[0].id]["target_date"] = "TBC"
    make_return(tmp_path / "r.xlsx", framework, answers, PARTNERS[0])
    from lsp_xlsx.returns.reader import read_return

    ret = read_return(tmp_path / "r.xlsx", framework)
    [group] = group_findings(ret.findings)
    assert group.message == ret.findings[0].message and "'TBC'" in group.message


def test_the_findings_sheet_has_a_row_per_group_naming_every_cell(
    tbc_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board"
    result = _run("collate", str(tbc_folder), "-o", str(out / "comparison.xlsx"))
    assert result.exit_code == 1, result.output  # the ratings off the scale are errors
    ws = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)["Findings"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[4] == "date-unparsed"]
    assert len(rows) == 1
    file, sheets, cells, severity, _, message = rows[0][:6]
    assert str(file).endswith("nhs.xlsx") and severity == "warning"
    assert sum(part.count(",") + 1 for part in str(cells).split("; ")) == TBC_COUNT
    assert "1 Outcomes" in str(sheets) and f"{TBC_COUNT} target dates are text" in str(message)
    title = " ".join(str(r[0]) for r in ws.iter_rows(max_row=4, values_only=True) if r[0])
    assert "67 findings" in title and "finding(s)" not in title


def _parse(path: Path) -> EmailMessage:
    import email
    from email.policy import default

    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_reminder_lists_at_most_ten_problems_with_the_scale_once(
    tbc_folder: Path, tmp_path: Path, framework: Framework
) -> None:
    sent = tmp_path / "to-send"
    settings = BuildSettings(deadline=dt.date(2027, 3, 31), contact="Jo Bloggs, jo@lsp.example")
    build_for_partners(framework, PARTNERS, sent, settings)
    partners = _write_partners(tmp_path / "partners.csv", PARTNERS)
    drafts = tmp_path / "drafts"
    args = ["status", str(tbc_folder), "--partners", str(partners), "--dir", str(sent)]
    result = _run(*args, "--today", "2027-03-01", "--remind", "--drafts", str(drafts))
    assert result.exit_code == 0, result.output
    body = _parse(drafts / "reminder-nhs-north-shire.eml").get_body(("plain",))
    assert body is not None
    text = body.get_content()
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) <= 15, text
    listed = [line for line in text.splitlines() if line.startswith("  - ")]
    assert len(listed) <= 12
    scale = ", ".join(framework.labels)
    assert text.count(scale) == 1 and listed[-1] == f"  - The scale: {scale}."
    assert "30 ratings are not on the scale ('Satisfactory')" in text


def test_the_reminder_ends_with_the_count_of_the_rest() -> None:
    from lsp_xlsx.outreach.reminder_lines import MAX_PROBLEMS, _capped

    lines = _capped([f"problem {n}" for n in range(14)])
    assert len(lines) == MAX_PROBLEMS + 1 and lines[-1].startswith("And 4 more problems")
    assert _capped(["one"]) == ["one"]


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (1, "day", "1 day"),
        (2, "day", "2 days"),
        (1, "workbook", "1 workbook"),
        (0, "note", "0 notes"),
    ],
)
def test_counted(n: int, word: str, expected: str) -> None:
    from lsp_xlsx.core.words import counted

    assert counted(n, word) == expected


def test_a_file_of_errors_and_notes_counts_each_under_its_own_word(tmp_path: Path) -> None:
    from lsp_xlsx.core.errors import FindingsError
    from lsp_xlsx.core.findings import finding

    problems = [
        finding(Code.CSV_FILE_EMPTY, "p.csv"),
        finding(Code.CSV_SEMICOLONS, "p.csv"),
        finding(Code.CSV_NOT_UTF8, "p.csv"),
    ]
    text = str(FindingsError("p.csv", problems))
    assert text.startswith("p.csv has 1 error, 1 warning and 1 note:")
    assert "  - info: p.csv: the values are separated by semicolons" in text


def test_one_day_overdue_and_one_workbook(tmp_path: Path, framework: Framework) -> None:
    partners = _write_partners(tmp_path / "partners.csv", PARTNERS[:1])
    out = tmp_path / "to-send"
    built = _run(
        "build", "--partners", str(partners), "--out-dir", str(out), "--deadline", "2027-03-31"
    )
    assert built.exit_code == 0 and "1 workbook in " in built.output, built.output
    empty = tmp_path / "returns"
    empty.mkdir()
    status = _run(
        "status", str(empty), "--partners", str(partners), "--dir", str(out),
        "--today", "2027-04-01",
    )  # fmt: skip
    assert "2027-03-31 (1 day overdue)" in status.output, status.output


def test_the_extra_column_note_is_shown_by_build_only(tmp_path: Path) -> None:
    partners = tmp_path / "partners.csv"
    partners.write_text(
        "partner_id,name,email,notes\npolice,Police,sam@police.example,x\n", encoding="utf-8"
    )
    out = tmp_path / "to-send"
    built = _run("build", "--partners", str(partners), "--out-dir", str(out))
    assert built.output.count("columns the tool does not need: 'notes'") == 1, built.output
    status = _run("status", str(tmp_path), "--partners", str(partners), "--dir", str(out))
    assert "columns the tool does not need" not in status.output


# --- Item 4: nothing a partner wrote is dropped ----------------------------------------------

NOTE = "We'd like more say on the board"


def _with_notes(wb: openpyxl.Workbook) -> None:
    ws = wb["1 Outcomes"]
    col = len(C.COLUMNS) + 1
    ws.cell(row=C.HEADER_ROW, column=col, value="Notes")
    ws.cell(row=C.FIRST_DATA_ROW + 1, column=col, value=NOTE)
    ws.cell(row=ws.max_row + 3, column=2, value="PS: we never meet in the evening")


def test_an_inserted_notes_column_is_kept_shown_and_reported(
    tmp_path: Path, framework: Framework
) -> None:
    folder = tmp_path / "returns"
    make_return(
        folder / "police.xlsx", framework, full_answers(framework), PARTNERS[0], edit=_with_notes
    )
    out = tmp_path / "board"
    result = _run("collate", str(folder), "-o", str(out / "comparison.xlsx"))
    assert result.exit_code == 0, result.output
    tidy = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert list(tidy.columns)[-2:] == ["respondent_id", "extra_text"]
    second = framework.questions[1].id  # the row below the header's first: C.FIRST_DATA_ROW + 1
    row = tidy.set_index("question_id").loc[second]
    letter = openpyxl.utils.get_column_letter(len(C.COLUMNS) + 1)
    assert row["extra_text"] == f"Notes ('1 Outcomes'!{letter}{C.FIRST_DATA_ROW + 1}): {NOTE}"
    below = tidy[tidy["extra_text"].str.contains("never meet in the evening")]
    assert len(below) == 1 and below["theme_id"].item() == "T1"
    ws = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)["Evidence"]
    texts = [str(c) for r in ws.iter_rows(values_only=True) for c in r if c]
    assert "Other text from the partner" in texts and any(NOTE in t for t in texts)
    assert "WARNING" in result.output and f"cell {letter}{C.FIRST_DATA_ROW + 1}" in result.output
    data = json.loads(_run("check", str(folder), "--format", "json").stdout)
    kept = [f for f in data["findings"] if f["code"] == "extra-text-kept"]
    assert kept[0]["cell"] == f"{letter}{C.FIRST_DATA_ROW + 1}" and len(kept) == 2
    assert data["files"][0]["status"] == "warnings"


def test_a_clean_return_has_no_extra_text(tmp_path: Path, framework: Framework) -> None:
    from lsp_xlsx.returns.reader import read_return

    ret = read_return(
        make_return(tmp_path / "r.xlsx", framework, full_answers(framework)), framework
    )
    assert not any(ret.column("extra_text"))
    assert not [f for f in ret.findings if f.code is Code.EXTRA_TEXT_KEPT]


def test_extra_text_crosses_the_process_boundary(tmp_path: Path, framework: Framework) -> None:
    import pickle

    from lsp_xlsx.returns.reader import read_return

    path = make_return(tmp_path / "r.xlsx", framework, full_answers(framework), edit=_with_notes)
    ret = read_return(path, framework)
    back = pickle.loads(pickle.dumps(ret))
    assert back.column("extra_text") == ret.column("extra_text")
    assert any(NOTE in t for t in back.column("extra_text"))
    second = framework.questions[1].id
    assert NOTE in back.responses[second].extra_text
    assert back.responses[second].cells == ret.responses[second].cells


# --- Item 6: the partners list as coordinators keep it ---------------------------------------

HEADINGS = ("Partner ID", "Organisation", "Sector", "Contact name", "E-mail")


def _partners_xlsx(path: Path, sheet: str = "Partners", first: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if first is not None:
        ws.title = first
        ws["A1"] = "Not the list"
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(HEADINGS)
    for p in PARTNERS:
        ws.append([p.partner_id, p.name, p.sector, p.contact_name, p.email])
    wb.save(path)
    return path


def _as_partners(path: Path) -> list[tuple[str, ...]]:
    return [(p.partner_id, p.name, p.sector, p.contact_name, p.email) for p in load_partners(path)]


EXPECTED = [(p.partner_id, p.name, p.sector, p.contact_name, p.email) for p in PARTNERS]


def test_a_partners_workbook_is_read_from_its_partners_sheet(tmp_path: Path) -> None:
    path = _partners_xlsx(tmp_path / "partners.xlsx", first="Read me")
    assert _as_partners(path) == EXPECTED
    notes = [w.message for w in load_partners(path).warnings]
    assert any("the sheet 'Partners' of an Excel workbook" in n for n in notes)
    assert any("'E-mail' as 'email'" in n and "'Organisation' as 'name'" in n for n in notes)


def test_the_first_sheet_is_read_when_none_is_called_partners(tmp_path: Path) -> None:
    assert _as_partners(_partners_xlsx(tmp_path / "list.xlsx", sheet="2027")) == EXPECTED


@pytest.mark.slow
def test_a_partners_list_saved_as_ods_by_libreoffice(tmp_path: Path) -> None:
    ods = convert(_partners_xlsx(tmp_path / "partners.xlsx"), "ods", tmp_path / "lo")
    assert _as_partners(ods) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_unicode_text_is_read(tmp_path: Path, encoding: str) -> None:
    lines = ["\t".join(HEADINGS)] + [
        "\t".join((p.partner_id, p.name, p.sector, p.contact_name, p.email)) for p in PARTNERS
    ]
    path = tmp_path / "partners.txt"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    assert _as_partners(path) == EXPECTED


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("E-mail", "email"),
        ("Email address", "email"),
        ("Partner ID", "partner_id"),
        ("Organisation", "name"),
        ("Organisation name", "name"),
        ("Contact", "contact_name"),
        ("Contact name", "contact_name"),
    ],
)
def test_headings_people_type_are_the_standard_ones(
    tmp_path: Path, heading: str, column: str
) -> None:
    standard = ["partner_id", "name", "contact_name", "email"]
    header = [heading if c == column else c for c in standard]
    path = tmp_path / "partners.csv"
    path.write_text(",".join(header) + "\npolice,Police,Sam,sam@police.example\n", "utf-8")
    partners = load_partners(path)
    [p] = list(partners)
    assert (p.partner_id, p.name, p.contact_name, p.email) == (
        "police",
        "Police",
        "Sam",
        "sam@police.example",
    )
    [note] = [w for w in partners.warnings if w.code is Code.CSV_HEADER_SYNONYM]
    assert f"'{heading}' as '{column}'" in note.message and note.severity == "info"


def test_a_close_miss_gets_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("Partner-Idd,Organisation\npolice,Police\n", "utf-8")
    result = _run("build", "--partners", str(path), "--out-dir", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "the required column 'partner_id' is missing" in result.output
    assert "column 'Partner-Idd' is not one this tool reads" in result.output
    assert "Did you mean 'partner_id'?" in result.output


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n....", "a PNG picture"),
        (None, "a Word document"),
    ],
)
def test_a_file_plainly_not_a_table_is_named(tmp_path: Path, data: bytes | None, kind: str) -> None:
    path = tmp_path / "partners.csv"
    if data is None:
        document = docx.Document()
        document.add_paragraph("Our partners")
        document.save(str(path))
    else:
        path.write_bytes(data)
    result = _run("build", "--partners", str(path), "--out-dir", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"partners.csv: this is {kind}, not a table." in result.output
    assert "Windows-1252" not in result.output and "not UTF-8" not in result.output


def _mailed(inbox: Inbox) -> list[tuple[str, str, str, list[str | None]]]:
    got = []
    for recipients, message in inbox.messages:
        body = message.get_body(("plain",))
        assert body is not None
        files = [a.get_filename() for a in message.iter_attachments()]
        got.append((recipients[0], str(message["Subject"]), body.get_content(), files))
    return sorted(got)


def test_a_partners_workbook_builds_and_mails_as_the_csv_does(
    smtp_server: tuple[Inbox, int],  # noqa: F811  (the fixture, imported above)
    tmp_path: Path,
) -> None:
    inbox, port = smtp_server
    inbox.refuse.clear()
    sources = {
        "csv": _write_partners(tmp_path / "partners.csv", PARTNERS),
        "xlsx": _partners_xlsx(tmp_path / "partners.xlsx"),
    }
    mailed: dict[str, Any] = {}
    manifests: dict[str, Any] = {}
    for kind, path in sources.items():
        out = tmp_path / f"to-send-{kind}"
        built = _run(
            "build", "--partners", str(path), "--out-dir", str(out), "--deadline", "2027-03-31"
        )
        assert built.exit_code == 0, built.output
        manifests[kind] = pd.read_csv(out / "manifest.csv", dtype=str)[["partner_id", "file"]]
        inbox.messages.clear()
        sent = _send(path, out, port)
        assert sent.exit_code == 0, sent.output
        assert "4 messages done, 0 failed, 0 skipped." in sent.output
        mailed[kind] = _mailed(inbox)
    assert manifests["xlsx"].equals(manifests["csv"])
    assert len(mailed["xlsx"]) == 4 and mailed["xlsx"] == mailed["csv"]


# --- Item 7: true words -------------------------------------------------------------------


def test_a_word_document_and_a_pdf_sent_as_returns(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    document = docx.Document()
    document.add_paragraph("Our self-assessment")
    document.save(str(folder / "return.docx"))
    document.save(str(folder / "named-as-workbook.xlsx"))
    (folder / "scan.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    data = json.loads(
        _run("check", str(folder / "named-as-workbook.xlsx"), str(folder / "scan.xlsx"),
             str(folder / "return.docx"), "--format", "json").stdout
    )  # fmt: skip
    messages = {Path(f["file"]).name: f["message"] for f in data["findings"]}
    for name in ("return.docx", "named-as-workbook.xlsx"):
        assert "refused: this is not a spreadsheet but a Word document" in messages[name]
        assert "damaged" not in messages[name] and "send the workbook itself" in messages[name]
    assert (
        "but a PDF document. Ask the partner to send the workbook itself" in messages["scan.xlsx"]
    )
    assert len(data["findings"]) == 3


@pytest.fixture
def comparison(tmp_path: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    for p in PARTNERS[:2]:
        make_return(folder / f"{p.partner_id}.xlsx", framework, full_answers(framework), p)
    out = tmp_path / "board"
    assert _run("collate", str(folder), "-o", str(out / "comparison.xlsx")).exit_code == 0
    return out / "comparison.xlsx"


def test_a_comparison_given_as_prefill_names_the_file_to_give(
    comparison: Path, tmp_path: Path
) -> None:
    partners = _write_partners(tmp_path / "partners.csv", PARTNERS)
    result = _run(
        "build", "--partners", str(partners), "--out-dir", str(tmp_path / "o"),
        "--prefill", str(comparison),
    )  # fmt: skip
    assert result.exit_code != 0
    line = f"{comparison}: this is the comparison workbook, not last round's tidy table."
    assert line in result.output
    assert f"Give {comparison.parent / 'responses.csv'} instead" in result.output
    assert "codec" not in result.output


def test_a_comparison_given_as_previous_names_the_file_to_give(
    comparison: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "returns"
    out = tmp_path / "next" / "comparison.xlsx"
    result = _run("collate", str(folder), "-o", str(out), "--previous", str(comparison))
    assert result.exit_code != 0
    assert "this is the comparison workbook, not last round's tidy table" in result.output
    assert "responses.csv instead" in result.output and "codec" not in result.output


def test_agree_on_an_empty_agreed_sheet_says_nothing_agreed_yet(
    comparison: Path, tmp_path: Path
) -> None:
    result = _run("agree", str(comparison), "-o", str(tmp_path / "agreed"))
    assert result.exit_code == 1, result.output
    assert "nothing agreed yet" in result.output
    assert "partner" not in result.output.casefold()


def test_agree_speaks_of_the_workshop(tmp_path: Path) -> None:
    path = tmp_path / "workshop.xlsx"
    path.write_bytes(b"PK\x03\x04 cut short")
    result = _run("agree", str(path))
    assert result.exit_code == 1
    assert "partner" not in result.output.casefold(), result.output
    assert "the workshop's copy" in result.output


def test_a_past_deadline_warns(tmp_path: Path) -> None:
    result = _run("build", "-o", str(tmp_path / "blank.xlsx"), "--deadline", "2020-03-31")
    assert result.exit_code == 0, result.output
    assert "warning: the deadline 31 March 2020 is already past" in result.output
    future = dt.date.today() + dt.timedelta(days=30)
    later = _run("build", "-o", str(tmp_path / "b2.xlsx"), "--deadline", future.isoformat())
    assert "already past" not in later.output


def test_workshop_words_leave_other_words_alone() -> None:
    from lsp_xlsx.board.agree_words import in_workshop_words
    from lsp_xlsx.core.findings import finding

    ours = finding(Code.REFUSED_EMPTY, "agreed.xlsx")
    assert "partner" in ours.message
    changed = in_workshop_words(ours)
    assert "partner" not in changed.message and changed.code is ours.code
    plain = finding(Code.CSV_SEMICOLONS, "x.csv")
    assert in_workshop_words(plain) is plain
