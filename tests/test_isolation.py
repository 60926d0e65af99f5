"""One hostile return can never take the run down (issue 10, section 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from lsp_xlsx.returns.model import Status
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.workbook import contract as C
from tests.fill import full_answers, make_return, rewrite_zip

THEME_PART = "xl/worksheets/sheet2.xml"  # "1 Outcomes"
META_PART = "xl/worksheets/sheet10.xml"  # "_meta"


@pytest.fixture
def folder(tmp_path: Path, framework: Framework) -> Path:
    """Two good returns, for partners that hostile files never claim to be."""
    root = tmp_path / "returns"
    for pid in ("police", "fire"):
        make_return(root / f"{pid}.xlsx", framework, full_answers(framework), Partner(pid, pid))
    return root


def _hostile(folder: Path, name: str, part: str, change: bytes, framework: Framework) -> Path:
    """A return for 'nhs' with ``change`` put at the end of one part's sheet data."""
    base = make_return(
        folder.parent / "base.xlsx", framework, full_answers(framework), Partner("nhs", "NHS")
    )

    def edit(part_name: str, data: bytes) -> bytes:
        if part_name == part:
            return data.replace(b"</sheetData>", change + b"</sheetData>")
        return data

    return rewrite_zip(base, folder / name, edit)


def _collate(folder: Path, out: Path, *extra: str) -> object:
    return CliRunner().invoke(cli, ["collate", str(folder), "-o", str(out / "c.xlsx"), *extra])


def _read_all_but_one(result: object, folder: Path, out: Path, refused: str, code: Code) -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert f"ERROR    {folder / refused}: refused: " in result.output  # type: ignore[attr-defined]
    tidy = pd.read_csv(out / "responses.csv")
    assert sorted(set(tidy["partner_id"])) == ["fire", "police"]
    assert (out / "c.xlsx").is_file()
    findings = pd.read_excel(out / "c.xlsx", sheet_name="Findings", header=None, engine="calamine")
    assert str(code) in set(findings[4].astype(str))


@pytest.mark.parametrize(
    ("part", "corner"),
    [(THEME_PART, "XFD1048576"), (META_PART, "XFD1048576"), (THEME_PART, "H1048576")],
)
def test_a_cell_at_the_far_corner_is_refused_and_the_run_goes_on(
    folder: Path, tmp_path: Path, framework: Framework, part: str, corner: str
) -> None:
    row = re.sub(r"[A-Z]", "", corner)
    cell = f'<row r="{row}"><c r="{corner}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    _hostile(folder, "corner.xlsx", part, cell, framework)
    result = _collate(folder, tmp_path / "out")
    _read_all_but_one(result, folder, tmp_path / "out", "corner.xlsx", Code.REFUSED_TOO_MANY_CELLS)
    assert f"reaches cell {corner}" in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("-1000000000000", "outside the range of any date"),
        ("99999999999", "outside the range of any date"),
        ("NaN", "not a number (NaN)"),
        ("INF", "infinity"),
        ("-INF", "infinity"),
    ],
)
def test_numbers_no_date_can_be_are_kept_as_typed_with_a_warning(
    tmp_path: Path, framework: Framework, value: str, why: str
) -> None:
    target = f"H{C.FIRST_DATA_ROW}"

    def edit(part: str, data: bytes) -> bytes:
        if part != THEME_PART:
            return data
        return re.sub(
            rb'<c r="' + target.encode() + rb'" s="(\d+)"[^>]*?(?:/>|></c>)',
            rb'<c r="' + target.encode() + rb'" s="\1"><v>' + value.encode() + rb"</v></c>",
            data,
        )

    base = make_return(tmp_path / "b.xlsx", framework, full_answers(framework), Partner("p", "P"))
    path = rewrite_zip(base, tmp_path / "x.xlsx", edit)
    [ret] = read_returns([path], framework)
    assert ret.status is Status.WARNINGS, ret.findings
    [warning] = [f for f in ret.findings if f.code is Code.NUMBER_NOT_A_DATE]
    assert warning.cell == target and warning.params["why"] == why
    assert ret.responses["T1.Q1"].target_date == warning.params["raw"]
    assert ret.answered == len(framework.rated_questions)  # the rest of the file is read


def test_other_dates_still_read_when_one_cell_is_out_of_range(
    tmp_path: Path, framework: Framework
) -> None:
    import datetime as dt

    answers = full_answers(framework)
    answers["T1.Q2"]["target_date"] = dt.datetime(2027, 6, 30)
    base = make_return(tmp_path / "b.xlsx", framework, answers, Partner("p", "P"))
    target = f"H{C.FIRST_DATA_ROW}".encode()

    def edit(part: str, data: bytes) -> bytes:
        if part != THEME_PART:
            return data
        return re.sub(
            rb'<c r="' + target + rb'" s="(\d+)"[^>]*?(?:/>|></c>)',
            rb'<c r="' + target + rb'" s="\1"><v>-1e12</v></c>',
            data,
        )

    [ret] = read_returns([rewrite_zip(base, tmp_path / "x.xlsx", edit)], framework)
    assert ret.responses["T1.Q2"].target_date == "2027-06-30"


