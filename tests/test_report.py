"""The comparison workbook, reopened: sheets, headers, charts, and the safety rules."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from lsp_xlsx.compare.tables import Comparison, collate
from lsp_xlsx.compare.writer import SHEETS, save_comparison, write_comparison
from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from lsp_xlsx.workbook import contract as C
from tests.fill import make_return
from tests.libreoffice import convert

A = Partner("a", "Alpha Council", "Local government")
B = Partner("b", "=Beta Police", "Police")  # even a partner's name can look like a formula
INJECTIONS = ["=1+1", "+44 1632 960000", "-5 budget cut", "@SUM(A1)", '=HYPERLINK("http://x","y")']
LONG = "Long evidence. " * 3000  # 45,000 characters, more than a cell holds


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Comparison:
    folder = tmp_path_factory.mktemp("report")
    answers_a: dict[str, dict[str, Any]] = {
        q: {"rating": "3 - Performs well", "evidence": text}
        for q, text in zip(["T1.Q1", "T1.Q2", "T1.Q3", "T1.Q4", "T1.Q5"], INJECTIONS, strict=True)
    }
    answers_a["T2.Q1"] = {"rating": "2", "evidence": "Pasted from Word:\x0bline two\x01end"}
    answers_a["T1.Q6"] = {
        "rating": "1 - Performs poorly",
        "improvement_action": "=cmd|' /C calc'!A0",
    }
    answers_b = {"T1.Q1": {"rating": "1 - Performs poorly"}, "T2.Q1": {"rating": "4"}}
    a = make_return(folder / "a.xlsx", framework, answers_a, A)
    b = make_return(folder / "b.xlsx", framework, answers_b, B)
    refused = folder / "scan.xlsx"
    refused.write_bytes(b"%PDF-1.4")
    returns = read_returns([a, b, refused], framework)
    # An ODS or a LibreOffice cell can hold more than Excel's limit; the reader keeps it all.
    returns[0].responses["T3.Q1"].evidence = LONG
    return collate(
        returns, framework, [A, B, Partner("z", "Zeta Trust")], made_at="2027-04-01T00:00:00Z"
    )


@pytest.fixture(scope="module")
def saved(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_comparison(comparison, tmp_path_factory.mktemp("out") / "comparison.xlsx")


@pytest.fixture(scope="module")
def wb(saved: Path) -> Workbook:
    return load_workbook(saved)


FIRST_LABEL = {
    "Summary": "Theme",
    "Questions": "Theme",
    "Agenda": "#",
    "Evidence": "Partner",
    "Action plan": "Target date",
    "Returns": "Partner ID",
    "Findings": "File",
}


def header_row(wb: Workbook, sheet: str) -> int:
    """The sheet's header row: the first row below the title that starts with its label."""
    ws = wb[sheet]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == FIRST_LABEL[sheet]:
            return row
    raise AssertionError(f"no header row on {sheet}")


def _rows(wb: Workbook, sheet: str) -> list[dict[str, Any]]:
    ws = wb[sheet]
    start = header_row(wb, sheet)
    header = [c.value for c in ws[start]]
    return [
        dict(zip(header, (c.value for c in row), strict=False))
        for row in ws.iter_rows(min_row=start + 1)
        if any(c.value is not None for c in row)
    ]


