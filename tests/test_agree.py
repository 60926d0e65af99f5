"""The Agreed sheet and lsp-xlsx agree: what the board types comes back exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.framework.model import Framework
from tests.accessibility import problems
from tests.libreoffice import convert

TYPED = {
    # question row (0-based among rated questions): (rating, action, lead, date)
    0: (
        "2 - Performs adequately",
        "=Refresh the SCS with all partners",
        "Head of Policy",
        dt.datetime(2027, 9, 30),
    ),
    3: ("Good", "Agree a shared risk register\nand review it yearly", "LSP Manager", None),
    5: ("3", "", "", None),
    7: ("4 - Performs excellently", "@Board: keep going", "Board Chair", dt.datetime(2027, 6, 1)),
}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("agree")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "6"])
    assert result.exit_code in (0, 1), result.output
    return out / "comparison.xlsx"


def _fill(source: Path, target: Path) -> Path:
    wb = load_workbook(source)
    ws = wb[A.SHEET]
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: c.column for c in ws[header]}
    for offset, (rating, action, lead, date) in TYPED.items():
        row = header + 1 + offset
        ws.cell(row=row, column=col["Agreed rating"]).value = rating
        for label, value in (("Agreed action", action), ("Lead (post)", lead)):
            cell = ws.cell(row=row, column=col[label])
            cell.value = value or None
            cell.data_type = "s"  # typed text, even "=..."
        ws.cell(row=row, column=col["Target date"]).value = date
    wb.save(target)
    return target


def test_the_agreed_sheet_offers_the_scale_and_unlocks_only_the_inputs(
    comparison: Path, framework: Framework
) -> None:
    ws = load_workbook(comparison)[A.SHEET]
    assert ws.protection.sheet
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    labels = [c.value for c in ws[header]]
    assert labels == [c.label for c in A.COLUMNS]
    first = ws[header + 1]
    locked = {labels[i]: first[i].protection.locked for i in range(len(labels))}
    assert [k for k, v in locked.items() if not v] == [
        c.label for c in A.COLUMNS if c.key in A.INPUT_KEYS
    ]
    [rating] = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert rating.formula1 == A.RATING_LIST_NAME and rating.showErrorMessage
    rows = ws.max_row - header
    assert rows == len(framework.rated_questions)


def _check_outputs(out: Path, framework: Framework) -> None:
    agreed = pd.read_csv(out / "agreed.csv", dtype=str, keep_default_na=False)
    assert list(agreed.columns)[:10] == [
        "theme_id",
        "question_id",
        "question",
        "agreed_rating",
        "agreed_label",
        "mean",
        "spread",
        "action",
        "lead",
        "target_date",
    ]
    assert len(agreed) == len(framework.rated_questions)
    rated = framework.rated_questions
    by_id = agreed.set_index("question_id")
    first = by_id.loc[rated[0].id]
    assert (first["agreed_rating"], first["agreed_label"]) == ("2", "2 - Performs adequately")
    assert (
        first["action"] == "=Refresh the SCS with all partners"
        and first["target_date"] == "2027-09-30"
    )
    typed_over = by_id.loc[rated[3].id]
    assert (typed_over["agreed_rating"], typed_over["agreed_raw"]) == ("", "Good")
    assert typed_over["action"] == "Agree a shared risk register\nand review it yearly"
    assert by_id.loc[rated[5].id]["agreed_label"] == "3 - Performs well"
    untouched = by_id.loc[rated[1].id]
    assert (untouched["agreed_label"], untouched["action"]) == ("", "")
    plan = load_workbook(out / "improvement-plan.xlsx")["Improvement plan"]
    rows = [[c.value for c in row] for row in plan.iter_rows(min_row=4)]
    dates = [r[0].date().isoformat() if r[0] else "" for r in rows]
    assert dates == ["2027-06-01", "2027-09-30", ""]  # by date, undated last
    assert rows[0][4] == "@Board: keep going" and rows[0][6] == "4 - Performs excellently"
    assert rows[1][4] == "=Refresh the SCS with all partners"
    assert rows[2][6] == "Good"  # kept as typed
    assert problems(out / "improvement-plan.xlsx") == []


def test_agree_reads_back_exactly_what_was_typed(
    comparison: Path, tmp_path: Path, framework: Framework
) -> None:
    filled = _fill(comparison, tmp_path / "workshop.xlsx")
    result = CliRunner().invoke(cli, ["agree", str(filled), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # "Good" is not on the scale: reported
    assert "the rating 'Good' is not on the scale" in result.output
    assert "3 agreed ratings and 3 actions read." in result.output
    _check_outputs(tmp_path / "out", framework)


@pytest.mark.libreoffice
def test_agree_reads_a_libreoffice_resave(
    comparison: Path, tmp_path: Path, framework: Framework
) -> None:
    filled = _fill(comparison, tmp_path / "workshop.xlsx")
    for fmt in ("xlsx", "ods"):
        resaved = convert(filled, fmt, tmp_path / f"lo-{fmt}")
        result = CliRunner().invoke(cli, ["agree", str(resaved), "-o", str(tmp_path / fmt)])
        assert result.exit_code == 1, result.output
        _check_outputs(tmp_path / fmt, framework)


def test_agree_refuses_a_file_that_is_no_comparison(tmp_path: Path) -> None:
    path = tmp_path / "minutes.xlsx"
    path.write_bytes(b"%PDF-1.4 minutes")
    result = CliRunner().invoke(cli, ["agree", str(path)])
    assert result.exit_code == 1
    assert "refused: this is not a spreadsheet but a PDF document" in result.output
    assert not (tmp_path / "agreed.csv").exists()
