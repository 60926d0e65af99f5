"""`lsp-xlsx check` end to end: the table, the findings, JSON and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from tests.fill import full_answers, make_return


@pytest.fixture
def folder(tmp_path: Path, framework: Framework) -> Path:
    root = tmp_path / "returns"
    make_return(
        root / "police.xlsx", framework, full_answers(framework), Partner("police", "Police")
    )
    make_return(
        root / "nested" / "fire.xlsx",
        framework,
        {"T1.Q1": {"rating": "Good"}},
        Partner("fire", "Fire and Rescue"),
    )
    (root / "nested" / "~$fire.xlsx").write_bytes(b"lock")
    (root / "scan.xlsx").write_bytes(b"%PDF-1.4 renamed")
    return root


def test_check_reports_every_file_and_exits_1_on_problems(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["File", "Partner", "Status", "Answered"]
    body = "\n".join(lines[2:5])
    assert f"{folder}/nested/fire.xlsx" in body and "errors" in body and "0/59" in body
    assert f"{folder}/police.xlsx" in body and "59/59" in body
    assert f"{folder}/scan.xlsx" in body and "refused" in body
    assert "~$fire" not in result.output
    assert (
        f"  ERROR    {folder}/nested/fire.xlsx, sheet '1 Outcomes', cell C{C.FIRST_DATA_ROW}: the rating 'Good' "
        "is not on the scale" in result.output
    )
    assert (
        f"  ERROR    {folder}/scan.xlsx: refused: this is not a spreadsheet but a PDF document."
        in (result.output)
    )
    assert (
        lines[-1]
        == "3 files: 1 ok, 1 with errors, 1 refused. Findings: 2 errors, 0 warnings, 0 notes."
    )


def test_check_exits_0_when_all_is_well(tmp_path: Path, framework: Framework) -> None:
    path = make_return(tmp_path / "p.xlsx", framework, full_answers(framework), Partner("p", "P"))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1] == "1 file: 1 ok. Findings: 0 errors, 0 warnings, 0 notes."
    )


def test_check_json(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [f["status"] for f in data["files"]] == ["errors", "ok", "refused"]
    assert data["files"][1]["answered"] == 59 and data["files"][1]["partner_id"] == "police"
    assert {f["code"] for f in data["findings"]} == {
        "rating-unrecognised",
        "refused-not-spreadsheet",
    }
    assert (
        data["findings"][0]["cell"] == f"C{C.FIRST_DATA_ROW}"
        and data["findings"][0]["sheet"] == "1 Outcomes"
    )
    assert data["exit_code"] == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "Missing argument 'PATHS...'"),
        (["nowhere/"], "does not exist"),
        (["x", "--format", "xml"], "'xml' is not one of 'table', 'json'"),
    ],
)
def test_check_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x").write_bytes(b"")
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exit_code == 2
    assert words in result.output


def test_check_limit_options(folder: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", str(folder / "police.xlsx"), "--max-file-size", "100"]
    )
    assert result.exit_code == 1
    assert "over the limit of 100" in result.output


def test_check_with_partners_lists_who_has_not_returned(folder: Path, tmp_path: Path) -> None:
    partners = tmp_path / "partners.csv"
    partners.write_text(
        "partner_id,name\npolice,Police\nfire,Fire and Rescue\nnhs,NHS Trust\nvcs,Voluntary Action\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", str(folder), "--partners", str(partners)])
    assert "Not returned (2):\n  NHS Trust (nhs)\n  Voluntary Action (vcs)\n" in result.output
    assert result.output.rstrip().endswith("Not returned: 2 of 4 partners.")
    data = json.loads(
        CliRunner()
        .invoke(cli, ["check", str(folder), "--partners", str(partners), "--format", "json"])
        .output
    )
    assert data["not_returned"] == [
        {"partner_id": "nhs", "partner": "NHS Trust"},
        {"partner_id": "vcs", "partner": "Voluntary Action"},
    ]
    assert data["counts"] == {
        "files": 3,
        "ok": 1,
        "warnings": 0,
        "errors": 1,
        "refused": 1,
        "superseded": 0,
        "held": 0,
        "incomplete": 1,
        "not_returned": 2,
    }
    assert len(data["files"]) == data["counts"]["files"]