def test_every_sheet_is_present_with_its_headers(wb: Workbook) -> None:
    assert tuple(wb.sheetnames) == SHEETS
    expected = {
        "Summary": [
            "Theme",
            "Alpha Council",
            "=Beta Police",
            "Partnership mean",
            "Min",
            "Max",
            "Spread",
            "Partners (n)",
        ],
        "Questions": [
            "Theme",
            "ID",
            "Question",
            "Alpha Council",
            "=Beta Police",
            "Answered",
            "Mean",
            "Median",
            "Min",
            "Max",
            "Spread",
            "Std dev",
            "Don't know",
            "Not applicable",
            "Agreement (r_wg)",  # issue 19: the disagreement measure, shown
            "Disagreement",
        ],
        "Agenda": [
            "#",
            "Theme",
            "ID",
            "Question",
            "Alpha Council",
            "=Beta Police",
            "Mean",
            "Spread",
            "Agreement (r_wg)",  # issue 19
            "Why discuss it",
        ],
        "Evidence": [
            "Partner",
            "Theme",
            "ID",
            "Question",
            "Rating",
            "Evidence",
            "Evidence source",
            "Other text from the partner",
        ],
        "Action plan": [
            "Target date",
            "Partner",
            "Theme",
            "ID",
            "Question",
            "Improvement action",
            "Lead (post)",
            "Rating",
        ],
        "Returns": [
            "Partner ID",
            "Partner",
            "Sector",
            "Status",
            "File",
            "Respondent",
            "Completed",
            "Answered",
            "Rated questions",
            "% answered",
            "Findings",
        ],
        "Findings": (["File", "Sheet", "Cell", "Severity", "Code", "Message"]),
    }
    for sheet, labels in expected.items():
        row = header_row(wb, sheet)
        assert [c.value for c in wb[sheet][row] if c.value is not None] == labels, sheet


def test_summary_values_and_heat_map(wb: Workbook, comparison: Comparison) -> None:
    ws = wb["Summary"]
    rows = _rows(wb, "Summary")
    first = rows[0]
    assert first["Theme"] == "1 Outcomes"
    assert first["Alpha Council"] == pytest.approx(comparison.theme_scores.loc["T1", "a"])
    assert first["=Beta Police"] == 1
    first_row = header_row(wb, "Summary") + 1
    assert ws.cell(row=first_row, column=2).number_format == "0.0"
    ranges = [str(r.sqref) for r in ws.conditional_formatting]
    # both partners and the partnership mean, all seven themes and "All themes"
    assert f"B{first_row}:D{first_row + 7}" in ranges


def test_charts_exist_and_reference_the_theme_rows(wb: Workbook) -> None:
    charts = wb["Summary"]._charts
    assert [type(c).__name__ for c in charts] == ["BarChart", "RadarChart"]
    bar, radar = charts
    a, b = header_row(wb, "Summary") + 1, header_row(wb, "Summary") + 7  # the seven themes
    assert bar.series[0].val.numRef.f == f"'Summary'!$D${a}:$D${b}"
    categories = bar.series[0].cat
    assert (categories.numRef or categories.strRef).f == f"'Summary'!$A${a}:$A${b}"
    refs = [s.val.numRef.f for s in radar.series]
    assert refs == [f"'Summary'!${c}${a}:${c}${b}" for c in "BCD"]


def test_injection_strings_come_back_as_text(wb: Workbook) -> None:
    ws = wb["Evidence"]
    found = {c.value: c for row in ws.iter_rows() for c in row if c.value in INJECTIONS}
    assert set(found) == set(INJECTIONS)
    assert all(c.data_type == "s" for c in found.values())
    names = [c for row in wb["Summary"].iter_rows() for c in row if c.value == "=Beta Police"]
    assert names and all(c.data_type == "s" for c in names)
    action = [
        c for row in wb["Action plan"].iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"
    ]
    assert len(action) == 1 and action[0].data_type == "s"


def test_control_characters_are_replaced_in_the_workbook_and_kept_in_the_csv(
    wb: Workbook, comparison: Comparison
) -> None:
    cells = [
        c.value
        for row in wb["Evidence"].iter_rows()
        for c in row
        if str(c.value).startswith("Pasted")
    ]
    assert cells == ["Pasted from Word:\nline two\ufffdend"]
    tidy = comparison.responses
    kept = tidy.loc[
        (tidy["partner_id"] == "a") & (tidy["question_id"] == "T2.Q1"), "evidence"
    ].item()
    assert kept == "Pasted from Word:\x0bline two\x01end"
    replaced = [f for f in comparison.findings if f.code is Code.TEXT_CHARACTERS_REPLACED]
    assert [(f.sheet, f.cell) for f in replaced] == [("2 Use of resources", f"D{C.FIRST_DATA_ROW}")]


