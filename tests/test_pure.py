"""Table-driven tests of the pure modules: each row is an input and what must come out."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

from lsp_xlsx.core.catalogue import Code
from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT, TRUNCATION_MARKER, safe_text
from lsp_xlsx.core.xmlrows import SheetRows, column_letter, inject_rows
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.identity import name_from_filename
from lsp_xlsx.returns.ratings import RatingReader
from lsp_xlsx.returns.sniff import OLE_MAGIC, Limits, sniff


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-31", dt.date(2027, 3, 31)),
        ("31/03/2027", dt.date(2027, 3, 31)),
        ("31-3-2027", dt.date(2027, 3, 31)),
        ("31.03.2027", dt.date(2027, 3, 31)),
        ("  31 / 03 / 2027 ", None),  # spaces inside the date are not a date we are sure of
        ("31 March 2027", dt.date(2027, 3, 31)),
        ("Wednesday 31 March 2027", dt.date(2027, 3, 31)),
        ("2027-03-31 00:00:00", dt.date(2027, 3, 31)),
        ("03/31/27", None),  # US order, two-digit year: ambiguous
        ("31/02/2027", None),  # no such day
        ("end of March", None),
        ("Q3", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "stored", "replaced", "cut"),
    [
        ("plain text", "plain text", 0, 0),
        ("=SUM(A1:A9)", "=SUM(A1:A9)", 0, 0),  # kept as text; the writer marks it as text
        ("line\x0bbreak", "line\nbreak", 1, 0),  # Word's vertical tab becomes a line break
        ("bell\x07here", "bell\ufffdhere", 1, 0),
        ("a\rb", "a_x000D_b", 0, 0),  # Excel escapes a carriage return
        ("_x0041_", "_x005F_x0041_", 0, 0),  # a literal escape is itself escaped
        ("é ü 中文 🙂", "é ü 中文 🙂", 0, 0),
    ],
)
def test_safe_text(text: str, stored: str, replaced: int, cut: int) -> None:
    value, fix = safe_text(text)
    assert (value, fix.replaced, fix.truncated_from) == (stored, replaced, cut)
    assert fix.changed == bool(replaced or cut)


def test_safe_text_cuts_visibly_at_excels_limit() -> None:
    value, fix = safe_text("x" * (EXCEL_CELL_LIMIT + 10))
    assert len(value) == EXCEL_CELL_LIMIT and value.endswith(TRUNCATION_MARKER)
    assert fix.truncated_from == EXCEL_CELL_LIMIT + 10


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt", "code"),
    [
        (b"", "", Code.REFUSED_EMPTY),
        (b"%PDF-1.7\n...", "", Code.REFUSED_NOT_SPREADSHEET),
        (b"\x89PNG\r\n\x1a\n", "", Code.REFUSED_NOT_SPREADSHEET),
        (b"<html><body>x</body></html>", "", Code.REFUSED_NOT_SPREADSHEET),
        (b"a,b,c\n1,2,3\n", "", Code.REFUSED_NOT_SPREADSHEET),
        (b"PK\x03\x04 not really a zip", "", Code.REFUSED_CORRUPT),
        (_zip({"xl/workbook.xml": b"<workbook/>"}), "xlsx", None),
        (_zip({"xl/workbook.bin": b"\0"}), "xlsb", None),
        (
            _zip({"xl/workbook.xml": b"<w/>", "[Content_Types].xml": b"macroEnabled"}),
            "xlsm",
            None,
        ),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "ods",
            None,
        ),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
            "",
            Code.REFUSED_NOT_SPREADSHEET,
        ),
        (_zip({"word/document.xml": b"<w/>"}), "", Code.REFUSED_NOT_SPREADSHEET),
        (_zip({"notes.txt": b"hello"}), "", Code.REFUSED_NOT_SPREADSHEET),
        (_zip({"[Content_Types].xml": b"<Types/>"}), "", Code.REFUSED_CORRUPT),
        (_zip({"xl/workbook.xml": b"0" * (3 * 1024 * 1024)}), "", Code.REFUSED_ZIP_BOMB),
        (OLE_MAGIC + b"\0" * 100, "", Code.REFUSED_CORRUPT),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_sniff(data: bytes, fmt: str, code: Code | None) -> None:
    verdict = sniff(data, Limits())
    assert (verdict.fmt, verdict.code) == (fmt, code)
    assert verdict.refused == (code is not None)


def test_sniff_refuses_a_file_over_the_size_limit() -> None:
    verdict = sniff(b"x" * 100, Limits(max_file_size=99))
    assert verdict.code is Code.REFUSED_TOO_LARGE
    assert dict(verdict.details) == {"size": "100", "limit": "99"}


@pytest.mark.parametrize(
    ("index", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA"), (16384, "XFD")],
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_sheet_rows_write_text_as_inline_strings_and_numbers_as_numbers() -> None:
    rows = SheetRows()
    rows.put(1, 1, "=1+1", 0)
    rows.put(1, 2, 3.5, 0)
    rows.put(2, 1, dt.date(2027, 3, 31), 0)
    rows.put(2, 3, "a < b & c", 0)
    rows.block(3, [("x", 1), ("", None)], [0, 0], [15.0, 15.0])
    xml = b"".join(rows.chunks()).decode()
    assert '<c r="A1" s="0" t="inlineStr"><is><t xml:space="preserve">=1+1</t></is></c>' in xml
    assert '<c r="B1" s="0"><v>3.5</v></c>' in xml
    assert '<c r="A2" s="0"><v>46477</v></c>' in xml  # the Excel serial of 31 March 2027
    assert "a &lt; b &amp; c" in xml
    assert re.search(r'<row r="4" ht="15" customHeight="1"><c r="A4" s="0"/><c r="B4" s="0"/>', xml)
    assert rows.last == (4, 3)
    with pytest.raises(ValueError, match="written twice"):
        rows.put(3, 1, "clash", 0)
        b"".join(rows.chunks())


def test_inject_rows_puts_cells_into_a_saved_workbook() -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    assert wb.active is not None
    wb.active.title = "Data"
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = SheetRows()
    rows.put(1, 1, "@name", 0)
    rows.put(2, 2, 7, 0)
    reopened = load_workbook(io.BytesIO(inject_rows(buffer.getvalue(), {"Data": rows})))
    ws = reopened["Data"]
    assert (ws["A1"].value, ws["A1"].data_type, ws["B2"].value) == ("@name", "s", 7)


@pytest.mark.parametrize(
    ("typed", "label", "exact"),
    [
        ("3 - Performs well", "3 - Performs well", True),
        (" 3 - performs well ", "3 - Performs well", False),
        ("3 – Performs well", "3 - Performs well", False),  # an en dash pasted from Word
        ("Performs well", "3 - Performs well", False),
        ("performs  WELL", "3 - Performs well", False),
        (3, "3 - Performs well", False),
        (3.0, "3 - Performs well", False),
        ("3", "3 - Performs well", False),
        ("don’t know", "Don't know", False),  # a curly apostrophe
        ("Good", None, False),
        (2.5, None, False),
        (5, None, False),
        (True, None, False),
        (float("nan"), None, False),
        (dt.date(2027, 3, 3), None, False),
    ],
)
def test_rating_reader(framework: Framework, typed: object, label: str | None, exact: bool) -> None:
    option, was_exact = RatingReader(framework.scale).read(typed)
    assert (option.label if option else None, was_exact) == (label, exact)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("police.xlsx", "police"),
        ("Copy of FINAL police v2 (3).xlsx", "police"),
        ("North_Shire_Fire_DRAFT.xlsx", "North Shire Fire"),
        ("LSP self-assessment - Northtown College - completed.xlsx", "Northtown College"),
        ("return 2027-03-31.xlsx", "return 2027-03-31"),  # nothing left but noise: the stem
        ("nhs-trust [2].xlsx", "nhs-trust"),
    ],
)
def test_name_from_filename(name: str, expected: str) -> None:
    assert name_from_filename(Path(name)) == expected
