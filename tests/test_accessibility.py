"""Every workbook the tool writes meets the accessible-spreadsheet basics; each rule bites."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from lsp_xlsx.cli import cli
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import Status
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.workbook import contract as C
from tests.accessibility import problems
from tests.fill import full_answers, make_return
from tests.libreoffice import convert

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A comparison of four partners: quick to break and check, rule by rule."""
    out = tmp_path_factory.mktemp("small")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "4"])
    assert result.exit_code in (0, 1), result.output
    return out / "comparison.xlsx"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "8"])
    assert result.exit_code in (0, 1), result.output
    return out


@pytest.mark.slow  # checks every cell of a full demo's workbooks
def test_the_blank_workbook_meets_every_rule(demo: Path) -> None:
    assert problems(demo / "lsp-self-assessment.xlsx") == []


def test_a_personalised_copy_meets_every_rule(tmp_path: Path, framework: Framework) -> None:
    partners = tmp_path / "partners.csv"
    partners.write_text(
        'partner_id,name\nhub,"The ""Hub"" Trust, a very long name for a partner organisation"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["build", "--partners", str(partners), "--out-dir", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    [copy] = sorted((tmp_path / "out").glob("*.xlsx"))
    assert problems(copy) == []


@pytest.mark.slow  # checks every cell of a full demo's workbooks
def test_filled_returns_meet_every_rule(demo: Path) -> None:
    for path in sorted((demo / "returns").glob("*.xlsx")):
        assert problems(path) == [], path.name


@pytest.mark.slow  # checks every cell of a full demo's workbooks
def test_the_comparison_workbook_meets_every_rule(demo: Path) -> None:
    assert problems(demo / "comparison.xlsx") == []


@pytest.mark.libreoffice
def test_a_libreoffice_resave_of_a_return_meets_every_rule(
    tmp_path: Path, framework: Framework
) -> None:
    path = make_return(
        tmp_path / "r.xlsx", framework, full_answers(framework), Partner("police", "Police")
    )
    resaved = convert(path, "xlsx", tmp_path / "lo")
    assert problems(resaved) == []


def test_a_return_built_before_this_layout_still_reads(framework: Framework) -> None:
    ret = read_return(DATA / "return-contract-v1.xlsx", framework)
    assert ret.status is Status.ERRORS  # the "Good" typed over the dropdown, nothing else
    assert [f.code for f in ret.findings] == ["rating-unrecognised"]
    assert ret.findings[0].cell == "C5"  # version 1's second question row
    assert ret.partner_id == "police" and ret.respondent.name == "Sam Patel"
    rated = framework.rated_questions
    assert ret.responses[rated[0].id].rating_label == framework.labels[0]
    assert ret.responses[rated[2].id].rating_label == framework.labels[2]
    assert ret.responses[rated[5].id].evidence == f"Evidence for {rated[5].id}"
    assert ret.responses[rated[5].id].target_date == "2027-06-30"
    assert ret.answered == len(rated) - 1


# --- Each rule bites: a workbook broken on purpose fails it ---------------------------------


def _break(source: Path, target: Path, change: Callable[[Any], None]) -> Path:
    wb = load_workbook(source)
    change(wb)
    wb.save(target)
    return target


def _merge(wb: Any) -> None:
    wb["Summary"].merge_cells("A2:D2")


def _untitle(wb: Any) -> None:
    wb["Agenda"]["A1"].value = None


def _plain_title(wb: Any) -> None:
    wb["Agenda"]["A1"].font = Font(name="Arial", size=10)


def _rename(wb: Any) -> None:
    wb["About"].title = "Sheet2"


def _contents_last(wb: Any) -> None:
    wb.move_sheet("Contents", offset=len(wb.sheetnames))


def _no_table(wb: Any) -> None:
    ws = wb["Questions"]
    for name in list(ws.tables):
        del ws.tables[name]


def _default_table_name(wb: Any) -> None:
    ws = wb["Findings"]
    [table] = ws.tables.values()
    table.displayName = table.name = "Table1"


def _note_below(wb: Any) -> None:
    ws = wb["Returns"]
    ws.cell(row=ws.max_row + 2, column=1).value = "A note below the table"


def _blank_row(wb: Any) -> None:
    ws = wb["Evidence"]
    [table] = ws.tables.values()
    row = int(re.findall(r"\d+", table.ref)[0]) + 2
    for cell in ws[row]:
        cell.value = None


def _dark_fill(wb: Any) -> None:
    # The first cell with text in column B: the sheet's subtitle may run over several rows.
    ws = wb["Returns"]
    cell = next(c for c in ws["B"][1:] if c.value not in (None, ""))
    cell.fill = PatternFill("solid", fgColor="333333")
    cell.font = Font(name="Arial", size=10, color="000000")


def _no_language(wb: Any) -> None:
    wb.properties.language = None


def _creator(wb: Any) -> None:
    wb.properties.creator = "openpyxl"


def _active_third(wb: Any) -> None:
    wb.active = 2


def _silent_dropdown(wb: Any) -> None:
    ws = wb["Notes"]
    ws.add_data_validation(DataValidation(type="list", formula1='"a,b"', sqref="C5"))


def _small_text(wb: Any) -> None:
    wb["Notes"]["B6"].font = Font(name="Arial", size=8)


def _serif(wb: Any) -> None:
    wb["Notes"]["B6"].font = Font(name="Times New Roman", size=10)


def _cut_off(wb: Any) -> None:
    ws = wb["Notes"]
    ws["B6"].value = "A note far longer than one line of its column can show. " * 6
    ws.row_dimensions[6].height = 13


def _hidden(wb: Any) -> None:
    wb["Input files"].sheet_state = "hidden"


BREAKS = [
    ("1", _untitle),
    ("1", _plain_title),
    ("1", _rename),
    ("2", _contents_last),
    ("3", _merge),
    ("4", _no_table),
    ("4", _default_table_name),
    ("4", _note_below),
    ("4", _blank_row),
    ("5", _dark_fill),
    ("7", _no_language),
    ("7", _creator),
    ("8", _active_third),
    ("9", _silent_dropdown),
    ("10", _small_text),
    ("10", _serif),
    ("10", _cut_off),
    ("11", _hidden),
]


@pytest.mark.slow  # each loads, breaks and checks a whole comparison workbook
@pytest.mark.parametrize(("rule", "change"), BREAKS, ids=[f.__name__ for _, f in BREAKS])
def test_each_rule_bites(
    small: Path, tmp_path: Path, rule: str, change: Callable[[Any], None]
) -> None:
    broken = _break(small, tmp_path / "broken.xlsx", change)
    found = problems(broken)
    assert any(p.startswith(f"{rule}: ") for p in found), found


@pytest.mark.slow
def test_the_alt_text_rule_bites(demo: Path, tmp_path: Path) -> None:
    source = demo / "comparison.xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/drawings/"):
                data = re.sub(rb'\sdescr="[^"]*"', b"", data)
            dst.writestr(info, data)
    broken = tmp_path / "no-alt.xlsx"
    broken.write_bytes(out.getvalue())
    assert [p for p in problems(broken) if p.startswith("6: ")] == [
        "6: a chart in xl/drawings/drawing1.xml has no alt text"
    ] * 2
    assert problems(source) == []


def test_the_hidden_sheet_note_bites(demo: Path, tmp_path: Path) -> None:
    def drop_note(wb: Any) -> None:
        ws = wb["Start here"]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "hidden sheets" in cell.value:
                    cell.value = "Save it and send it back."

    broken = _break(demo / "lsp-self-assessment.xlsx", tmp_path / "b.xlsx", drop_note)
    assert "11: 'Start here' does not say the hidden sheet '_lists' is there" in problems(broken)


def test_dropdowns_say_what_to_choose(demo: Path) -> None:
    wb = load_workbook(demo / "lsp-self-assessment.xlsx")
    ws = wb["1 Outcomes"]
    [rating] = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert rating.prompt.startswith("Choose from the list: ")
    assert rating.error == "Choose a rating from the list."
    assert f"C{C.FIRST_DATA_ROW}" in rating.sqref