def test_over_long_text_is_cut_visibly_with_a_finding(wb: Workbook, comparison: Comparison) -> None:
    cut = [
        c.value
        for row in wb["Evidence"].iter_rows()
        for c in row
        if str(c.value).startswith("Long evidence.")
    ]
    assert len(cut) == 1
    assert len(cut[0]) == EXCEL_CELL_LIMIT
    assert cut[0].endswith("[truncated: full text in responses.csv]")
    findings = [f for f in comparison.findings if f.code is Code.TEXT_TRUNCATED]
    assert len(findings) == 1 and "45,000 characters" in findings[0].message
    tidy = comparison.responses
    assert (
        tidy.loc[(tidy["partner_id"] == "a") & (tidy["question_id"] == "T3.Q1"), "evidence"].item()
        == LONG
    )
    messages = [r["Message"] for r in _rows(wb, "Findings")]
    assert findings[0].message in messages


def test_returns_sheet_lists_refused_and_not_returned(wb: Workbook) -> None:
    rows = {(r["Partner"], r["Status"]) for r in _rows(wb, "Returns")}
    assert ("Zeta Trust", "not returned") in rows
    refused = [r for r in _rows(wb, "Returns") if r["Status"] == "refused"]
    assert len(refused) == 1 and str(refused[0]["File"]).endswith("scan.xlsx")
    findings = [r for r in _rows(wb, "Findings") if r["Code"] == "refused-not-spreadsheet"]
    assert len(findings) == 1


def test_about_names_framework_and_inputs(
    wb: Workbook, comparison: Comparison, framework: Framework
) -> None:
    values = [c.value for row in wb["About"].iter_rows() for c in row if c.value is not None]
    assert framework.hash in values and framework.id in values and "2027-04-01T00:00:00Z" in values
    inputs = [c.value for row in wb["Input files"].iter_rows() for c in row if c.value is not None]
    for ret in comparison.returns:
        assert ret.file in inputs and ret.sha256 in inputs


def test_same_inputs_give_the_same_cells(comparison: Comparison) -> None:
    def cells(wb: Workbook) -> list[Any]:
        return [[c.value for row in wb[s].iter_rows() for c in row] for s in wb.sheetnames]

    def reopen(data: bytes) -> Workbook:
        return load_workbook(io.BytesIO(data))

    assert cells(reopen(write_comparison(comparison))) == cells(
        reopen(write_comparison(comparison))
    )


@pytest.mark.libreoffice
def test_libreoffice_converts_the_comparison_to_pdf(saved: Path, tmp_path: Path) -> None:
    pdf = convert(saved, "pdf", tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.libreoffice
def test_libreoffice_shows_injection_strings_as_the_same_characters(
    saved: Path, tmp_path: Path
) -> None:
    resaved = load_workbook(convert(saved, "xlsx", tmp_path / "lo"))
    values = {c.value for row in resaved["Evidence"].iter_rows() for c in row}
    assert set(INJECTIONS) <= values


def test_subtitles_are_whole_lines_that_print_in_full(wb: Workbook) -> None:
    for sheet in FIRST_LABEL:
        ws = wb[sheet]
        top = header_row(wb, sheet)
        width = sum(
            ws.column_dimensions[get_column_letter(c)].width or 8.43
            for c in range(1, ws.max_column + 1)
        )
        for row in range(2, top):
            cell = ws.cell(row=row, column=1)
            if cell.value is None:
                continue
            assert not cell.alignment.wrap_text, (sheet, row)  # runs on; never cut in a cell
            assert len(str(cell.value)) <= min(105, width * 1.05), (sheet, cell.value)
            assert all(ws.cell(row=row, column=c).value is None for c in range(2, 8))
