"""The benchmark script keeps working: a small run writes sane JSON. No time limits here;
speed is measured by benchmarks/bench.py itself and recorded in BENCHMARKS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_runs_and_writes_sane_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--returns",
            "20",
            "--partners",
            "20",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["repeat"] >= 3
    assert data["machine"]["cores"] >= 1
    (run,) = data["runs"]
    assert run["returns"] == 20
    for name in ("collate", "floor", "naive", "split"):
        timing = run["timings"][name]
        assert timing["files"] == 20
        assert len(timing["runs"]) == 3
        assert timing["seconds"] > 0 and timing["peak_rss_mb"] > 0
        assert timing["seconds"] == sorted(timing["runs"])[1]  # the median
    assert run["a_over_c"] > 0 and run["b_over_a"] > 0
    assert data["build"]["personalised"]["files"] == 20
    assert data["build"]["blank"]["files"] == 1
    assert "collate is" in result.stdout and f"wrote {out}" in result.stdout
    assert "(f) --split-by (1)" in result.stdout  # 20 returns: one partnership of about 30
