"""Benchmark collate and build against the naive approach and the floor.

    python benchmarks/bench.py [--returns N [N ...]] [--repeat R] [--out outputs/bench.json]

In one run, on the same files, it times:

  (a) `lsp-xlsx collate DIR -o ...` end to end, as a subprocess, imports included;
  (b) the naive baseline: pandas.read_excel(path, sheet_name=None, engine="openpyxl") in a
      loop over the files, then pandas.concat (a subprocess too);
  (c) the floor: python-calamine reading every sheet of every file and nothing more;
  (d) `lsp-xlsx build` of the blank workbook, end to end;
  (e) `lsp-xlsx build --partners` for 200 partners, end to end;
  (f) `lsp-xlsx collate DIR --split-by partnership`, the same returns in partnerships of
      about 30 (365 partnerships at 11,000 returns, as England had), end to end.

The naive baseline (b) is skipped above --baseline-max returns (2,000): at 11,000 it would
take over ten minutes a run.

Each timing is the median of --repeat runs (at least 3). Peak memory is the largest total
RSS of the process tree, sampled every 10 ms. Results go to outputs/bench.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lsp_xlsx.demo import EVIDENCE, EVIDENCE_SOURCES  # noqa: E402
from lsp_xlsx.framework import Framework, load_framework  # noqa: E402
from lsp_xlsx.framework.partners import Partner  # noqa: E402
from lsp_xlsx.workbook.build import BuildSettings  # noqa: E402
from lsp_xlsx.workbook.copies import personalise, personalised_template  # noqa: E402
from lsp_xlsx.workbook.fill import fill_workbook  # noqa: E402

VARIANTS = 16  # distinct filled returns; every file still gets its own partner identity

NAIVE = """
import sys, pandas as pd
from pathlib import Path
frames = []
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    for name, frame in pd.read_excel(path, sheet_name=None, engine="openpyxl").items():
        frame["source"], frame["sheet"] = path.name, name
        frames.append(frame)
print(len(pd.concat(frames, ignore_index=True)))
"""

FLOOR = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
cells = 0
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
print(cells)
"""


@dataclass
class Timing:
    """One measured command: the median and every run, and the peak memory."""

    name: str
    files: int
    seconds: float
    runs: list[float]
    peak_rss_mb: float
    peak_pss_mb: float

    @property
    def per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


def run(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall time, peak RSS (MB) and peak PSS (MB) of the whole process tree of one command.

    RSS counts a page shared by several processes (the worker processes start from one
    fork server and share its pages) once in each; PSS shares it out between them, so the
    tree's PSS is what it really takes. PSS is read every 0.1 s (it costs more to read)."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    ticks = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            if ticks % 10 == 0:
                pss = sum(p.memory_full_info().pss for p in tree if p.is_running())
                peak_pss = max(peak_pss, pss)
        except psutil.Error:
            pass
        ticks += 1
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):  # collate exits 1 when a return has an error finding
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return elapsed, peak / 1e6, peak_pss / 1e6


def measure(name: str, cmd: list[str], files: int, repeat: int, cwd: Path) -> Timing:
    results = [run(cmd, cwd) for _ in range(repeat)]
    times = [t for t, _, _ in results]
    timing = Timing(
        name,
        files,
        statistics.median(times),
        times,
        max(m for _, m, _ in results),
        max(p for _, _, p in results),
    )
    print(
        f"  {name:<28} {timing.seconds:8.2f} s  {timing.per_second:9.1f} files/s  "
        f"peak RSS {timing.peak_rss_mb:7.1f} MB, PSS {timing.peak_pss_mb:7.1f} MB",
        flush=True,
    )
    return timing


def make_returns(framework: Framework, folder: Path, count: int, seed: int = 6) -> None:
    """``count`` filled returns: about 200 characters of evidence on most rated questions."""
    from openpyxl import load_workbook

    rng = random.Random(seed)
    template = personalised_template(
        framework, BuildSettings(deadline=None), "2027-01-01T00:00:00Z"
    )
    variants = []
    for _ in range(min(VARIANTS, count)):
        wb = load_workbook(io.BytesIO(template))
        labels = [o.label for o in framework.scale]
        answers = {}
        for q in framework.rated_questions:
            answer = {
                "rating": rng.choice(labels[:4]) if rng.random() > 0.08 else rng.choice(labels)
            }
            if rng.random() < 0.85:
                text = rng.choice(EVIDENCE).format(month="March", year=2026, day=12, doc="LAA plan")
                answer["evidence"] = text[:200]
                answer["evidence_source"] = rng.choice(EVIDENCE_SOURCES)
            answers[q.id] = answer
        fill_workbook(wb, framework, answers, {"respondent": "A. Person", "role": "Director"})
        buffer = io.BytesIO()
        wb.save(buffer)
        variants.append(buffer.getvalue())
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        partner = Partner(f"p{i:05d}", f"Partner organisation {i:05d}")
        (folder / f"p{i:05d}.xlsx").write_bytes(personalise(variants[i % len(variants)], partner))


