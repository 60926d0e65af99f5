"""collate and demo end to end through the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.compare.tables import TIDY_COLUMNS
from lsp_xlsx.compare.writer import SHEETS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "8", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_everything_and_says_so(demo: tuple[Path, str]) -> None:
    out, output = demo
    for name in ("lsp-self-assessment.xlsx", "partners.csv", "comparison.xlsx", "responses.csv"):
        assert (out / name).is_file(), name
    assert f"Comparison workbook: {out}/comparison.xlsx" in output
    assert f"Every answer (CSV):  {out}/responses.csv" in output
    assert "Not returned (late): North Shire Fire and Rescue Service" in output
    # Issue 25: the demo has partners with several respondents, so a Respondents sheet follows Groups.
    at = SHEETS.index("Groups") + 1
    expected = (*SHEETS[:at], "Respondents", *SHEETS[at:])
    assert tuple(load_workbook(out / "comparison.xlsx").sheetnames) == expected


def test_demo_has_a_partial_a_typed_over_and_a_superseded_return(demo: tuple[Path, str]) -> None:
    _, output = demo
    assert "superseded" in output
    assert "the rating 'Good' is not on the scale" in output
    assert re.search(
        r"North Shire Community Health NHS Trust \(community-health\)  incomplete  \d\d/59", output
    )


def test_demo_collects_its_returns_from_saved_e_mails(demo: tuple[Path, str]) -> None:
    import csv

    out, output = demo
    mails = sorted((out / "mail").glob("*.eml"))
    returns = sorted(p.name for p in (out / "returns").glob("*.xlsx"))
    assert len(mails) == len(returns)
    line = (
        f"Collected by mail:   {out}/collected/ ({len(returns)} returns from {len(mails)} e-mails"
    )
    assert line in output
    with (out / "collected" / "collected.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["attachment"] for r in rows) == returns
    assert {r["outcome"] for r in rows} == {"return"}
    assert all(r["saved_file"].startswith(f"{r['partner']}--2027-03-") for r in rows)


def test_demo_is_reproducible(demo: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo
    again = CliRunner().invoke(cli, ["demo", "-o", str(tmp_path), "--partners", "8", "--seed", "3"])
    assert again.exit_code == 0
    first = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    second = pd.read_csv(tmp_path / "responses.csv", dtype=str, keep_default_na=False)
    columns = [c for c in TIDY_COLUMNS if c not in ("source_file", "source_sha256")]
    pd.testing.assert_frame_equal(first[columns], second[columns])


def test_collate_with_partners_writes_outputs_and_follows_check_exit_rules(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = demo
    target = tmp_path / "board" / "comparison.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "collate",
            str(out / "returns"),
            "--partners",
            str(out / "partners.csv"),
            "-o",
            str(target),
        ],
    )
    # The demo's typed-over rating is an error finding, so the exit status is 1 ...
    assert result.exit_code == 1, result.output
    # ... but the outputs are written all the same.
    assert target.is_file() and (tmp_path / "board" / "responses.csv").is_file()
    assert result.output.rstrip().endswith(
        f"Comparison workbook: {target}\nEvery answer (CSV):  {tmp_path}/board/responses.csv\n"
        f"Board paper (Word):  {tmp_path}/board/board-paper.docx"
    )
    returns = load_workbook(target)["Returns"]
    statuses = [c.value for c in returns["D"]]
    assert "not returned" in statuses


def test_collate_responses_option(demo: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo
    csv = tmp_path / "all.csv"
    result = CliRunner().invoke(
        cli,
        ["collate", str(out / "returns"), "-o", str(tmp_path / "c.xlsx"), "--responses", str(csv)],
    )
    assert result.exit_code == 1
    assert tuple(pd.read_csv(csv, nrows=1).columns) == TIDY_COLUMNS


def test_collate_writes_nothing_when_no_return_is_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    result = CliRunner().invoke(cli, ["collate", str(bad), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 1
    assert "No return could be read, so nothing was written." in result.output
    assert not (tmp_path / "c.xlsx").exists()


def test_collate_reports_a_broken_partners_file(demo: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo
    partners = tmp_path / "partners.csv"
    partners.write_text("partner_id,name\nx,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["collate", str(out / "returns"), "--partners", str(partners)])
    assert result.exit_code == 1
    assert "partners.csv, line 2, column 'name': the partner 'x' has no name." in result.output
    assert "Traceback" not in result.output