@pytest.mark.slow  # real worker processes reading large files
def test_crafted_xml_is_read_in_linear_time(
    folder: Path, tmp_path: Path, framework: Framework
) -> None:
    # 100,000 copies: a quadratic scan takes minutes; the limit below is 20 seconds.
    junk = b"<!--<f>-->" + b'<!--<c r="A1">-->' * 100_000
    _hostile(folder, "crafted.xlsx", THEME_PART, junk, framework)
    limits = Limits(max_seconds=20, max_ratio=10_000)  # the junk compresses very well
    files = sorted(folder.glob("*.xlsx"))
    returns = read_returns(files, framework, limits)
    assert [r.status for r in returns] == [Status.OK] * 3, [r.findings for r in returns]


@pytest.mark.slow  # real worker processes reading large files
def test_a_file_that_takes_too_long_is_refused_and_the_rest_are_read(
    folder: Path, tmp_path: Path, framework: Framework
) -> None:
    # A sheet of 1.9 million cells, under the cell limit, takes far longer than 0.2 s.
    big = b'<row r="240000"><c r="H240000" t="inlineStr"><is><t>x</t></is></c></row>'
    _hostile(folder, "slow.xlsx", THEME_PART, big, framework)
    result = _collate(folder, tmp_path / "out", "--max-seconds", "0.2")
    _read_all_but_one(result, folder, tmp_path / "out", "slow.xlsx", Code.REFUSED_TIMEOUT)


@pytest.mark.slow  # a worker that runs out of memory may hang until --max-seconds
def test_a_file_that_needs_too_much_memory_is_refused_and_the_rest_are_read(
    folder: Path, tmp_path: Path, framework: Framework
) -> None:
    big = b'<row r="240000"><c r="H240000" t="inlineStr"><is><t>x</t></is></c></row>'
    _hostile(folder, "huge.xlsx", THEME_PART, big, framework)
    limits = ["--max-memory", str(100 * 2**20), "--max-seconds", "5"]
    result = _collate(folder, tmp_path / "out", *limits)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    returns = {
        Path(r.file).name: r
        for r in read_returns(
            sorted(folder.glob("*.xlsx")), framework, Limits(max_memory=100 * 2**20, max_seconds=5)
        )
    }
    assert returns["huge.xlsx"].status is Status.REFUSED
    assert returns["huge.xlsx"].findings[0].code in (Code.REFUSED_CRASHED, Code.REFUSED_TIMEOUT)
    assert returns["police.xlsx"].status is Status.OK and returns["fire.xlsx"].status is Status.OK


def test_limits_are_options_of_check_collate_and_status() -> None:
    for command in ("check", "collate", "status"):
        text = CliRunner().invoke(cli, [command, "--help"]).output
        for option in ("--max-cells", "--max-seconds", "--max-memory", "--max-file-size"):
            assert option in text, (command, option)


def test_stopping_the_fork_server_after_reading_frees_it_and_reading_still_works(
    tmp_path: Path, framework: Framework
) -> None:
    import multiprocessing.forkserver as forkserver
    import os

    from lsp_xlsx.returns.isolation import stop_fork_server

    path = make_return(tmp_path / "a.xlsx", framework, full_answers(framework), Partner("a", "A"))
    (first,) = read_returns([path], framework)
    pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert pid is not None
    stop_fork_server()
    assert forkserver._forkserver._forkserver_pid is None  # type: ignore[attr-defined]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the old server is gone
    (again,) = read_returns([path], framework)  # a new server starts for the next read
    assert again.status is first.status and again.answered == first.answered > 0


def _task(path: Path) -> str:
    """A task that dies on 'die', hangs on 'hang' and reads anything else."""
    import os
    import time

    if path.name == "die":
        os._exit(3)
    if path.name == "hang":
        time.sleep(60)
    return path.name


def _refuse(path: Path, code: Code, **params: str) -> tuple[str, str]:
    return (Path(path).name, str(code))


@pytest.mark.parametrize("workers", [1, 2])
def test_files_queued_behind_one_that_dies_or_hangs_are_still_read(workers: int) -> None:
    # Each worker is sent the next file before it has finished the one it reads; when
    # that one kills it or runs out of time, the file waiting behind is read by the new
    # worker, not refused with it.
    from lsp_xlsx.returns.isolation import Isolated

    names = ["a", "die", "b", "hang", "c", "die", "d", "e"]
    engine = Isolated(_task, _refuse, Limits(max_seconds=2), workers)
    results = engine.read_all([Path(n) for n in names])
    assert results == [
        "a",
        ("die", str(Code.REFUSED_CRASHED)),
        "b",
        ("hang", str(Code.REFUSED_TIMEOUT)),
        "c",
        ("die", str(Code.REFUSED_CRASHED)),
        "d",
        "e",
    ]