def write_partnerships(path: Path, count: int) -> int:
    """partners.csv for the returns p00000..., in partnerships of about 30 (365 at 11,000,
    about as many as England's LSPs); returns how many partnerships."""
    partnerships = max(1, round(count * 365 / 11000))
    path.write_text(
        "partner_id,name,partnership\n"
        + "".join(
            f"p{i:05d},Partner organisation {i:05d},Partnership {i * partnerships // count:03d}\n"
            for i in range(count)
        ),
        encoding="utf-8",
    )
    return partnerships


def machine() -> dict[str, object]:
    from importlib.metadata import version

    import openpyxl
    import pandas

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "openpyxl": openpyxl.__version__,
        "pandas": pandas.__version__,
        "python_calamine": version("python-calamine"),
        "pyarrow": version("pyarrow"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--returns", type=int, nargs="+", default=[1000], help="N returns (one run each)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per timing (at least 3)")
    parser.add_argument("--partners", type=int, default=200, help="partners for build --partners")
    parser.add_argument("--skip-baseline", action="store_true", help="skip (b), which is slow")
    parser.add_argument(
        "--baseline-max", type=int, default=2000, help="skip (b) above this many returns"
    )
    parser.add_argument("--skip-split", action="store_true", help="skip (f)")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench.json")
    args = parser.parse_args()
    repeat = max(3, args.repeat)
    cli = [sys.executable, "-m", "lsp_xlsx"]
    framework = load_framework()
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "repeat": repeat,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="lsp-bench-") as tmp:
        work = Path(tmp)
        for n in args.returns:
            print(f"\nN = {n} returns", flush=True)
            folder = work / f"returns-{n}"
            started = time.perf_counter()
            make_returns(framework, folder, n)
            print(f"  (made {n} returns in {time.perf_counter() - started:.1f} s)", flush=True)
            out = work / f"out-{n}"
            timings = {
                "collate": measure(
                    "(a) lsp-xlsx collate",
                    [*cli, "collate", str(folder), "-o", str(out / "c.xlsx")],
                    n,
                    repeat,
                    ROOT,
                ),
                "floor": measure(
                    "(c) calamine floor",
                    [sys.executable, "-c", FLOOR, str(folder)],
                    n,
                    repeat,
                    ROOT,
                ),
            }
            if not args.skip_split:
                partners_csv = work / f"partners-{n}.csv"
                partnerships = write_partnerships(partners_csv, n)
                timings["split"] = measure(
                    f"(f) --split-by ({partnerships})",
                    [
                        *cli,
                        "collate",
                        str(folder),
                        "--partners",
                        str(partners_csv),
                        "--split-by",
                        "partnership",
                        "-o",
                        str(work / f"split-{n}" / "overview.xlsx"),
                    ],
                    n,
                    repeat,
                    ROOT,
                )
            if not args.skip_baseline and n <= args.baseline_max:
                timings["naive"] = measure(
                    "(b) naive pandas+openpyxl",
                    [sys.executable, "-c", NAIVE, str(folder)],
                    n,
                    repeat,
                    ROOT,
                )
            a = timings["collate"].seconds
            entry: dict[str, object] = {
                "returns": n,
                "timings": {
                    k: {**asdict(v), "per_second": v.per_second} for k, v in timings.items()
                },
            }
            entry["a_over_c"] = a / timings["floor"].seconds
            if "naive" in timings:
                entry["b_over_a"] = timings["naive"].seconds / a
                print(f"  collate is {entry['b_over_a']:.1f}x faster than naive", flush=True)
            print(f"  collate takes {entry['a_over_c']:.2f}x the floor", flush=True)
            entry["peak_mb_per_return"] = timings["collate"].peak_rss_mb / n
            entry["peak_pss_mb_per_return"] = timings["collate"].peak_pss_mb / n
            results["runs"].append(entry)  # type: ignore[attr-defined]
            shutil.rmtree(folder)
        print("\nbuild", flush=True)
        blank = measure(
            "(d) lsp-xlsx build (blank)",
            [*cli, "build", "-o", str(work / "blank.xlsx")],
            1,
            repeat,
            ROOT,
        )
        partners_csv = work / "partners.csv"
        partners_csv.write_text(
            "partner_id,name\n"
            + "".join(f"p{i},Partner organisation {i}\n" for i in range(args.partners)),
            encoding="utf-8",
        )
        personal = measure(
            f"(e) build --partners ({args.partners})",
            [
                *cli,
                "build",
                "--partners",
                str(partners_csv),
                "--out-dir",
                str(work / "send"),
                "--force",
            ],
            args.partners,
            repeat,
            ROOT,
        )
        results["build"] = {
            "blank": {**asdict(blank), "per_second": blank.per_second},
            "personalised": {**asdict(personal), "per_second": personal.per_second},
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
