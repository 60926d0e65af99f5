"""Bounded in the main process too (issue 21, item 2): findings per code, a worker's
result, sheets, and scans of untrusted bytes no worse than linear."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.xmlrows import sheet_parts
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from lsp_xlsx.returns.model import MAX_FINDINGS_PER_CODE, Status
from lsp_xlsx.returns.sniff import Limits
from tests.fill import full_answers, make_return, rewrite_zip
from tests.hostile import many_sheets


@pytest.fixture
def base(tmp_path: Path, framework: Framework) -> Path:
    return make_return(
        tmp_path / "base.xlsx", framework, full_answers(framework), Partner("nhs", "NHS")
    )


def _check(folder: Path) -> dict:
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    assert "Traceback" not in result.output
    data: dict = json.loads(result.output)
    return data


def test_a_return_naming_ten_thousand_sheets_is_refused_the_same_way_every_time(
    base: Path, tmp_path: Path, framework: Framework
) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    hostile = many_sheets(base, folder / "sheets-1.xlsx", 10_000)
    assert hostile.stat().st_size < 200_000
    for n in (2, 3):
        (folder / f"sheets-{n}.xlsx").write_bytes(hostile.read_bytes())
    make_return(folder / "police.xlsx", framework, full_answers(framework), Partner("police", "P"))
    data = _check(folder)
    status = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert status == {
        "police.xlsx": "ok",
        "sheets-1.xlsx": "refused",
        "sheets-2.xlsx": "refused",
        "sheets-3.xlsx": "refused",
    }
    refusals = [f for f in data["findings"] if f["code"] == str(Code.REFUSED_TOO_MANY_SHEETS)]
    assert len(refusals) == 3 and all("over the limit of 1,000" in f["message"] for f in refusals)


def test_findings_past_the_limit_are_summed_up_and_every_count_stays_exact(
    base: Path, tmp_path: Path
) -> None:
    one = tmp_path / "one"
    one.mkdir()
    many_sheets(base, one / "copies.xlsx", 1)
    single = _check(one)
    per_copy = sum(1 for f in single["findings"] if f["code"] == "question-duplicate")
    assert 0 < per_copy < MAX_FINDINGS_PER_CODE
    other_errors = single["finding_counts"]["error"] - per_copy

    many = tmp_path / "many"
    many.mkdir()
    many_sheets(base, many / "copies.xlsx", 60)
    data = _check(many)
    total = 60 * per_copy
    listed = [f for f in data["findings"] if f["code"] == "question-duplicate"]
    assert len(listed) == MAX_FINDINGS_PER_CODE
    [capped] = [
        f
        for f in data["findings"]
        if f["code"] == "findings-capped" and f["params"]["kind"] == "question-duplicate"
    ]
    assert capped["params"]["total"] == f"{total:,}"
    assert capped["params"]["omitted"] == f"{total - MAX_FINDINGS_PER_CODE:,}"
    assert "'Copy " in capped["params"]["cells"]  # the first cells not listed
    [entry] = data["files"]
    assert entry["findings_not_listed"]["question-duplicate"] == total - MAX_FINDINGS_PER_CODE
    assert data["finding_counts"]["error"] == total + other_errors
    assert f"{total + other_errors:,} errors" in data["summary"]
    assert data["findings_listed_per_code"] == MAX_FINDINGS_PER_CODE


def test_a_workers_result_over_the_size_limit_is_refused_with_its_reason(
    base: Path, framework: Framework
) -> None:
    [small] = read_returns([base], framework, Limits(max_result_size=5_000), workers=1)
    assert small.status is Status.REFUSED
    [why] = small.findings
    assert why.code is Code.REFUSED_RESULT_TOO_LARGE and "over the limit of 5,000" in why.message
    [read] = read_returns([base], framework, workers=1)
    assert read.status is Status.OK


def _package(workbook: bytes) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "xl/workbook.xml", b"<workbook><sheets>" + workbook + b"</sheets></workbook>"
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>",
        )
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


HOSTILE: dict[str, Callable[[int], bytes]] = {
    "one long name": lambda n: b"<sheet " + b"a" * n + b"/>",
    "an unclosed value": lambda n: b'<sheet name="' + b"x" * n,
    "name:name:...": lambda n: b"<sheet " + b"a:" * (n // 2) + b"/>",
    "<sheet <sheet ...": lambda n: b"<sheet " * (n // 7),
    'a="a="...': lambda n: b"<sheet " + b'a="' * (n // 3) + b">",
}


@pytest.mark.parametrize("make", list(HOSTILE.values()), ids=list(HOSTILE))
def test_doubling_a_workbook_part_at_most_doubles_the_time_to_find_its_sheets(
    make: Callable[[int], bytes],
) -> None:
    def seconds(size: int) -> float:
        archive = _package(make(size))
        best = float("inf")
        for _ in range(7):  # the best of seven: one slow moment of a shared machine is not it
            start = time.perf_counter()
            sheet_parts(archive)
            best = min(best, time.perf_counter() - start)
        return best

    # 400 KB and 800 KB: the quadratic scan took minutes at 94 KB. Generous margin, as
    # the machine is shared: linear gives a ratio near 2, quadratic near 4.
    small, large = seconds(400_000), seconds(800_000)
    assert large / small < 3, (small, large)


def test_a_return_with_one_long_sheet_tag_gets_a_verdict_not_a_timeout(
    base: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return data.replace(b"<sheet ", b"<sheet " + b"x" * 94_000 + b" ", 1)
        return data

    rewrite_zip(base, folder / "long-tag.xlsx", edit)
    result = CliRunner().invoke(
        cli, ["check", str(folder), "--format", "json", "--max-seconds", "60"]
    )
    data = json.loads(result.output)
    codes = {f["code"] for f in data["findings"]}
    assert str(Code.REFUSED_TIMEOUT) not in codes  # the old scan took over 300 s
    [entry] = data["files"]
    assert entry["status"] in ("ok", "refused"), entry
