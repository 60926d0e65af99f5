"""The built workbook, reopened with openpyxl: sheets, headers, questions, validations,
protection, meta and print setup. Assertions are on the reopened file, never on bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx import __version__
from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from tests.libreoffice import convert


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Path:
    path = tmp_path_factory.mktemp("build") / "blank.xlsx"
    settings = BuildSettings(
        partnership="North Shire Partnership",
        deadline=dt.date(2027, 3, 31),
        contact="Jo Bloggs, jo.bloggs@northshire.gov.uk",
    )
    save_workbook(build_workbook(framework, settings=settings), path)
    return path


@pytest.fixture(scope="module")
def wb(built: Path) -> Workbook:
    return load_workbook(built)


def _sheet(wb: Workbook, name: str) -> Worksheet:
    ws = wb[name]
    assert isinstance(ws, Worksheet)
    return ws


def test_sheet_names_and_order(wb: Workbook, framework: Framework) -> None:
    assert wb.sheetnames == [
        "Start here",
        "1 Outcomes",
        "2 Use of resources",
        "3 Roles of partners",
        "4 Stakeholders",
        "5 Capacity building",
        "6 Good governance",
        "7 Risks and controls",
        "_lists",
        "_meta",
    ]
    assert _sheet(wb, "_meta").sheet_state == "hidden"
    assert _sheet(wb, "_lists").sheet_state == "hidden"
    assert wb.active is not None and wb.active.title == "Start here"


def test_header_row_has_exact_labels(wb: Workbook, framework: Framework) -> None:
    for theme in framework.themes:
        ws = _sheet(wb, theme.sheet_name)
        header = [c.value for c in ws[C.HEADER_ROW]]
        assert header == [
            "ID",
            "Question",
            "Rating",
            "Evidence",
            "Evidence source",
            "Improvement action",
            "Lead (post)",
            "Target date",
        ]
        assert ws["A1"].value == f"Theme {theme.number} of 7: {theme.title}"


def test_every_question_present_once_with_its_text(wb: Workbook, framework: Framework) -> None:
    seen: dict[str, str] = {}
    for theme in framework.themes:
        ws = _sheet(wb, theme.sheet_name)
        for row in ws.iter_rows(min_row=C.FIRST_DATA_ROW, max_col=2, values_only=True):
            qid, text = row
            assert qid not in seen
            seen[str(qid)] = str(text)
    assert seen == {q.id: q.text for q in framework.questions}


def test_sub_questions_are_indented(wb: Workbook, framework: Framework) -> None:
    ws = _sheet(wb, "2 Use of resources")
    rows = {str(r[0].value): r for r in ws.iter_rows(min_row=C.FIRST_DATA_ROW, max_col=2)}
    assert rows["T2.Q5"][1].alignment.indent == 0
    assert rows["T2.Q5a"][1].alignment.indent > 0
    assert rows["T2.Q5a"][1].alignment.horizontal == "left"


def test_rating_validation_fed_from_defined_name(wb: Workbook, framework: Framework) -> None:
    assert wb.defined_names[C.RATING_LIST_NAME].attr_text == "'_lists'!$A$2:$A$7"
    lists = _sheet(wb, "_lists")
    assert [lists.cell(row=r, column=1).value for r in range(2, 8)] == list(framework.labels)
    for theme in framework.themes:
        ws = _sheet(wb, theme.sheet_name)
        lists_dv = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert len(lists_dv) == 1
        dv = lists_dv[0]
        assert dv.formula1 == C.RATING_LIST_NAME
        assert dv.showErrorMessage and dv.showInputMessage
        assert dv.errorStyle == "stop"
        assert dv.error == "Choose a rating from the list."
        covered = {cell for rng in dv.sqref.ranges for cell in rng.cells}  # (row, col)
        rows = {
            str(ws.cell(row=r, column=1).value): r for r in range(C.FIRST_DATA_ROW, ws.max_row + 1)
        }
        assert covered == {(rows[q.id], 3) for q in theme.rated_questions}


def test_target_date_has_date_validation(wb: Workbook) -> None:
    ws = _sheet(wb, "1 Outcomes")
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert len(dates) == 1 and f"H{C.FIRST_DATA_ROW}" in dates[0].sqref


def test_unrated_stem_has_no_rating_cell(wb: Workbook) -> None:
    ws = _sheet(wb, "7 Risks and controls")
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == "T7.Q5")
    cell = ws.cell(row=row, column=3)
    assert cell.value == C.STEM_PLACEHOLDER
    assert cell.protection.locked
    dv = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert cell.coordinate not in dv.sqref


def test_locked_and_unlocked_cells_and_protection(wb: Workbook, framework: Framework) -> None:
    for theme in framework.themes:
        ws = _sheet(wb, theme.sheet_name)
        assert ws.protection.sheet
        assert ws.protection.password is None
        # False means "allowed" in openpyxl's SheetProtection.
        assert not ws.protection.sort and not ws.protection.autoFilter
        assert not ws.protection.formatColumns
        for r in range(C.FIRST_DATA_ROW, C.FIRST_DATA_ROW + len(theme.questions)):
            question = framework.by_id[str(ws.cell(row=r, column=1).value)]
            assert ws.cell(row=r, column=1).protection.locked
            assert ws.cell(row=r, column=2).protection.locked
            assert ws.cell(row=r, column=3).protection.locked is (not question.rated)
            for col in range(4, 9):
                assert not ws.cell(row=r, column=col).protection.locked
    start = _sheet(wb, "Start here")
    assert start.protection.sheet
    labels = {str(start.cell(row=r, column=1).value): r for r in range(1, start.max_row + 1)}
    for field in C.START_FIELDS:
        cell = start.cell(row=labels[field.label], column=2)
        assert cell.protection.locked is (not field.editable), field.label


def test_meta_values(wb: Workbook, framework: Framework) -> None:
    meta = _sheet(wb, "_meta")
    values = {
        str(meta.cell(row=r, column=1).value): meta.cell(row=r, column=2).value
        for r in range(2, meta.max_row + 1)
    }
    assert set(values) == set(C.META_KEYS)
    assert values["framework_id"] == "lsp-governance-2009"
    assert values["framework_version"] == "1"
    assert values["framework_hash"] == framework.hash
    assert values["tool_version"] == __version__
    assert values["partner_id"] is None and values["partner_name"] is None
    assert values["deadline"] == "2027-03-31"
    assert dt.datetime.fromisoformat(str(values["built_at"]).replace("Z", "+00:00"))


def test_print_titles_and_setup(wb: Workbook, framework: Framework) -> None:
    for theme in framework.themes:
        ws = _sheet(wb, theme.sheet_name)
        assert ws.print_title_rows == f"${C.HEADER_ROW}:${C.HEADER_ROW}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.freeze_panes == f"A{C.FIRST_DATA_ROW}"
        # Rows with wrapped text have their height set, so nothing overlaps when printed.
        for r in range(C.FIRST_DATA_ROW, C.FIRST_DATA_ROW + len(theme.questions)):
            assert ws.row_dimensions[r].height and ws.row_dimensions[r].height >= 20


def test_start_here_has_intro_scale_deadline_and_progress(
    wb: Workbook, framework: Framework
) -> None:
    ws = _sheet(wb, "Start here")
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "North Shire Partnership" in texts
    assert any(
        t.startswith("These questions should help local strategic partnership") for t in texts
    )
    assert any("Strategic: setting a vision" in t for t in texts)
    for option in framework.scale:
        assert option.label in texts and option.description in texts
    assert "Jo Bloggs, jo.bloggs@northshire.gov.uk" in texts
    formulas = [t for t in texts if t.startswith("=SUMPRODUCT(COUNTIF(")]
    assert len(formulas) == 7
    last = C.FIRST_DATA_ROW + len(framework.themes[1].questions) - 1
    assert f"'2 Use of resources'!$C${C.FIRST_DATA_ROW}:$C${last}" in formulas[1]


def test_personalised_workbook_carries_identity(framework: Framework, tmp_path: Path) -> None:
    partner = Partner("police", "North Shire Police", "Police", "Sam Patel", "sam@police.example")
    path = save_workbook(build_workbook(framework, partner), tmp_path / "p.xlsx")
    wb = load_workbook(path)
    meta = _sheet(wb, "_meta")
    values = {
        meta.cell(row=r, column=1).value: meta.cell(row=r, column=2).value for r in range(2, 14)
    }
    assert values["partner_id"] == "police"
    assert values["partner_name"] == "North Shire Police"
    start = _sheet(wb, "Start here")
    labels = {str(start.cell(row=r, column=1).value): r for r in range(1, start.max_row + 1)}
    assert start.cell(row=labels["Partner ID"], column=2).value == "police"
    assert start.cell(row=labels["Organisation"], column=2).value == "North Shire Police"


def test_formula_like_partner_names_stay_text(framework: Framework, tmp_path: Path) -> None:
    partner = Partner("evil", '=HYPERLINK("http://x")')
    path = save_workbook(build_workbook(framework, partner), tmp_path / "p.xlsx")
    start = _sheet(load_workbook(path), "Start here")
    cells = [c for row in start.iter_rows() for c in row if c.value == partner.name]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.libreoffice
def test_libreoffice_converts_the_workbook_to_pdf(built: Path, tmp_path: Path) -> None:
    pdf = convert(built, "pdf", tmp_path)
    head = pdf.read_bytes()[:5]
    assert head == b"%PDF-"
    assert pdf.stat().st_size > 20_000


@pytest.mark.libreoffice
def test_libreoffice_resave_keeps_validation_protection_and_meta(
    built: Path, tmp_path: Path
) -> None:
    resaved = convert(built, "xlsx", tmp_path / "lo")
    wb = load_workbook(resaved)
    ws = _sheet(wb, "2 Use of resources")
    assert ws.protection.sheet
    dv = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert dv.formula1 == C.RATING_LIST_NAME
    assert _sheet(wb, "_meta").sheet_state == "hidden"
    assert C.RATING_LIST_NAME in wb.defined_names
