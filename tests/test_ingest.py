"""Reading returns: every behaviour the reader promises, one test each, on files made
through the real build plus a fill (or a real LibreOffice)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework import Framework, load_framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import discover, read_returns
from lsp_xlsx.returns.model import Return, Status
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.workbook import contract as C
from tests.fill import COL, excel_grows_the_table, full_answers, make_return, rewrite_zip, row_of
from tests.libreoffice import convert

POLICE = Partner("police", "North Shire Police", "Police")

MIXED: dict[str, dict[str, Any]] = {
    "T1.Q1": {
        "rating": "3 - Performs well",
        "evidence": "Board minutes, 12/01/2027:\n• outcomes framework agreed",
        "evidence_source": "Board papers",
        "improvement_action": "=Refresh the plan",
        "lead": "+Head of Policy",
        "target_date": dt.datetime(2027, 3, 31),
    },
    "T2.Q5a": {"rating": "Don't know", "evidence": "@mention Ünïcødé — ✓ 日本"},
    "T7.Q8": {"rating": "1 - Performs poorly", "evidence": "-not published"},
}


def codes(ret: Return) -> list[Code]:
    return [f.code for f in ret.findings]


def answers_of(ret: Return) -> dict[str, tuple[Any, ...]]:
    """What matters of each answer, for comparing two reads of the same return."""
    return {
        qid: (
            r.rating,
            r.rating_label,
            r.rating_raw,
            r.evidence,
            r.evidence_source,
            r.improvement_action,
            r.lead,
            r.target_date,
        )
        for qid, r in ret.responses.items()
    }


@pytest.fixture
def mixed(tmp_path: Path, framework: Framework) -> Path:
    return make_return(
        tmp_path / "police.xlsx",
        framework,
        MIXED,
        partner=POLICE,
        start={"respondent": "Sam Patel", "completed": dt.datetime(2027, 3, 1)},
    )


# --- Reading a good return ------------------------------------------------------------------


def test_reads_every_answer_verbatim(mixed: Path, framework: Framework) -> None:
    ret = read_return(mixed, framework)
    # An unanswered question is not a finding, but the return is incomplete.
    assert ret.status is Status.INCOMPLETE
    assert ret.findings == []
    r = ret.responses["T1.Q1"]
    assert (r.rating, r.rating_label, r.rating_raw) == (3, "3 - Performs well", "3 - Performs well")
    assert r.evidence == "Board minutes, 12/01/2027:\n• outcomes framework agreed"
    assert r.improvement_action == "=Refresh the plan"
    assert r.lead == "+Head of Policy"
    assert r.target_date == "2027-03-31"
    assert (r.sheet, r.row) == ("1 Outcomes", C.FIRST_DATA_ROW)
    dk = ret.responses["T2.Q5a"]
    assert (dk.rating, dk.rating_label) == (None, "Don't know")
    assert dk.evidence == "@mention Ünïcødé — ✓ 日本"
    assert ret.responses["T7.Q8"].evidence == "-not published"
    assert ret.answered == 3 and ret.rated_total == 59
    assert list(ret.responses) == [q.id for q in framework.questions]


def test_identity_and_respondent_and_framework_from_meta(mixed: Path, framework: Framework) -> None:
    ret = read_return(mixed, framework)
    assert (ret.partner_id, ret.partner_name) == ("police", "North Shire Police")
    assert ret.respondent.name == "Sam Patel"
    assert ret.respondent.organisation == "North Shire Police"
    assert ret.respondent.completed == dt.date(2027, 3, 1)
    assert (ret.framework_id, ret.framework_version, ret.framework_hash) == (
        framework.id,
        "1",
        framework.hash,
    )
    assert ret.sha256 == hashlib.sha256(mixed.read_bytes()).hexdigest()
    assert ret.fmt == "xlsx"


def test_complete_return_is_ok_with_no_findings(tmp_path: Path, framework: Framework) -> None:
    path = make_return(tmp_path / "x.xlsx", framework, full_answers(framework), partner=POLICE)
    ret = read_return(path, framework)
    assert ret.findings == []
    assert ret.status is Status.OK
    assert ret.answered == 59


def test_empty_rating_counts_as_not_answered(tmp_path: Path, framework: Framework) -> None:
    path = make_return(
        tmp_path / "x.xlsx", framework, {"T1.Q1": {"evidence": "Some evidence"}}, partner=POLICE
    )
    ret = read_return(path, framework)
    r = ret.responses["T1.Q1"]
    assert (r.rating, r.rating_label, r.rating_raw, r.answered) == (None, "", "", False)
    assert r.evidence == "Some evidence"
    assert ret.answered == 0


def test_input_file_is_never_modified(mixed: Path, framework: Framework) -> None:
    before = (mixed.read_bytes(), mixed.stat().st_mtime_ns)
    read_return(mixed, framework)
    assert (mixed.read_bytes(), mixed.stat().st_mtime_ns) == before


# --- Formats --------------------------------------------------------------------------------


def test_xlsm_is_read_as_data(mixed: Path, tmp_path: Path, framework: Framework) -> None:
    def macro(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
            )
        return data

    xlsm = rewrite_zip(mixed, tmp_path / "police.xlsm", macro)
    ret = read_return(xlsm, framework)
    assert ret.fmt == "xlsm"
    assert answers_of(ret) == answers_of(read_return(mixed, framework))


def test_format_is_recognised_by_content_not_extension(
    mixed: Path, tmp_path: Path, framework: Framework
) -> None:
    renamed = tmp_path / "police.ods"
    shutil.copy(mixed, renamed)
    ret = read_return(renamed, framework)
    assert ret.fmt == "xlsx"
    assert answers_of(ret) == answers_of(read_return(mixed, framework))


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_libreoffice_resave_reads_back_identically(
    mixed: Path, tmp_path: Path, framework: Framework, fmt: str
) -> None:
    original = read_return(mixed, framework)
    resaved = convert(mixed, fmt, tmp_path / "lo")
    ret = read_return(resaved, framework)
    assert ret.fmt == fmt
    assert answers_of(ret) == answers_of(original)
    assert (ret.partner_id, ret.partner_name) == (original.partner_id, original.partner_name)
    assert ret.respondent == original.respondent
    assert ret.framework_hash == framework.hash
    assert [f.code for f in ret.findings] == [f.code for f in original.findings]


@pytest.mark.libreoffice
def test_ods_renamed_xlsx_is_still_read(mixed: Path, tmp_path: Path, framework: Framework) -> None:
    ods = convert(mixed, "ods", tmp_path / "lo")
    renamed = tmp_path / "return.xlsx"
    shutil.copy(ods, renamed)
    ret = read_return(renamed, framework)
    assert ret.fmt == "ods"
    assert answers_of(ret) == answers_of(read_return(mixed, framework))


# --- Identity -------------------------------------------------------------------------------


def _drop_meta(wb: Workbook) -> None:
    del wb[C.META_SHEET]


def test_identity_from_start_here_when_meta_is_missing(
    tmp_path: Path, framework: Framework
) -> None:
    path = make_return(
        tmp_path / "x.xlsx",
        framework,
        MIXED,
        start={"organisation": "North Shire Fire and Rescue"},
        edit=_drop_meta,
    )
    ret = read_return(path, framework)
    assert ret.partner_name == "North Shire Fire and Rescue"
    assert ret.partner_id == "north-shire-fire-and-rescue"
    assert Code.META_MISSING in codes(ret)
    assert Code.IDENTITY_FROM_FILENAME not in codes(ret)
    assert ret.responses["T1.Q1"].rating == 3


def test_identity_from_file_name_with_a_warning(tmp_path: Path, framework: Framework) -> None:
    path = make_return(
        tmp_path / "Copy of FINAL Voluntary Action North Shire v2 (3).xlsx", framework, MIXED
    )
    ret = read_return(path, framework)
    assert ret.partner_name == "Voluntary Action North Shire"
    assert ret.findings[0] == finding(
        Code.IDENTITY_FROM_FILENAME, str(path), name="Voluntary Action North Shire"
    )


def test_renamed_file_is_identified_by_meta(
    mixed: Path, tmp_path: Path, framework: Framework
) -> None:
    renamed = tmp_path / "Copy of FINAL v2 (3).xlsx"
    shutil.copy(mixed, renamed)
    ret = read_return(renamed, framework)
    assert (ret.partner_id, ret.partner_name) == ("police", "North Shire Police")
    assert Code.IDENTITY_FROM_FILENAME not in codes(ret)


def test_meta_and_start_here_disagreeing_is_a_warning(tmp_path: Path, framework: Framework) -> None:
    path = make_return(
        tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, start={"organisation": "NHS Trust"}
    )
    ret = read_return(path, framework)
    assert ret.partner_name == "North Shire Police"
    mismatch = [f for f in ret.findings if f.code is Code.IDENTITY_EDITED]
    assert len(mismatch) == 1
    assert mismatch[0].sheet == "Start here" and mismatch[0].severity is Severity.WARNING
    assert "'NHS Trust', but the workbook was made for 'North Shire Police'" in mismatch[0].message


def test_partner_id_not_in_partners_file_is_a_warning(mixed: Path, framework: Framework) -> None:
    others = [Partner("nhs", "NHS North Shire")]
    ret = read_return(mixed, framework, partners=others, partners_file="partners.csv")
    assert (
        finding(Code.PARTNER_UNKNOWN, str(mixed), id="police", partners_file="partners.csv")
        in ret.findings
    )


def test_partners_file_gives_the_name_for_a_known_id(mixed: Path, framework: Framework) -> None:
    partners = [Partner("police", "North Shire Constabulary", "Police")]
    ret = read_return(mixed, framework, partners=partners)
    assert ret.partner_name == "North Shire Constabulary"


# --- Framework ------------------------------------------------------------------------------


def _framework_v2(folder: Path) -> Framework:
    toml = folder / "framework.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("version = 1", "version = 2"), encoding="utf-8"
    )
    questions = folder / "questions.csv"
    lines = questions.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith("T3.Q3,")]
    lines.append("T3.Q4,T3,,yes,A new question in version 2?\n")
    questions.write_text("".join(lines), encoding="utf-8")
    return load_framework(folder)


def test_other_version_is_read_by_id_with_warnings(
    tmp_path: Path, framework: Framework, framework_copy: Path
) -> None:
    v2 = _framework_v2(framework_copy)
    answers = {"T1.Q1": {"rating": "2 - Performs adequately"}, "T3.Q4": {"rating": "4"}}
    path = make_return(tmp_path / "v2.xlsx", v2, answers, partner=POLICE)
    ret = read_return(path, framework)
    assert ret.responses["T1.Q1"].rating == 2
    assert Code.FRAMEWORK_VERSION_DIFFERS in codes(ret)
    unknown = [f for f in ret.findings if f.code is Code.QUESTION_UNKNOWN]
    assert [f.cell for f in unknown] == [f"A{C.FIRST_DATA_ROW + 2}"]
    assert "'T3.Q4'" in unknown[0].message and "Rating '4'" in unknown[0].message
    assert ret.extra[0].question_id == "T3.Q4" and ret.extra[0].values == {"rating": "4"}
    missing = [f for f in ret.findings if f.code is Code.QUESTION_MISSING]
    assert [m.message.split(": ")[1][:20] for m in missing] == ["question T3.Q3 is no"]


def test_other_framework_is_refused_naming_both(
    tmp_path: Path, framework: Framework, framework_copy: Path
) -> None:
    toml = framework_copy / "framework.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("lsp-governance-2009", "council-code-2026"),
        encoding="utf-8",
    )
    other = load_framework(framework_copy)
    path = make_return(tmp_path / "other.xlsx", other, MIXED)
    ret = read_return(path, framework)
    assert ret.status is Status.REFUSED
    assert ret.findings == [
        finding(
            Code.REFUSED_OTHER_FRAMEWORK,
            str(path),
            found="council-code-2026",
            expected="lsp-governance-2009",
        )
    ]


def test_unrelated_workbook_is_refused(tmp_path: Path, framework: Framework) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["B1"] = "Budget", "2027"
    path = tmp_path / "budget.xlsx"
    wb.save(path)
    ret = read_return(path, framework)
    assert ret.status is Status.REFUSED
    assert codes(ret) == [Code.REFUSED_UNRECOGNISED]
    assert "'lsp-governance-2009'" in ret.findings[0].message


# --- Layout changes -------------------------------------------------------------------------


def _sheet(wb: Workbook, name: str) -> Any:
    return wb[name]


def test_inserted_rows_and_columns_still_read_right(tmp_path: Path, framework: Framework) -> None:
    def edit(wb: Workbook) -> None:
        ws = _sheet(wb, "1 Outcomes")
        ws.insert_rows(2, amount=3)  # above the header
        ws.insert_rows(C.FIRST_DATA_ROW + 4, amount=2)  # between questions
        ws.insert_cols(3)  # a column before Rating
        ws.cell(row=C.HEADER_ROW + 3, column=3).value = "My notes"
        excel_grows_the_table(ws)

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=edit)
    ret = read_return(path, framework)
    assert answers_of(ret)["T1.Q1"][:4] == (
        3,
        "3 - Performs well",
        "3 - Performs well",
        MIXED["T1.Q1"]["evidence"],
    )
    assert ret.responses["T1.Q1"].row == C.FIRST_DATA_ROW + 3
    assert ret.responses["T1.Q1"].sheet == "1 Outcomes"


def test_sorted_and_deleted_rows_still_read_right(tmp_path: Path, framework: Framework) -> None:
    answers = {
        "T1.Q1": {"rating": "1 - Performs poorly", "evidence": "one"},
        "T1.Q6": {"rating": "4 - Performs excellently", "evidence": "six"},
    }

    def edit(wb: Workbook) -> None:
        ws = _sheet(wb, "1 Outcomes")
        rows = [[c.value for c in ws[r]] for r in range(C.FIRST_DATA_ROW, C.FIRST_DATA_ROW + 6)]
        for offset, values in enumerate(reversed(rows)):  # sort descending by ID
            for col, value in enumerate(values, start=1):
                ws.cell(row=C.FIRST_DATA_ROW + offset, column=col).value = value
        ws.delete_rows(row_of(ws, "T1.Q3"))

    path = make_return(tmp_path / "x.xlsx", framework, answers, partner=POLICE, edit=edit)
    ret = read_return(path, framework)
    assert (ret.responses["T1.Q1"].rating, ret.responses["T1.Q1"].evidence) == (1, "one")
    assert (ret.responses["T1.Q6"].rating, ret.responses["T1.Q6"].evidence) == (4, "six")
    assert ret.responses["T1.Q6"].row == C.FIRST_DATA_ROW
    missing = [f for f in ret.findings if f.code is Code.QUESTION_MISSING]
    assert len(missing) == 1 and "question T1.Q3 is not in this workbook" in missing[0].message


def test_edited_question_text_is_a_warning_and_the_answer_kept(
    tmp_path: Path, framework: Framework
) -> None:
    def edit(wb: Workbook) -> None:
        ws = _sheet(wb, "1 Outcomes")
        ws.cell(row=row_of(ws, "T1.Q1"), column=COL["question"]).value = "How clear are we?"

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=edit)
    ret = read_return(path, framework)
    assert ret.responses["T1.Q1"].rating == 3
    edited = [f for f in ret.findings if f.code is Code.QUESTION_TEXT_EDITED]
    assert [(f.sheet, f.cell) for f in edited] == [("1 Outcomes", f"B{C.FIRST_DATA_ROW}")]


def test_missing_theme_sheet_is_an_error_and_the_rest_is_read(
    tmp_path: Path, framework: Framework
) -> None:
    path = make_return(
        tmp_path / "x.xlsx",
        framework,
        MIXED,
        partner=POLICE,
        edit=lambda wb: wb.remove(wb["3 Roles of partners"]),
    )
    ret = read_return(path, framework)
    assert ret.status is Status.ERRORS
    missing = [f for f in ret.findings if f.code is Code.SHEET_MISSING]
    assert missing == [
        finding(
            Code.SHEET_MISSING,
            str(path),
            "3 Roles of partners",
            theme=3,
            expected="3 Roles of partners",
            count=3,
        )
    ]
    assert Code.QUESTION_MISSING not in codes(ret)
    assert ret.responses["T7.Q8"].rating == 1


def test_renamed_theme_sheet_is_found_by_its_header_and_ids(
    tmp_path: Path, framework: Framework
) -> None:
    def rename(wb: Workbook) -> None:
        wb["1 Outcomes"].title = "Outcomes (ours)"

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=rename)
    ret = read_return(path, framework)
    assert ret.responses["T1.Q1"].rating == 3
    renamed = [f for f in ret.findings if f.code is Code.SHEET_RENAMED]
    assert [(f.sheet, f.severity) for f in renamed] == [("Outcomes (ours)", Severity.WARNING)]


def test_row_with_answers_but_no_id_is_kept_and_reported(
    tmp_path: Path, framework: Framework
) -> None:
    def edit(wb: Workbook) -> None:
        ws = _sheet(wb, "1 Outcomes")
        ws.cell(row=row_of(ws, "T1.Q2"), column=COL["id"]).value = None

    answers = {"T1.Q2": {"rating": "2 - Performs adequately", "evidence": "kept"}}
    path = make_return(tmp_path / "x.xlsx", framework, answers, partner=POLICE, edit=edit)
    ret = read_return(path, framework)
    assert ret.extra[0].values == {"rating": "2 - Performs adequately", "evidence": "kept"}
    warning = next(f for f in ret.findings if f.code is Code.ROW_WITHOUT_ID)
    assert (
        warning.cell == f"A{C.FIRST_DATA_ROW + 1}"
        and "Put the question's ID back in column A" in warning.message
    )


def test_duplicated_question_row_keeps_both_answers(tmp_path: Path, framework: Framework) -> None:
    def edit(wb: Workbook) -> None:
        ws = _sheet(wb, "1 Outcomes")
        ws.append(["T1.Q1", "copy", "1 - Performs poorly", "second thoughts"])

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=edit)
    ret = read_return(path, framework)
    assert ret.responses["T1.Q1"].rating == 3
    assert ret.extra[0].values["evidence"] == "second thoughts"
    assert Code.QUESTION_DUPLICATE in codes(ret)


# --- Ratings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("3.0", 3),
        (" 3 - Performs well ", 3),
        ("3 – PERFORMS   WELL", 3),
        ("3-performs well", 3),
        ("performs well", 3),
        ("Performs Excellently", 4),
        ("don’t know", None),
        ("NOT APPLICABLE", None),
    ],
)
def test_safe_rating_variants_become_the_canonical_option(
    tmp_path: Path, framework: Framework, typed: Any, score: int | None
) -> None:
    path = make_return(tmp_path / "x.xlsx", framework, {"T1.Q2": {"rating": typed}}, partner=POLICE)
    ret = read_return(path, framework)
    r = ret.responses["T1.Q2"]
    assert r.rating == score
    assert r.rating_label in framework.labels
    assert r.rating_raw == (str(typed) if not isinstance(typed, float) else "3")
    info = [f for f in ret.findings if f.code is Code.RATING_VARIANT]
    assert (
        len(info) == 1
        and info[0].severity is Severity.INFO
        and info[0].cell == f"C{C.FIRST_DATA_ROW + 1}"
    )


@pytest.mark.parametrize(
    ("typed", "raw"),
    [
        ("Good", "Good"),
        # 2.5 and "3/4" fall between two steps: rating-between-steps (test_typed_ratings.py)
        (dt.datetime(2027, 3, 4), "2027-03-04"),
        (7, "7"),
        ("2 - Performs well", "2 - Performs well"),
        (True, "TRUE"),
    ],
)
def test_unrecognised_rating_is_an_error_and_kept_verbatim(
    tmp_path: Path, framework: Framework, typed: Any, raw: str
) -> None:
    path = make_return(tmp_path / "x.xlsx", framework, {"T1.Q2": {"rating": typed}}, partner=POLICE)
    ret = read_return(path, framework)
    r = ret.responses["T1.Q2"]
    assert (r.rating, r.rating_label, r.rating_raw) == (None, "", raw)
    errors = [f for f in ret.findings if f.code is Code.RATING_UNRECOGNISED]
    assert len(errors) == 1
    assert errors[0].message.startswith(
        f"{path}, sheet '1 Outcomes', cell C{C.FIRST_DATA_ROW + 1}: the rating '{raw}'"
    )
    assert "'1 - Performs poorly', '2 - Performs adequately'" in errors[0].message
    assert ret.status is Status.ERRORS


def test_rating_on_an_unrated_stem_is_a_warning_and_kept(
    tmp_path: Path, framework: Framework
) -> None:
    path = make_return(
        tmp_path / "x.xlsx",
        framework,
        {"T7.Q5": {"rating": "2 - Performs adequately"}},
        partner=POLICE,
    )
    ret = read_return(path, framework)
    r = ret.responses["T7.Q5"]
    assert r.rating_raw == "2 - Performs adequately" and not r.rated
    assert ret.answered == 0
    assert [f.code for f in ret.findings] == [Code.RATING_ON_STEM]


def test_stem_placeholder_is_not_an_answer(mixed: Path, framework: Framework) -> None:
    ret = read_return(mixed, framework)
    assert ret.responses["T2.Q6"].rating_raw == ""
    assert Code.RATING_ON_STEM not in codes(ret)


# --- Text -----------------------------------------------------------------------------------


def test_long_text_up_to_the_excel_limit_is_kept(tmp_path: Path, framework: Framework) -> None:
    text = ("Ä long paragraph.\n" * 2000)[:32767]
    path = make_return(
        tmp_path / "x.xlsx", framework, {"T1.Q1": {"evidence": text}}, partner=POLICE
    )
    assert read_return(path, framework).responses["T1.Q1"].evidence == text


def test_numbers_and_dates_in_text_cells_become_text(tmp_path: Path, framework: Framework) -> None:
    answers = {
        "T1.Q1": {"evidence": 2024, "evidence_source": 12.5, "lead": dt.datetime(2027, 1, 5)},
    }
    path = make_return(tmp_path / "x.xlsx", framework, answers, partner=POLICE)
    ret = read_return(path, framework)
    r = ret.responses["T1.Q1"]
    assert (r.evidence, r.evidence_source, r.lead) == ("2024", "12.5", "2027-01-05")
    converted = [f for f in ret.findings if f.code is Code.TEXT_CONVERTED]
    assert [(f.cell, f.severity) for f in converted] == [
        (f"D{C.FIRST_DATA_ROW}", Severity.INFO),
        (f"E{C.FIRST_DATA_ROW}", Severity.INFO),
        (f"G{C.FIRST_DATA_ROW}", Severity.INFO),
    ]


@pytest.mark.parametrize(
    ("typed", "kept", "code"),
    [
        ("2027-03-31", "2027-03-31", Code.DATE_FROM_TEXT),
        ("31/03/2027", "2027-03-31", Code.DATE_FROM_TEXT),
        ("1.4.2027", "2027-04-01", Code.DATE_FROM_TEXT),
        ("31 March 2027", "2027-03-31", Code.DATE_FROM_TEXT),
        # Text that is not a date: kept, one finding per file (issue 23), here on its cell.
        ("03/31/27", "03/31/27", Code.DATE_UNPARSED),
        ("end of Q3", "end of Q3", Code.DATE_UNPARSED),
        (46000, "46000", Code.DATE_UNPARSED),
    ],
)
def test_target_date_typed_as_text(
    tmp_path: Path, framework: Framework, typed: Any, kept: str, code: Code
) -> None:
    def as_text_cell(wb: Workbook) -> None:
        cell = wb["1 Outcomes"][f"H{C.FIRST_DATA_ROW}"]
        cell.number_format = "General"

    path = make_return(
        tmp_path / "x.xlsx",
        framework,
        {"T1.Q1": {"target_date": typed}},
        partner=POLICE,
        edit=as_text_cell,
    )
    ret = read_return(path, framework)
    assert ret.responses["T1.Q1"].target_date == kept
    assert [(f.code, f.cell) for f in ret.findings] == [(code, f"H{C.FIRST_DATA_ROW}")]


def test_formula_with_no_cached_value_is_a_warning(tmp_path: Path, framework: Framework) -> None:
    def formula(wb: Workbook) -> None:  # T1.Q2's evidence, on the second question row
        wb["1 Outcomes"][f"D{C.FIRST_DATA_ROW + 1}"] = '=CONCATENATE("a","b")'

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=formula)
    ret = read_return(path, framework)
    warning = [f for f in ret.findings if f.code is Code.FORMULA_NO_VALUE]
    assert [(f.sheet, f.cell) for f in warning] == [("1 Outcomes", f"D{C.FIRST_DATA_ROW + 1}")]


@pytest.mark.libreoffice
def test_formula_gives_its_cached_value(tmp_path: Path, framework: Framework) -> None:
    def formula(wb: Workbook) -> None:  # T1.Q2's evidence, on the second question row
        wb["1 Outcomes"][f"D{C.FIRST_DATA_ROW + 1}"] = '=CONCATENATE("a","b")'

    path = make_return(tmp_path / "x.xlsx", framework, MIXED, partner=POLICE, edit=formula)
    resaved = convert(path, "xlsx", tmp_path / "lo")  # LibreOffice calculates and saves results
    ret = read_return(resaved, framework)
    assert ret.responses["T1.Q2"].evidence == "ab"
    assert Code.FORMULA_NO_VALUE not in codes(ret)


# --- Broken and hostile files ---------------------------------------------------------------


def _refused(path: Path, framework: Framework, limits: Limits | None = None) -> Finding:
    ret = read_return(path, framework, limits)
    assert ret.status is Status.REFUSED
    assert len(ret.findings) == 1
    f = ret.findings[0]
    assert f.file == str(path) and f.message.startswith(f"{path}: refused: ")
    assert "\n" not in f.message
    return f


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", Code.REFUSED_EMPTY, "the file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", Code.REFUSED_NOT_SPREADSHEET, "a PDF document"),
        (
            b"<!DOCTYPE html><html><body>x</body></html>",
            Code.REFUSED_NOT_SPREADSHEET,
            "a web page (HTML)",
        ),
        (b"ID,Rating\nT1.Q1,3\n", Code.REFUSED_NOT_SPREADSHEET, "a text file"),
        (b"\x89PNG\r\n\x1a\n....", Code.REFUSED_NOT_SPREADSHEET, "a PNG picture"),
    ],
)
def test_not_a_spreadsheet_is_refused(
    tmp_path: Path, framework: Framework, content: bytes, code: Code, words: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(content)
    f = _refused(path, framework)
    assert f.code is code and words in f.message


def test_truncated_file_is_refused(mixed: Path, tmp_path: Path, framework: Framework) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(mixed.read_bytes()[: mixed.stat().st_size // 2])
    f = _refused(path, framework)
    assert f.code is Code.REFUSED_CORRUPT
    assert "damaged or cut short" in f.message


def test_word_document_renamed_is_refused(tmp_path: Path, framework: Framework) -> None:
    path = tmp_path / "return.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert "a Word document" in _refused(path, framework).message


def test_password_protected_file_is_refused(
    mixed: Path, tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "locked.xlsx"
    with mixed.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    f = _refused(path, framework)
    assert f == finding(Code.REFUSED_PASSWORD, str(path))
    assert "Ask the partner for a copy without a password" in f.message


def test_zip_bomb_by_ratio_is_refused_before_parsing(tmp_path: Path, framework: Framework) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 * 1024 * 1024))
    f = _refused(path, framework)
    assert f.code is Code.REFUSED_ZIP_BOMB
    assert "xl/worksheets/sheet1.xml is compressed" in f.message and "--max-ratio" in f.message


def test_zip_bomb_by_declared_size_is_refused_without_unpacking(
    mixed: Path, tmp_path: Path, framework: Framework
) -> None:
    # Claim a 4 GB part in the central directory; nothing is ever inflated to check it.
    data = bytearray(mixed.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)
    path = tmp_path / "huge.xlsx"
    path.write_bytes(bytes(data))
    f = _refused(path, framework)
    assert f.code is Code.REFUSED_ZIP_BOMB and "--max-unzipped-size" in f.message


def test_zip_limits_are_configurable(mixed: Path, framework: Framework) -> None:
    tight = Limits(max_unzipped_size=10_000)
    assert _refused(mixed, framework, tight).code is Code.REFUSED_ZIP_BOMB


def test_file_too_large_is_refused(mixed: Path, framework: Framework) -> None:
    f = _refused(mixed, framework, Limits(max_file_size=1000))
    assert f.code is Code.REFUSED_TOO_LARGE and "--max-file-size" in f.message


def test_xml_entities_are_refused(mixed: Path, tmp_path: Path, framework: Framework) -> None:
    def entities(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet2.xml":
            doctype = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            return (
                data.replace(b"<worksheet", doctype + b"<worksheet", 1)
                .replace(b"</sheetData>", b"</sheetData><!-- &b; -->", 1)
                .replace(b"T1.Q1", b"&b;", 1)
            )
        return data

    path = rewrite_zip(mixed, tmp_path / "entities.xlsx", entities)
    f = _refused(path, framework)
    assert f.code in (Code.REFUSED_UNREADABLE, Code.REFUSED_CORRUPT)


def test_defusedxml_is_installed() -> None:
    import defusedxml  # noqa: F401
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


# --- Several returns from one partner -------------------------------------------------------


def test_newest_by_completed_date_wins(tmp_path: Path, framework: Framework) -> None:
    old = make_return(
        tmp_path / "a-newer-file.xlsx",
        framework,
        MIXED,
        POLICE,
        start={"completed": dt.datetime(2027, 1, 1)},
    )
    new = make_return(
        tmp_path / "b.xlsx", framework, MIXED, POLICE, start={"completed": dt.datetime(2027, 2, 1)}
    )
    os.utime(old, (2e9, 2e9))  # the older return has the newer file time: dates win
    returns = read_returns([old, new], framework)
    assert [r.status for r in returns] == [Status.SUPERSEDED, Status.INCOMPLETE]
    assert returns[0].superseded_by == new
    assert returns[0].findings[-1] == finding(
        Code.SUPERSEDED,
        str(old),
        partner="North Shire Police",
        newer=str(new),
        why="completed 2027-02-01",
    )


def test_then_build_time_then_file_time(tmp_path: Path, framework: Framework) -> None:
    a = make_return(tmp_path / "a.xlsx", framework, MIXED, POLICE, built_at="2027-01-02T00:00:00Z")
    b = make_return(tmp_path / "b.xlsx", framework, MIXED, POLICE, built_at="2027-01-01T00:00:00Z")
    returns = read_returns([a, b], framework)
    assert [r.status for r in returns] == [Status.INCOMPLETE, Status.SUPERSEDED]
    c = tmp_path / "c.xlsx"
    shutil.copy(a, c)
    a.write_bytes(a.read_bytes())  # same content, distinct files
    os.utime(a, (1e9, 1e9))
    os.utime(c, (2e9, 2e9))
    returns = read_returns([a, c], framework)
    assert [r.status for r in returns] == [Status.SUPERSEDED, Status.INCOMPLETE]
    assert "an identical copy" in returns[0].findings[-1].message


def test_returns_are_never_merged(tmp_path: Path, framework: Framework) -> None:
    a = make_return(
        tmp_path / "a.xlsx", framework, {"T1.Q1": {"rating": "1 - Performs poorly"}}, POLICE
    )
    b = make_return(tmp_path / "b.xlsx", framework, {"T1.Q2": {"rating": "4"}}, POLICE)
    os.utime(a, (1e9, 1e9))
    os.utime(b, (2e9, 2e9))
    keeper = read_returns([a, b], framework)[1]
    assert keeper.responses["T1.Q1"].rating is None
    assert keeper.responses["T1.Q2"].rating == 4


# --- Finding files --------------------------------------------------------------------------


def test_discover_walks_folders_and_skips_lock_files_and_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    for name in [
        "a.xlsx",
        "sub/b.ODS",
        "sub/c.xls",
        "~$a.xlsx",
        ".~lock.a.xlsx#",
        ".x.xlsx",
        "sub/.hidden/d.xlsx",
        "notes.pdf",
    ]:
        (tmp_path / name).write_bytes(b"x")
    files, own = discover([tmp_path])
    # Every file is read or refused (the PDF too), except lock files and hidden folders.
    assert files == [
        tmp_path / ".x.xlsx",
        tmp_path / "a.xlsx",
        tmp_path / "notes.pdf",
        tmp_path / "sub" / "b.ODS",
        tmp_path / "sub" / "c.xls",
    ]
    assert own == []


def test_parallel_reading_keeps_file_order(tmp_path: Path, framework: Framework) -> None:
    one = make_return(tmp_path / "one.xlsx", framework, MIXED, POLICE)
    files = []
    for i in range(70):
        target = tmp_path / f"r{i:03}.xlsx"
        shutil.copy(one, target)
        files.append(target)
    returns = read_returns(files, framework, workers=2)
    assert [r.path for r in returns] == files
    assert sum(r.status is Status.SUPERSEDED for r in returns) == 69
