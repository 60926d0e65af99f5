"""A run with hostile files in it: does it cost much more than the good files alone?

    python benchmarks/hostile.py [--good 900] [--hostile 100] [--out outputs/hostile.json]

It makes --good returns (as benchmarks/bench.py does) and --hostile files of six kinds
(tests/hostile.py: a value at XFD1048576, an .ods with values in its corners, a zip bomb,
a file cut short, an .ods claiming cells past any sheet, a workbook naming 10,000
sheets), then times `lsp-xlsx check` on
the good files alone and on all of them, and counts the lines the hostile files print.
Issue 21's bar: the mixed run takes under twice the good run, each hostile file prints
one line, and no parser noise (panic text, backtraces) reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench import make_returns  # noqa: E402
from lsp_xlsx.framework import load_framework  # noqa: E402
from tests.hostile import hostile_files  # noqa: E402

NOISE = ("panicked", "backtrace", "Traceback", "memory allocation of")


def check(folder: Path) -> tuple[float, str]:
    """Wall time and everything printed by `lsp-xlsx check FOLDER`."""
    env = {**os.environ, "RUST_BACKTRACE": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "lsp_xlsx", "check", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    return time.perf_counter() - start, result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--good", type=int, default=900, help="good returns")
    parser.add_argument("--hostile", type=int, default=100, help="hostile files (6 kinds)")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "hostile.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lsp-hostile-") as tmp:
        good = Path(tmp) / "good"
        make_returns(load_framework(), good, args.good)
        mixed = Path(tmp) / "mixed"
        shutil.copytree(good, mixed)
        sample = next(mixed.glob("*.xlsx"))
        hostile: list[Path] = []
        for n in range(-(-args.hostile // 6)):
            hostile.extend(hostile_files(mixed, sample, f"-{n:04d}"))
        for extra in hostile[args.hostile :]:
            extra.unlink()
        hostile = hostile[: args.hostile]
        good_seconds, _ = check(good)
        mixed_seconds, output = check(mixed)
    lines = {p.name: sum(p.name in line for line in output.splitlines()) for p in hostile}
    # One line in the table of files and one finding: one line of report for each file.
    result = {
        "good": args.good,
        "hostile": len(hostile),
        "good_seconds": round(good_seconds, 2),
        "mixed_seconds": round(mixed_seconds, 2),
        "ratio": round(mixed_seconds / good_seconds, 2),
        "findings_per_hostile_file": sorted({count - 1 for count in lines.values()}),
        "noise": [word for word in NOISE if word in output],
        "lines": len(output.splitlines()),
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
