"""collate --split-by is one set: a full disk is exit 3 with one message and nothing of the
run left; a partnership that fails is reported and the others written; a folder an earlier
run left is reported and kept out of the overview; the workshop's entries are carried."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.compare.split import Part
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from tests.fill import full_answers, make_return

ROWS = [
    ("n1", "North Council", "North Shire Partnership"),
    ("n2", "North Police", "North Shire Partnership"),
    ("s1", "South Council", "South Vale LSP"),
    ("e1", "East Council", "East Borough LSP"),
]


@pytest.fixture
def region(tmp_path: Path, framework: Framework) -> Path:
    (tmp_path / "partners.csv").write_text(
        "partner_id,name,partnership\n" + "".join(f"{i},{n},{p}\n" for i, n, p in ROWS),
        encoding="utf-8",
    )
    for pid, name, _ in ROWS:
        path = tmp_path / "returns" / f"{pid}.xlsx"
        make_return(path, framework, full_answers(framework), Partner(pid, name))
    return tmp_path


def _split(region: Path, out: Path) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "collate",
            str(region / "returns"),
            "--partners",
            str(region / "partners.csv"),
            "--split-by",
            "partnership",
            "-o",
            str(out / "overview.xlsx"),
        ],
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real small file system, so that a full disk is a real full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
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


def test_a_full_disk_during_split_is_exit_3_with_one_message(
    region: Path, small_disk: Path
) -> None:
    stats = os.statvfs(small_disk)
    free = stats.f_bavail * stats.f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 96 * 1024))  # room for one workbook
    result = _split(region, small_disk / "region")
    assert result.exit_code == 3, result.output
    assert result.output.count("No space left on device") == 1, result.output
    assert f"Could not write {small_disk / 'region' / 'partnership'}" in result.output  # a worker's
    assert "Traceback" not in result.output
    written = [p for p in (small_disk / "region").rglob("*") if p.is_file()]
    assert written == []  # no workbook of this run, no temporary left behind


def test_a_partnership_that_fails_is_reported_and_the_others_written(
    region: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collate = Part.collate

    def broken(self: Part, *args: object, **kwargs: object) -> object:
        if self.name == "South Vale LSP":
            raise ValueError("a bug met in South Vale's returns")
        return collate(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Part, "collate", broken)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # in this process, where the patch is
    out = tmp_path / "out"
    result = _split(region, out)
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    output = " ".join(result.output.split())
    assert "South Vale LSP: could not be collated or written" in output
    assert "a bug met in South Vale's returns" in output
    folders = sorted(p.name for p in (out / "partnership").iterdir())
    assert folders == ["east-borough-lsp", "north-shire-partnership"]
    overview = load_workbook(out / "overview.xlsx", read_only=True)
    cells = {str(c) for ws in overview for row in ws.iter_rows(values_only=True) for c in row}
    assert "North Shire Partnership" in cells and "South Vale LSP" not in cells


def test_a_folder_from_an_earlier_run_is_reported_not_mixed_in(
    region: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _split(region, out).exit_code == 0
    earlier = out / "partnership" / "west-lsp"
    shutil.copytree(out / "partnership" / "east-borough-lsp", earlier)
    result = _split(region, out)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"{earlier} is from an earlier run" in output
    overview = load_workbook(out / "overview.xlsx", read_only=True)
    cells = " ".join(
        str(c) for ws in overview for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "west-lsp" not in cells and "east-borough-lsp" in cells


def test_a_partnerships_workshop_entries_are_carried(region: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _split(region, out).exit_code == 0
    comparison = out / "partnership" / "north-shire-partnership" / "comparison.xlsx"
    wb = load_workbook(comparison)
    ws = wb[A.SHEET]
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: c.column for c in ws[header]}
    ws.cell(row=header + 1, column=col["Agreed action"]).value = "Refresh the strategy"
    wb.save(comparison)
    result = _split(region, out)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "North Shire Partnership: Carried 0 agreed ratings and 1 action" in output
    ws = load_workbook(comparison)[A.SHEET]
    assert ws.cell(row=header + 1, column=col["Agreed action"]).value == "Refresh the strategy"
    assert list(comparison.parent.glob("comparison-previous-*.xlsx"))


@pytest.mark.slow
def test_a_split_run_killed_at_any_moment_leaves_each_folder_one_runs_set(
    region: Path, tmp_path: Path
) -> None:
    import signal
    import sys
    import time

    from lsp_xlsx.safety.written import FolderState, sha256

    out = tmp_path / "out"
    assert _split(region, out).exit_code == 0
    root = Path(__file__).resolve().parents[1]
    command = [
        sys.executable, "-m", "lsp_xlsx", "collate", str(region / "returns"),
        "--partners", str(region / "partners.csv"), "--split-by", "partnership",
        "-o", str(out / "overview.xlsx"),
    ]  # fmt: skip
    finished = 0
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished += process.returncode == 0
        for folder in [out, *(out / "partnership").iterdir()]:
            state = FolderState.read(folder)
            for name, entry in state.files.items():
                assert sha256(folder / name) == entry["sha256"], f"{folder / name} at {delay} s"
            assert len({e["run"] for e in state.files.values()}) == 1, folder
    assert finished < 7  # at least one kill landed while the run was still going
