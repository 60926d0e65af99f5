"""The command line: help, version, exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx import __version__
from lsp_xlsx.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"lsp-xlsx, version {__version__}\n"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert f"lsp-xlsx {command}" in result.output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"lsp-xlsx {command}" in README.read_text(encoding="utf-8")


def test_build_writes_the_workbook_and_prints_its_path(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "wb.xlsx"
    result = CliRunner().invoke(
        cli, ["build", "-o", str(out), "--deadline", "31/03/2027", "--title", "Our review"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}\n"
    wb = load_workbook(out)
    assert wb["Start here"]["A1"].value == "Our review"


def test_build_default_output_is_in_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert result.output == "outputs/lsp-self-assessment.xlsx\n"
    assert (tmp_path / "outputs" / "lsp-self-assessment.xlsx").is_file()


def test_bad_deadline_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", "-o", str(tmp_path / "x.xlsx"), "--deadline", "soon"]
    )
    assert result.exit_code == 2
    assert "'soon' is not a date. Use 2027-03-31 or 31/03/2027." in result.output


def test_broken_framework_is_reported_without_a_traceback(
    framework_copy: Path, tmp_path: Path
) -> None:
    path = framework_copy / "questions.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("T1.Q2,T1,", "T1.Q1,T1,"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["build", "--framework", str(framework_copy), "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "questions.csv, line 3, column 'id': the id 'T1.Q1' is used again (first on line 2). "
        "Give every row its own id." in result.output
    )
    assert not (tmp_path / "x.xlsx").exists()


def test_framework_warnings_go_to_stderr(framework_copy: Path, tmp_path: Path) -> None:
    path = framework_copy / "scale.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("score,label", "scor,label"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["build", "--framework", str(framework_copy), "-o", str(tmp_path / "x.xlsx")]
    )
    # 'score' is optional, so an unknown 'scor' column warns; but then no option has a score.
    assert result.exit_code == 1
    assert "Did you mean 'score'?" in result.output
