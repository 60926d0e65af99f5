"""Every format on equal terms (issue 21): limits before parsing, formatting that is not
content, repairs for valid files the parser rejects, other kinds named, and a run with
hostile files that prints one line for each and no parser noise."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from lsp_xlsx.returns.grid_scan import _ODS_TAG
from lsp_xlsx.returns.model import Return, Status
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.returns.repair import _GAP, _gap
from lsp_xlsx.returns.sniff import Limits, sniff
from lsp_xlsx.returns.xlsx_scan import _ANY_VALUE_CELL, _VALUE_CELL
from lsp_xlsx.workbook import contract as C
from tests.fill import full_answers, make_return, rewrite_zip
from tests.hostile import END, OFFICE, THEME_PART, cell, corner_ods, hostile_files, ods
from tests.libreoffice import convert

SSCONVERT = shutil.which("ssconvert")


def _answers(ret: Return) -> dict[str, tuple[object, ...]]:
    return {
        qid: (r.rating_label, r.evidence, r.evidence_source, r.improvement_action, r.lead)
        for qid, r in ret.responses.items()
    }


def _good(tmp_path: Path, framework: Framework, name: str = "police.xlsx") -> Path:
    answers = full_answers(framework)
    return make_return(tmp_path / name, framework, answers, Partner("police", "Police"))


# --- Limits before the parser allocates ---------------------------------------------------------


def test_an_ods_with_values_in_the_grids_corners_is_refused_before_parsing(
    tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "corners.ods"
    path.write_bytes(corner_ods())
    assert path.stat().st_size < 10_000
    [ret] = read_returns([path], framework)
    [f] = ret.findings
    assert f.code is Code.REFUSED_TOO_MANY_CELLS
    assert f.params["corner"] == "AMJ1048576" and "--max-cells" in f.message


def test_an_ods_formatted_to_the_sheets_end_is_not_too_big(
    tmp_path: Path, framework: Framework
) -> None:
    # As LibreOffice writes every sheet: a value, then styled empty rows to the end.
    path = tmp_path / "styled.ods"
    path.write_bytes(
        ods(
            OFFICE
            + b'<table:table table:name="Sheet1"><table:table-row>'
            + cell(b"hello")
            + b'</table:table-row><table:table-row table:style-name="ro1" '
            b'table:number-rows-repeated="1048575"><table:table-cell table:style-name="ce1" '
            b'table:number-columns-repeated="16384"/></table:table-row></table:table>' + END
        )
    )
    [ret] = read_returns([path], framework)
    assert ret.findings[0].code is Code.REFUSED_UNRECOGNISED  # read, and not a return


def test_an_ods_claiming_cells_past_any_sheet_is_damaged(
    tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "dos.ods"
    path.write_bytes(
        ods(
            OFFICE
            + b'<table:table table:name="S"><table:table-row table:number-rows-repeated="9999999">'
            + cell(b"x", 99999)
            + b"</table:table-row></table:table>"
            + END
        )
    )
    [ret] = read_returns([path], framework)
    assert ret.findings[0].code is Code.REFUSED_CORRUPT
    assert "past the last row" in ret.findings[0].message


def test_max_cells_applies_to_ods_as_to_xlsx(tmp_path: Path, framework: Framework) -> None:
    path = tmp_path / "wide.ods"
    path.write_bytes(
        ods(
            OFFICE
            + b'<table:table table:name="S"><table:table-row table:number-rows-repeated="100">'
            + cell(b"x", 100)
            + b"</table:table-row></table:table>"
            + END
        )
    )
    tight = read_return(path, framework, Limits(max_cells=9_999))
    assert tight.findings[0].code is Code.REFUSED_TOO_MANY_CELLS
    assert read_return(path, framework).findings[0].code is Code.REFUSED_UNRECOGNISED


@pytest.mark.libreoffice
def test_an_xls_with_values_in_the_grids_corners_is_refused_before_parsing(
    tmp_path: Path, framework: Framework
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for ref in ("A1", "IV1", "A65536", "IV65536"):
        ws[ref] = "corner"
    wb.save(tmp_path / "corners.xlsx")
    xls = convert(tmp_path / "corners.xlsx", "xls", tmp_path / "lo")
    [ret] = read_returns([xls], framework)
    [f] = ret.findings
    assert f.code is Code.REFUSED_TOO_MANY_CELLS and f.params["corner"] == "IV65536"


@pytest.mark.libreoffice
def test_an_xls_with_one_absurd_date_costs_that_cell_only(
    tmp_path: Path, framework: Framework
) -> None:
    base = _good(tmp_path, framework, "b.xlsx")
    target = f"H{C.FIRST_DATA_ROW}".encode()

    def edit(part: str, data: bytes) -> bytes:
        if part != THEME_PART:
            return data
        return re.sub(
            rb'<c r="' + target + rb'" s="(\d+)"[^>]*?(?:/>|></c>)',
            rb'<c r="' + target + rb'" s="\1"><v>-1e12</v></c>',
            data,
        )

    xlsx = rewrite_zip(base, tmp_path / "absurd.xlsx", edit)
    xls = convert(xlsx, "xls", tmp_path / "lo")
    [ret] = read_returns([xls], framework)
    assert ret.status is Status.WARNINGS, ret.findings
    [warning] = [f for f in ret.findings if f.code is Code.NUMBER_NOT_A_DATE]
    assert warning.cell == target.decode()
    assert ret.answered == len(framework.rated_questions)


# --- Formatting alone is not content ----------------------------------------------------------


def test_styled_empty_cells_and_rows_at_the_sheets_end_are_not_content(
    tmp_path: Path, framework: Framework
) -> None:
    base = _good(tmp_path, framework, "b.xlsx")

    def edit(part: str, data: bytes) -> bytes:
        if part != THEME_PART:
            return data
        far = (
            b'<row r="1048570" ht="12" customHeight="1"><c r="A1048570" s="1"/></row>'
            b'<row r="1048576" ht="12" customHeight="1"><c r="XFD1048576" s="1"></c></row>'
        )
        data = data.replace(b"</sheetData>", far + b"</sheetData>", 1)
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)

    path = rewrite_zip(base, tmp_path / "styled.xlsx", edit)
    [ret] = read_returns([path], framework)
    [plain] = read_returns([base], framework)
    assert ret.status is Status.OK, ret.findings
    assert _answers(ret) == _answers(plain)


def test_a_value_far_away_still_counts(tmp_path: Path, framework: Framework) -> None:
    base = _good(tmp_path, framework, "b.xlsx")

    def edit(part: str, data: bytes) -> bytes:
        if part != THEME_PART:
            return data
        far = b'<row r="1048576"><c r="XFD1048576" s="1"><v>1</v></c></row>'
        return data.replace(b"</sheetData>", far + b"</sheetData>", 1)

    [ret] = read_returns([rewrite_zip(base, tmp_path / "far.xlsx", edit)], framework)
    assert ret.findings[0].code is Code.REFUSED_TOO_MANY_CELLS


# --- Valid files the parser rejects are read, or named truly -----------------------------------


def test_an_indented_ods_with_no_mimetype_is_read(tmp_path: Path, framework: Framework) -> None:
    content = (
        OFFICE
        + b'\n  <table:table table:name="Sheet1">\n    <table:table-row>\n      '
        + cell(b"a <text:span>b</text:span> <text:span>c</text:span>")
        + b"\n    </table:table-row>\n  </table:table>\n"
        + END
    )
    path = tmp_path / "google.ods"
    path.write_bytes(ods(content, mimetype=False))
    assert sniff(path.read_bytes()).fmt == "ods"
    ret = read_return(path, framework)
    assert ret.findings[0].code is Code.REFUSED_UNRECOGNISED  # read: only not a return


def test_a_valid_file_the_parser_cannot_read_is_not_called_damaged(
    tmp_path: Path, framework: Framework
) -> None:
    # An Excel 4.0 macro sheet: valid (Excel and LibreOffice open it), but not for calamine.
    base = _good(tmp_path, framework, "b.xlsx")

    def edit(part: str, data: bytes) -> bytes:
        if part == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b'/worksheet" Target="worksheets/sheet2.xml"',
                b'/xlMacrosheet" Target="worksheets/sheet2.xml"',
            ).replace(
                b'/worksheet" Target="/xl/worksheets/sheet2.xml"',
                b'/xlMacrosheet" Target="/xl/worksheets/sheet2.xml"',
            )
        return data

    path = rewrite_zip(base, tmp_path / "macro.xlsm", edit)
    ret = read_return(path, framework)
    if ret.status is not Status.REFUSED:
        pytest.skip("this calamine reads macro sheets")
    f = ret.findings[0]
    assert f.code is Code.REFUSED_VARIANT, f.message
    assert "damaged" not in f.message.replace("not damaged", "") and ".xlsx" in f.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            gzip.compress(
                b'<?xml version="1.0"?><gnm:Workbook xmlns:gnm="http://www.gnumeric.org/v10.dtd">'
            ),
            "Gnumeric",
        ),
        ("a,b,c\n1,2,3\n4,5,6\n".encode("utf-16"), "CSV"),
        ("a,b,c\n1,2,3\n4,5,6\n".encode("utf-16-be"), "CSV"),
    ],
)
def test_other_kinds_are_named(
    tmp_path: Path, framework: Framework, data: bytes, words: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(data)
    f = read_return(path, framework).findings[0]
    assert words in f.message and "Ask the partner" in f.message


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"index.xml": b"<ls:document/>", "QuickLook/Thumbnail.jpg": b""}, "Numbers"),
        (
            {"mimetype": b"application/vnd.sun.xml.calc", "content.xml": b"<x/>"},
            "OpenOffice.org 1.x",
        ),
        (
            {
                "content.xml": b"<x/>",
                "META-INF/manifest.xml": b'<m:manifest><m:file-entry m:media-type="'
                b'application/vnd.sun.xml.calc" m:full-path="/"/></m:manifest>',
            },
            "OpenOffice.org 1.x",
        ),
    ],
)
def test_other_zipped_kinds_are_named(
    tmp_path: Path, framework: Framework, members: dict[str, bytes], words: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(_zip(members))
    f = read_return(path, framework).findings[0]
    assert f.code is Code.REFUSED_OTHER_SPREADSHEET and words in f.message


def test_excels_default_key_is_tried_on_an_encrypted_xlsx(
    tmp_path: Path, framework: Framework
) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    base = _good(tmp_path, framework, "b.xlsx")
    path = tmp_path / "structure-protected.xlsx"
    with base.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("VelvetSweatshop", out)
    [ret] = read_returns([path], framework)
    [plain] = read_returns([base], framework)
    assert ret.status is Status.OK, ret.findings
    assert _answers(ret) == _answers(plain)


# --- A Gnumeric re-save --------------------------------------------------------------------------


def _require_ssconvert() -> str:
    if SSCONVERT:
        return SSCONVERT
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("ssconvert is not installed, and CI=true: .ci/run must install gnumeric")
    pytest.skip("Gnumeric's ssconvert is not installed; apt-get install gnumeric")


def test_a_gnumeric_ods_resave_reads_with_the_same_answers(
    tmp_path: Path, framework: Framework
) -> None:
    ssconvert = _require_ssconvert()
    original = _good(tmp_path, framework)
    resaved = tmp_path / "police.ods"
    result = subprocess.run(
        [ssconvert, str(original), str(resaved)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0 and resaved.is_file(), result.stderr
    with zipfile.ZipFile(resaved) as z:
        assert re.search(rb">\s+<", z.read("content.xml"))  # indented, as Gnumeric writes it
    [ret] = read_returns([resaved], framework)
    [plain] = read_returns([original], framework)
    assert ret.status is Status.OK, ret.findings
    assert ret.answered == plain.answered == len(framework.rated_questions)
    assert ret.partner_id == plain.partner_id == "police"
    assert _answers(ret) == _answers(plain)


# --- A run with hostile files ----------------------------------------------------------------------


def test_a_run_with_hostile_files_prints_one_line_for_each_and_no_noise(
    tmp_path: Path, framework: Framework
) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    good = [
        make_return(
            folder / f"p{i}.xlsx", framework, full_answers(framework), Partner(f"p{i}", f"P{i}")
        )
        for i in range(10)
    ]
    hostile = hostile_files(folder, good[0])
    result = CliRunner().invoke(cli, ["check", str(folder)], env={"RUST_BACKTRACE": "full"})
    assert result.exit_code == 1
    output = result.output
    for word in ("panicked", "backtrace", "Traceback"):
        assert word not in output
    findings = output.split("\nFindings\n", 1)[1].split("\n\n", 1)[0].splitlines()
    for path in hostile:
        mine = [line for line in findings if path.name in line]
        assert len(mine) == 1, (path.name, mine)
    assert len(findings) == len(hostile)  # the good ones are read without a finding
    assert f"{10 + len(hostile)} files: 10 ok, {len(hostile)} refused." in output


# --- Linear scans ---------------------------------------------------------------------------------


def _seconds(scan: Callable[[bytes], object], data: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        scan(data)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    ("scan", "unit"),
    [
        (lambda d: _VALUE_CELL.findall(d) + _ANY_VALUE_CELL.findall(d), b'r="A1" '),
        (lambda d: _GAP.sub(_gap, d), b"aaaaaaaa"),
        (lambda d: _ODS_TAG.findall(d), b"aaaaaaaa"),
    ],
)
def test_doubling_a_crafted_tag_at_most_doubles_the_scans_time(
    scan: Callable[[bytes], object], unit: bytes
) -> None:
    # One tag crafted to make a backtracking pattern quadratic: with 50,000 pieces a
    # quadratic scan takes minutes; a linear one milliseconds. The margin is generous.
    def tag(n: int) -> bytes:
        return b"<c " + unit * n + b"> x"

    small, large = _seconds(scan, tag(50_000)), _seconds(scan, tag(100_000))
    assert large < 3 * small + 0.05, (small, large)


def _record(kind: int, body: bytes) -> bytes:
    assert kind < 128 and len(body) < 128  # one-byte varints
    return bytes([kind, len(body)]) + body


def _xlsb(far_kind: int) -> bytes:
    """An .xlsb whose one sheet has a value in A1 and a cell of ``far_kind`` at XFD1048576."""
    row = lambda r: _record(0, r.to_bytes(4, "little") + bytes(13))  # noqa: E731  BrtRowHdr
    cell = lambda kind, c: _record(kind, c.to_bytes(4, "little") + bytes(12))  # noqa: E731
    sheet = row(0) + cell(5, 0) + row(1_048_575) + cell(far_kind, 16_383)
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.bin": b"",
            "xl/worksheets/sheet1.bin": sheet,
        }
    )


def test_an_xlsb_with_a_value_in_the_far_corner_is_refused_before_parsing(
    tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "far.xlsb"
    path.write_bytes(_xlsb(5))  # BrtCellReal: a number
    f = read_return(path, framework).findings[0]
    assert f.code is Code.REFUSED_TOO_MANY_CELLS and f.params["corner"] == "XFD1048576"


def test_a_blank_styled_xlsb_cell_in_the_far_corner_is_not_content(
    tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "styled.xlsb"
    path.write_bytes(_xlsb(1))  # BrtCellBlank: formatting only
    assert read_return(path, framework).findings[0].code is not Code.REFUSED_TOO_MANY_CELLS


@pytest.mark.libreoffice
def test_an_xls_whose_sector_chain_runs_in_a_circle_is_damaged(
    tmp_path: Path, framework: Framework
) -> None:
    # calamine follows such a chain until it asks for gigabytes; the check before it sees
    # the circle in the container's allocation table.
    import olefile

    xls = convert(_good(tmp_path, framework, "b.xlsx"), "xls", tmp_path / "lo")
    data = bytearray(xls.read_bytes())
    with olefile.OleFileIO(bytes(data)) as ole:
        start = next(e.isectStart for e in ole.direntries if e and e.name == "Workbook")
        size = ole.sectorsize
        first_fat = int.from_bytes(data[0x4C:0x50], "little")
    at = size * (first_fat + 1) + 4 * start  # the FAT entry after the stream's first sector
    data[at : at + 4] = start.to_bytes(4, "little")
    path = tmp_path / "circle.xls"
    path.write_bytes(bytes(data))
    [ret] = read_returns([path], framework)
    f = ret.findings[0]
    assert f.code is Code.REFUSED_CORRUPT and "runs in a circle" in f.message
