"""Issue 26: the cheap paths give the same answers as the full ones.

The package scan's cheap searches must send every sheet that could matter to the full
pass; a return's text packed as one blob must read back exactly; the tidy table's text
columns over the blobs must hold the same values; the paper's tables as XML must be the
XML python-docx made; a chart drawn on a figure laid out for an earlier one must be
the chart drawn fresh.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import pytest
from docx import Document

from lsp_xlsx.board import docx_tables
from lsp_xlsx.compare.text_columns import may_need_fixes, text_columns
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.returns.xlsx_scan import _scan_streamed, scan_package
from tests.fill import full_answers, make_return, rewrite_zip

SHEET = "xl/worksheets/sheet3.xml"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Path:
    answers = full_answers(framework)
    first = framework.rated_questions[0].id
    answers[first] = {**answers[first], "evidence": " tab\there\nline é – ü ", "lead": ""}
    return make_return(tmp_path_factory.mktemp("good") / "good.xlsx", framework, answers)


def _streamed(data: bytes, max_cells: int) -> tuple[object, ...]:
    """What the full pass (every sheet streamed, as before issue 26) finds."""
    from lsp_xlsx.core.xmlrows import sheet_parts
    from lsp_xlsx.returns.xlsx_scan import PackageScan

    found = PackageScan()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name, part in sheet_parts(archive).items():
            if part in archive.NameToInfo:
                _scan_streamed(archive, name, part, max_cells, found)
    return found.oversized, found.non_finite, found.formula_cells


CELLS = {
    "a value at XFD1048576": b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    "a value at ZZ3000": b'<row r="3000"><c r="ZZ3000"><v>1</v></c></row>',
    "a value at ZZ1500": b'<row r="1500"><c r="A1500"><v>1</v></c><c r="ZZ1500"><v>1</v></c></row>',
    "a styled empty cell far away": b'<row r="1048576"><c r="XFD1048576" s="1"/></row>',
    "cells with no reference": b'<row r="5000"><c><v>1</v></c></row><row r="3"><c r="AAA3" s="1"/></row>',
    "NaN": b'<row r="99"><c r="A99"><v>NaN</v></c></row>',
    "-Infinity": b'<row r="99"><c r="A99"><v> -Infinity </v></c></row>',
    "nan as text": b'<row r="99"><c r="A99" t="inlineStr"><is><t>information nan</t></is></c></row>',
    "a formula with no result": b'<row r="99"><c r="A99"><f>1+1</f></c></row>',
    "formulas with results": b'<row r="99"><c r="A99"><f>1</f><v>2</v></c><c r="B99"><f t="shared" si="0"/><v>3</v></c></row>',
    "a namespaced far cell": b'<x:row r="9000"><x:c r="ZZZ9000"><x:v>1</x:v></x:c></x:row>',
}


@pytest.mark.parametrize("cells", CELLS.values(), ids=list(CELLS))
@pytest.mark.parametrize("stored", [False, True], ids=["deflated", "stored"])
@pytest.mark.parametrize("max_cells", [500_000, 2_000_000, 10_000_000])
def test_the_cheap_scan_finds_what_the_full_pass_finds(
    good: Path, tmp_path: Path, cells: bytes, stored: bool, max_cells: int
) -> None:
    def edit(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", cells + b"</sheetData>") if name == SHEET else data

    path = rewrite_zip(good, tmp_path / "edited.xlsx", edit)
    data = path.read_bytes()
    if stored:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
        data = out.getvalue()
    found = scan_package(data, max_cells)
    assert (found.oversized, found.non_finite, found.formula_cells) == _streamed(data, max_cells)


def test_a_return_text_packed_reads_back_exactly(good: Path, framework: Framework) -> None:
    read = read_return(good, framework)
    sent = pickle.loads(pickle.dumps(read))
    packed = sent.packed_text()
    assert packed is not None and "evidence" in packed.names
    for key in ("evidence", "lead", "rating_raw", "rating_label", "rated", "row"):
        assert sent.column(key) == read.column(key)
    assert sent.responses == read.responses
    again = pickle.loads(pickle.dumps(sent))  # responses made: packed again from them
    assert again.responses == read.responses


def test_text_columns_hold_the_returns_values(good: Path, framework: Framework) -> None:
    read = read_return(good, framework)
    sent = pickle.loads(pickle.dumps(read))
    columns = text_columns([sent, read, sent], ["evidence", "lead"])
    assert list(columns["evidence"]) == list(read.column("evidence")) * 3
    assert list(columns["lead"]) == list(read.column("lead")) * 3
    assert not may_need_fixes(sent, ["evidence", "lead"])


def test_text_a_cell_cannot_hold_is_noticed_in_the_packed_bytes(
    good: Path, framework: Framework
) -> None:
    read = read_return(good, framework)
    first = next(iter(read.responses.values()))
    first.evidence = "bad \x07 bell"
    sent = pickle.loads(pickle.dumps(read))
    assert sent.packed_text() is not None
    assert may_need_fixes(sent, ["evidence"])


def _python_docx_table(
    doc: object, header: list[str], rows: list[list[str]], widths: list[float]
) -> object:
    """The paper's table made cell by cell with python-docx, as board/paper.py made it
    before issue 26."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    def text(cell: object, value: str) -> object:
        paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(value)
        run.font.size = Pt(9)
        return run

    table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for cell, value, width in zip(table.rows[0].cells, header, widths, strict=True):
        cell.width = Mm(width)
        run = text(cell, value)
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "1F3864")
        cell._tc.get_or_add_tcPr().append(shading)
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(flag)
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            text(cell, value)
    return table


def test_the_paper_table_is_the_xml_python_docx_made() -> None:
    header = ["ID", " Mean", "Why\tdiscuss"]
    rows = [["a\tb\nc ", "", 'x & <y> "q"'], ["T1.Q1", "1.5", "é – ü\r\nnext"]]
    widths = [18.0, 30.0, 58.5]
    made, written = Document(), Document()
    theirs = _python_docx_table(made, header, rows, widths)
    ours = docx_tables.add_table(written, header, rows, widths)
    assert ours._tbl.xml == theirs._tbl.xml  # type: ignore[attr-defined]
    assert written.element.body.xml == made.element.body.xml
    assert [c.text for c in ours.rows[1].cells] == ["a\tb\nc ", "", 'x & <y> "q"']


def _fresh_chart(names: list[str], means: list[float], low: float, high: float) -> bytes:
    """The chart drawn on a figure laid out for it alone, as before it was reused."""
    from lsp_xlsx.board import paper

    paper._DRAWN.clear()
    return paper.chart_png(names, means, low, high)


def test_a_chart_drawn_on_a_reused_figure_is_the_chart_drawn_fresh() -> None:
    from lsp_xlsx.board import paper

    names = ["7 Risks and controls", "2 Use of resources", "1 Outcomes"]
    first, second = [2.5, float("nan"), 3.25], [1.0, 4.0, 2.05]
    fresh = [_fresh_chart(names, m, 1, 4) for m in (first, second)]
    # Now the same figure for both, in turn, then a different scale and back.
    reused = [paper.chart_png(names, m, 1, 4) for m in (first, second, first)]
    assert reused == [fresh[0], fresh[1], fresh[0]]
    assert paper.chart_png(names, second, 0, 5) != fresh[1]
    assert paper.chart_png(names, second, 1, 4) == fresh[1]
    assert fresh[0] != fresh[1]
