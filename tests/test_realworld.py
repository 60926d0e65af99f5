"""Real files from other programs' test suites get a true reason (issue 21).

``../shared/realworld/`` (beside the clone; see its README.md) holds 121 spreadsheets with
the truth about each in ``truth.tsv``. Each is checked as a partner's return would be, with
``check FILE --format json`` in its own process, and must get the outcome its ``expect``
column names, with no traceback and no parser noise on the terminal (whatever
RUST_BACKTRACE says), exit status 1 (0 for ``read``), under 500 MB for the whole process
tree, within the time limit. The files stay where they are: they belong to their authors.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
#: The whole process tree's peak memory, and the longest one file may take (with start-up).
MEMORY_LIMIT, SECONDS = 500 * MB, 120

#: How each word of the ``expect`` column shows in the JSON: the refusal's code.
CODES = {
    "not-ours": {"refused-unrecognised", "refused-other-framework"},
    "unreadable": {"refused-variant", "refused-other-spreadsheet", "refused-unreadable"},
    "refused-unreadable": {"refused-unreadable"},
    "damaged": {"refused-corrupt"},
    "password": {"refused-password"},
    "too-big": {"refused-too-many-cells", "refused-too-large", "refused-zip-bomb"},
    "empty": {"refused-empty"},
    "not-a-spreadsheet": {"refused-not-spreadsheet"},
}
#: A refusal that names another kind of file: the codes that can, and the advice it gives.
NAMED_CODES = {"refused-other-spreadsheet", "refused-not-spreadsheet"}
#: Words that are never true of a valid file from another program.
NOISE = ("Traceback", "panicked", "stack backtrace", "RUST_BACKTRACE", "memory allocation of")

#: Where the truth table's expectation is itself not true, with the reason. Each is a
#: stricter outcome than the table's, never a kinder one.
TRUTH_CORRECTED = {
    "odftoolkit__odfdom__src__test__resources__test-input__Basic.ods": (
        "too-big",
        "its first sheet really holds 4,194,212 values ('blub' in a row repeated 1,048,553 "
        "times, four columns wide): over --max-cells, so too big is the true reason",
    ),
}


def _corpus() -> Path | None:
    """../shared/realworld beside the clone (or beside a folder above it, as for a
    worktree), or None."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "realworld"
        if (candidate / "truth.tsv").is_file():
            return candidate
    return None


CORPUS = _corpus()


def _rows() -> list[dict[str, str]]:
    if CORPUS is None:
        return []
    with (CORPUS / "truth.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@dataclass
class Outcome:
    file: str
    expect: str
    returncode: int
    data: dict[str, object] | None
    stderr: str
    stdout: str
    peak: int
    seconds: float


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def _check(row: dict[str, str]) -> Outcome:
    assert CORPUS is not None
    path = CORPUS / "files" / row["file"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RUST_BACKTRACE": "full"}
    command = [sys.executable, "-m", "lsp_xlsx", "check", "--format", "json", str(path)]
    start = time.monotonic()
    popen = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT
    )
    watched = psutil.Process(popen.pid)
    peak = 0
    while popen.poll() is None and time.monotonic() - start < SECONDS:
        peak = max(peak, _tree_rss(watched))
        time.sleep(0.01)
    if popen.poll() is None:
        popen.kill()
    stdout, stderr = popen.communicate()
    text = stdout.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    return Outcome(
        row["file"],
        row["expect"],
        popen.returncode,
        data,
        stderr.decode("utf-8", "replace"),
        text,
        peak,
        time.monotonic() - start,
    )


def _satisfies(word: str, outcome: Outcome) -> bool:
    """Does the result meet one word of the ``expect`` column?"""
    assert outcome.data is not None
    files = outcome.data["files"]
    findings = outcome.data["findings"]
    assert isinstance(files, list) and isinstance(findings, list)
    first = files[0]
    errors = [f for f in findings if f["severity"] == "error"]
    if word == "read":
        return bool(
            first["status"] in ("ok", "warnings")
            and first["answered"] == first["rated_total"]
            and outcome.returncode == 0
        )
    if first["status"] != "refused" or not errors:
        return False
    code, message = errors[0]["code"], errors[0]["message"]
    if word.startswith("named:"):
        kind = word.split(":", 1)[1]
        return code in NAMED_CODES and kind in message and "Ask the partner" in message
    return code in CODES[word]


def _problems(outcome: Outcome) -> list[str]:
    expect = outcome.expect
    if outcome.file in TRUTH_CORRECTED:
        expect = TRUTH_CORRECTED[outcome.file][0]
    problems = []
    if outcome.data is None:
        return [f"no JSON report (exit {outcome.returncode}): {outcome.stdout[-300:]!r}"]
    if not any(_satisfies(word, outcome) for word in expect.split("|")):
        findings = outcome.data["findings"]
        assert isinstance(findings, list)
        said = findings[0]["message"][-160:] if findings else outcome.data["files"]
        problems.append(f"expected {expect}, got: {said}")
    wanted = 0 if expect == "read" else 1
    if outcome.returncode != wanted:
        problems.append(f"exit status {outcome.returncode}, not {wanted}")
    noise = [word for word in NOISE if word in outcome.stderr or word in outcome.stdout]
    if noise or outcome.stderr.strip():
        problems.append(f"noise on the terminal: {outcome.stderr[:200]!r}")
    if outcome.peak >= MEMORY_LIMIT:
        problems.append(f"peak memory {outcome.peak / MB:,.0f} MB")
    if outcome.seconds >= SECONDS:
        problems.append(f"took {outcome.seconds:.0f} s")
    return problems


@pytest.mark.slow
def test_every_real_file_gets_its_true_outcome() -> None:
    if CORPUS is None:
        message = "../shared/realworld is missing (CI has shared/ beside the clone)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    rows = _rows()
    assert len(rows) >= 100, "truth.tsv lists the corpus"
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_check, rows))
    failures = {o.file: _problems(o) for o in outcomes}
    failures = {name: problems for name, problems in failures.items() if problems}
    assert not failures, "\n".join(f"{name}: {'; '.join(p)}" for name, p in failures.items())


def test_the_expect_words_are_all_understood() -> None:
    """Every word in truth.tsv maps to a way of detecting it, so none is skipped."""
    if CORPUS is None:
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/realworld is missing (CI has shared/ beside the clone)")
        pytest.skip("../shared/realworld is missing")
    words = {w for row in _rows() for w in row["expect"].split("|")}
    known = set(CODES) | {"read"}
    assert all(w in known or w.startswith("named:") for w in words), words - known
