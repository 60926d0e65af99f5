"""Outputs are never half-written and never over an input; a failure to write is exit 3."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from tests.fill import full_answers, make_return

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def returns(tmp_path: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    for pid in ("police", "fire", "nhs"):
        make_return(folder / f"{pid}.xlsx", framework, full_answers(framework), Partner(pid, pid))
    return folder


def _collate(*args: str) -> object:
    return CliRunner().invoke(cli, ["collate", *args])


def test_an_output_over_a_return_is_refused_before_anything_is_read(returns: Path) -> None:
    target = returns / "police.xlsx"
    before = target.read_bytes()
    result = _collate(str(returns), "-o", str(target))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "would be written inside" in result.output  # type: ignore[attr-defined]
    assert target.read_bytes() == before
    assert not (returns / "responses.csv").exists()


def test_an_output_over_a_named_return_file_is_refused(returns: Path) -> None:
    target = returns / "fire.xlsx"
    result = _collate(str(target), "-o", str(target))
    assert result.exit_code == 2
    assert "would be written over" in result.output and "one of the returns" in result.output


def test_two_outputs_on_one_file_are_refused(returns: Path, tmp_path: Path) -> None:
    result = _collate(str(returns), "-o", str(tmp_path / "x" / "responses.csv"))
    assert result.exit_code == 2
    assert "would both be written to" in result.output
    assert not (tmp_path / "x").exists()


def test_an_unwritable_output_is_one_message_and_exit_3(returns: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "board"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    result = _collate(str(returns), "-o", str(blocker / "comparison.xlsx"))
    assert result.exit_code == 3, result.output
    assert f"Could not write {blocker / 'comparison.xlsx'}" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB file system, so that a full disk is a real full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"cannot mount a small tmpfs for the full-disk test: {done.stderr!r}")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_keeps_the_old_outputs_and_exits_3(returns: Path, small_disk: Path) -> None:
    workbook, responses = small_disk / "comparison.xlsx", small_disk / "responses.csv"
    workbook.write_bytes(b"old workbook")
    responses.write_bytes(b"old,csv\n")
    stats = os.statvfs(small_disk)
    free = stats.f_bavail * stats.f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 16 * 1024))  # 16 KiB left: too little
    result = _collate(str(returns), "-o", str(workbook))
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output
    assert workbook.read_bytes() == b"old workbook"
    assert responses.read_bytes() == b"old,csv\n"
    assert sorted(p.name for p in small_disk.iterdir()) == [
        "comparison.xlsx",
        "filler",
        "responses.csv",
    ]


def test_new_files_get_the_permissions_the_umask_gives(returns: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = _collate(str(returns), "-o", str(tmp_path / "out" / "comparison.xlsx"))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for name in ("comparison.xlsx", "responses.csv"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o644, name


def _complete(workbook: Path, responses: Path, rows: int) -> bool:
    """True when both outputs are whole: the workbook opens, the CSV has every row."""
    load_workbook(workbook, read_only=True).close()
    return len(pd.read_csv(responses)) == rows


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_the_old_or_the_complete_new_outputs(
    returns: Path, tmp_path: Path, framework: Framework
) -> None:
    out = tmp_path / "out"
    workbook, responses = out / "comparison.xlsx", out / "responses.csv"
    assert _collate(str(returns), "-o", str(workbook)).exit_code == 0
    rows = 3 * len(framework.questions)
    assert _complete(workbook, responses, rows)
    command = [sys.executable, "-m", "lsp_xlsx", "collate", str(returns), "-o", str(workbook)]
    finished = 0
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 3.0):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished += process.returncode == 0
        assert _complete(workbook, responses, rows), f"killed after {delay} s"
    assert finished < 8  # at least one kill landed while collate was still running
    shutil.rmtree(out)
