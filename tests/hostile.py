"""Hostile files of several kinds, each refused by a cheap check before any parser runs:
for the tests (tests/test_formats.py) and the hostile-run benchmark (benchmarks/hostile.py)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from tests.fill import rewrite_zip

THEME_PART = "xl/worksheets/sheet2.xml"  # "1 Outcomes"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def ods(content: bytes, mimetype: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if mimetype:
            z.writestr("mimetype", ODS_MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr(
            "META-INF/manifest.xml",
            b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            b'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
            + ODS_MIME
            + b'"/></manifest:manifest>',
        )
    return out.getvalue()


OFFICE = (
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    b"<office:body><office:spreadsheet>"
)
END = b"</office:spreadsheet></office:body></office:document-content>"


def cell(text: bytes, repeat: int = 1) -> bytes:
    extra = b' table:number-columns-repeated="%d"' % repeat if repeat > 1 else b""
    return (
        b'<table:table-cell office:value-type="string"%s><text:p>%s</text:p></table:table-cell>'
        % (
            extra,
            text,
        )
    )


def corner_ods() -> bytes:
    """A few KB: values in A1 and in the last cell of a 1,048,576 x 1,024 grid."""
    return ods(
        OFFICE
        + b'<table:table table:name="Sheet1"><table:table-row>'
        + cell(b"top")
        + b'</table:table-row><table:table-row table:number-rows-repeated="1048574">'
        + b'<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        + b'<table:table-row><table:table-cell table:number-columns-repeated="1023"/>'
        + cell(b"corner")
        + b"</table:table-row></table:table>"
        + END
    )


def many_sheets(good: Path, target: Path, copies: int = 10_000) -> Path:
    """``good`` whose workbook names ``copies`` more sheets, each the first theme sheet's part
    again: a file of about 150 KB that asks for hours of work (issue 21)."""

    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        rid = re.search(rb'<sheet [^>]*name="1 Outcomes"[^>]*r:id="(rId\d+)"', data)
        assert rid is not None
        extra = b"".join(
            b'<sheet name="Copy %d" sheetId="%d" r:id="%s"/>' % (i, 1000 + i, rid.group(1))
            for i in range(copies)
        )
        return data.replace(b"</sheets>", extra + b"</sheets>")

    return rewrite_zip(good, target, edit)


def hostile_files(folder: Path, good: Path, tag: str = "") -> list[Path]:
    """Six hostile files of different kinds in ``folder``, made from the return ``good``;
    ``tag`` goes into their names, to make many."""
    far = rewrite_zip(
        good,
        folder / f"far-corner{tag}.xlsx",
        lambda part, data: (
            data.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
            )
            if part == THEME_PART
            else data
        ),
    )
    corners = folder / f"corners{tag}.ods"
    corners.write_bytes(corner_ods())
    bomb = folder / f"bomb{tag}.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    cut = folder / f"cut{tag}.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    dos = folder / f"dos{tag}.ods"
    dos.write_bytes(
        ods(
            OFFICE
            + b'<table:table table:name="S"><table:table-row table:number-rows-repeated="99999999">'
            + cell(b"x", 99999)
            + b"</table:table-row></table:table>"
            + END
        )
    )
    sheets = many_sheets(good, folder / f"sheets{tag}.xlsx")
    return [far, corners, bomb, cut, dos, sheets]
