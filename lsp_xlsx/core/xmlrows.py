"""Small facts about the xlsx package, shared by the reader and the comparison writer.

* :func:`sheet_parts` maps sheet names to their XML parts, by regular expressions over two
  small XML files: much cheaper than an XML parse for every return.
* :class:`SheetRows` renders rows of cells as ``<sheetData>`` XML, and
  :func:`inject_rows` puts them into a workbook openpyxl has saved. openpyxl still lays out
  each sheet (column widths, merges, conditional formats, charts, tables, print setup and
  the style table); only the cells are streamed, which is about 20 times faster for the
  comparison workbook's large sheets than setting each openpyxl cell and its style.

Text cells are always inline strings (``t="inlineStr"``), so nothing written this way can
become a formula.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.sax.saxutils import escape

# Linear in the XML's size, however it is crafted (these run on returns, before any
# parser): a tag is read up to the next '<' or '>' at most, and an attribute name is tried
# only where a run of name characters starts, so no byte is looked at more than a fixed
# number of times. (A lazy [^>]*? tried from every '<sheet' in one long tag, and a name
# pattern tried from every letter of one long name, were quadratic: minutes for 94 KB.)
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^<>]*)>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^<>]*)>")
_ATTR = re.compile(rb'(?<![\w:])([\w:]+)="([^"<>]*)"')
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _attrs(text: bytes) -> dict[str, str]:
    pairs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(text)}
    return {k: html.unescape(v) if "&" in v else v for k, v in pairs.items()}


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip part (e.g. 'xl/worksheets/sheet2.xml'), in workbook order."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for match in _REL.finditer(rels):
        attrs = _attrs(match.group(1))
        if "Id" in attrs:
            targets[attrs["Id"]] = attrs.get("Target", "")
    parts = {}
    for match in _SHEET.finditer(book):
        attrs = _attrs(match.group(1))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        target = targets.get(rid, "")
        if "name" in attrs and target:
            parts[attrs["name"]] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


# The start of a sheet's entry in a workbook part (<sheet .../>) or an OpenDocument
# spreadsheet's content (<table:table ...>, not <table:table-row>).
_SHEET_START = re.compile(rb"<(?:\w+:)?sheet[\s/>]|<table:table[\s/>]")
_PIECE = 1 << 20


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """A part in pieces of about a megabyte, each cut before its last '<', so that no
    short tag is split between two pieces."""
    tail = b""
    while block := stream.read(_PIECE):
        data = tail + block
        cut = data.rfind(b"<")
        tail, data = (data[cut:], data[:cut]) if cut > 0 and len(data) - cut < 256 else (b"", data)
        yield data
    yield tail


def _workbook_part(archive: zipfile.ZipFile) -> str:
    names = set(archive.NameToInfo)
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    if "content.xml" in names:
        return "content.xml"
    info = archive.NameToInfo.get("_rels/.rels")
    rels = archive.read(info) if info is not None and info.file_size < 1 << 20 else b""
    for match in _REL.finditer(rels):
        attrs = _attrs(match.group(1))
        if attrs.get("Type", "").endswith("/officeDocument"):
            return attrs.get("Target", "").lstrip("/")
    return ""


def sheet_count(archive: zipfile.ZipFile, stop: int) -> int:
    """How many sheets an xlsx or OpenDocument package names, counted in one linear pass
    over its workbook part (or content.xml) with nothing parsed; counting ends once past
    ``stop``. 0 when there is no such part."""
    part = _workbook_part(archive)
    if part not in archive.NameToInfo:
        return 0
    count = 0
    with archive.open(part) as stream:
        for piece in _pieces(stream):
            count += len(_SHEET_START.findall(piece))
            if count > stop:
                break
    return count


def rewrite_parts(data: bytes, change: Callable[[str, bytes], tuple[str, bytes]]) -> bytes:
    """A copy of the package ``data`` with each part passed through ``change``, which gets the
    part's name (backslashes read as '/') and content and returns the name and content to
    write. A part keeps its zip entry (and so its timestamp) unless it is renamed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            name = info.filename.replace("\\", "/")
            new_name, content = change(name, source.read(info))
            entry: zipfile.ZipInfo | str = info if new_name == info.filename else new_name
            target.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def column_letter(index: int) -> str:
    """'A' for 1, 'AA' for 27."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


#: A piece of a streamed block: rows of values, and a height for each row.
Piece = tuple[list[tuple[object, ...]], list[float]]


class SheetRows:
    """Rows of cells for one sheet, rendered as sheetData XML.

    ``text`` must already be safe for a cell (see :mod:`lsp_xlsx.core.text`); it is
    XML-escaped here. Numbers and dates are written as numbers.
    """

    def __init__(self) -> None:
        self.cells: dict[int, dict[int, tuple[object, int]]] = {}
        self.heights: dict[int, float] = {}
        # Bulk rows: (first row, how many, a style per column, the pieces of rows and
        # heights, made when the sheet is written).
        self.blocks: list[tuple[int, int, list[int], Callable[[], Iterator[Piece]]]] = []

    def block(
        self, first: int, rows: list[tuple[object, ...]], styles: list[int], heights: list[float]
    ) -> None:
        """Many rows at once, from column 1: much faster than a put() per cell."""
        self.blocks.append((first, len(rows), styles, lambda: iter([(rows, heights)])))

    def stream(
        self, first: int, count: int, styles: list[int], pieces: Callable[[], Iterator[Piece]]
    ) -> None:
        """``count`` rows from column 1, made a piece at a time by ``pieces`` (each piece: its
        rows of values and their heights) only as the sheet is written: a sheet of hundreds
        of thousands of rows is never in memory whole."""
        self.blocks.append((first, count, styles, pieces))

    def put(self, row: int, col: int, value: object, style: int) -> None:
        """Set one cell: a str, int, float, date or None (an empty, styled cell)."""
        self.cells.setdefault(row, {})[col] = (value, style)

    def restyle(self, row: int, col: int, style: int) -> None:
        """Change the style of a cell already put."""
        value, _ = self.cells[row][col]
        self.cells[row][col] = (value, style)

    def height(self, row: int, points: float) -> None:
        """Fix a row's height (headless PDF export does not grow rows to fit)."""
        self.heights[row] = points

    @property
    def last(self) -> tuple[int, int]:
        """The last row and column used."""
        rows = [max(self.cells)] if self.cells else [1]
        cols = [max(max(c) for c in self.cells.values())] if self.cells else [1]
        for first, count, styles, _ in self.blocks:
            rows.append(first + count - 1)
            cols.append(len(styles))
        return max(rows), max(cols)

    def chunks(self) -> Iterator[bytes]:
        """The <row> elements, in order, a piece at a time (a big sheet is never one string)."""
        out: list[str] = []
        letters: dict[int, str] = {}
        single = sorted(set(self.cells) | set(self.heights))
        blocks = sorted(self.blocks, key=lambda b: b[0])
        for first, count, _, _ in blocks:
            if any(first <= r < first + count for r in single):
                raise ValueError(f"rows {first}-{first + count - 1} are written twice")
        for r in single:
            while blocks and blocks[0][0] < r:
                yield "".join(out).encode("utf-8")
                out.clear()
                yield from _stream_chunks(*blocks.pop(0))
            height = self.heights.get(r)
            attrs = f' ht="{height:g}" customHeight="1"' if height else ""
            cells = []
            row_cells = self.cells.get(r, {})
            for c in sorted(row_cells) if len(row_cells) > 1 else row_cells:
                value, style = row_cells[c]
                letter = letters.get(c) or letters.setdefault(c, column_letter(c))
                ref = f"{letter}{r}"
                if value is None or value == "":
                    cells.append(f'<c r="{ref}" s="{style}"/>')
                elif isinstance(value, str):
                    if "&" in value or "<" in value or ">" in value:
                        value = escape(value)
                    cells.append(
                        f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                        f"{value}</t></is></c>"
                    )
                elif isinstance(value, bool):
                    cells.append(f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, int | float):
                    if isinstance(value, float) and not math.isfinite(value):
                        cells.append(f'<c r="{ref}" s="{style}"/>')
                    else:
                        cells.append(f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>')
                elif isinstance(value, dt.date):
                    serial = (value - _EXCEL_EPOCH).days
                    cells.append(f'<c r="{ref}" s="{style}"><v>{serial}</v></c>')
                else:
                    raise TypeError(f"cannot write {type(value).__name__} to a cell")
            out.append(f'<row r="{r}"{attrs}>{"".join(cells)}</row>')
        yield "".join(out).encode("utf-8")
        for remaining in blocks:
            yield from _stream_chunks(*remaining)


def _stream_chunks(
    first: int, count: int, styles: list[int], pieces: Callable[[], Iterator[Piece]]
) -> Iterator[bytes]:
    made = 0
    for rows, heights in pieces():
        yield from _block_chunks(first + made, rows, styles, heights)
        made += len(rows)
    if made != count:
        raise ValueError(f"{count} rows were promised from row {first}, {made} were made")


def _block_chunks(
    first: int, rows: list[tuple[object, ...]], styles: list[int], heights: list[float]
) -> Iterator[bytes]:
    letters = [column_letter(c) for c in range(1, len(styles) + 1)]
    out: list[str] = []
    append = out.append
    for offset, values in enumerate(rows):
        if offset and not offset % 2000:
            yield "".join(out).encode("utf-8")
            out.clear()
        r = first + offset
        append(f'<row r="{r}" ht="{heights[offset]:g}" customHeight="1">')
        for letter, style, value in zip(letters, styles, values, strict=True):
            if value is None or value == "":
                append(f'<c r="{letter}{r}" s="{style}"/>')
            elif isinstance(value, str):
                if "&" in value or "<" in value or ">" in value:
                    value = escape(value)
                append(
                    f'<c r="{letter}{r}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{value}</t></is></c>"
                )
            elif isinstance(value, int | float) and not isinstance(value, bool):
                append(f'<c r="{letter}{r}" s="{style}"><v>{value!r}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} in a block")
        append("</row>")
    yield "".join(out).encode("utf-8")


_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


_CNVPR = re.compile(rb"<((?:\w+:)?cNvPr)\b([^>]*?)(/?)>")


def _drawing_alt_texts(
    archive: zipfile.ZipFile, alt_texts: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Drawing part -> alt texts, for each sheet that has alt texts and a drawing."""
    found: dict[str, list[str]] = {}
    for name, part in sheet_parts(archive).items():
        if name not in alt_texts:
            continue
        folder, _, base = part.rpartition("/")
        try:
            rels = archive.read(f"{folder}/_rels/{base}.rels")
        except KeyError:
            continue
        for match in _REL.finditer(rels):
            attrs = _attrs(match.group(1))
            if attrs.get("Type", "").endswith("/drawing"):
                target = attrs.get("Target", "")
                drawing = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
                found[posixpath.normpath(drawing)] = alt_texts[name]
    return found


def with_alt_texts(drawing: bytes, texts: list[str]) -> bytes:
    """The drawing XML with ``descr`` (alt text) on each shape, in order, as Excel writes it.

    openpyxl has no setting for a chart's alt text; it is the ``descr`` attribute of the
    shape's non-visual properties (``xdr:cNvPr``).
    """
    remaining = iter(texts)

    def add(match: re.Match[bytes]) -> bytes:
        text = next(remaining, None)
        attrs = re.sub(rb'\sdescr="[^"]*"', b"", match.group(2))
        if text is None:
            return match.group(0)
        descr = escape(text, {'"': "&quot;"}).encode("utf-8")
        return b"<" + match.group(1) + attrs + b' descr="' + descr + b'"' + match.group(3) + b">"

    return _CNVPR.sub(add, drawing)


def inject_rows(
    xlsx: bytes,
    rows: dict[str, SheetRows],
    alt_texts: dict[str, list[str]] | None = None,
    comment: bytes = b"",
) -> bytes:
    """Put each sheet's rows into the workbook openpyxl saved (whose sheets have no values),
    and each chart's alt text (``alt_texts``: sheet name -> a text per chart, in order);
    ``comment`` is the zip's comment. See :func:`inject_rows_into`."""
    out = io.BytesIO()
    inject_rows_into(out, xlsx, rows, alt_texts, comment)
    return out.getvalue()


def laid_out_bytes(wb: Any) -> bytes:
    """The openpyxl workbook ``wb`` saved as openpyxl's ``save`` saves it, but with every
    part stored, not deflated: :func:`inject_rows_into` reads each part back and deflates
    the whole package once as it writes it, where a deflated layout was deflated twice
    and inflated once (a tenth of a split run's workbook)."""
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True)
    # What openpyxl's save_workbook does besides writing: the time the file was saved.
    wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    ExcelWriter(wb, archive).save()  # closes the archive
    return buffer.getvalue()


def inject_rows_into(
    out: IO[bytes],
    xlsx: bytes,
    rows: dict[str, SheetRows],
    alt_texts: dict[str, list[str]] | None = None,
    comment: bytes = b"",
) -> None:
    """:func:`inject_rows`, writing the workbook to ``out`` (a file, so that a workbook of
    tens of megabytes is not also held in memory).

    Each sheet's XML is streamed into the zip a piece at a time, so a large sheet never
    sits in memory whole.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {part: name for name, part in sheet_parts(source).items() if name in rows}
    drawings = _drawing_alt_texts(source, alt_texts or {})
    # Level 1: the big sheets compress nearly as well, three times faster.
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        target.comment = comment
        for info in source.infolist():
            data = source.read(info)
            if info.filename in drawings:
                data = with_alt_texts(data, drawings[info.filename])
            name = parts.get(info.filename)
            if name is None:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                continue
            sheet = rows[name]
            match = _SHEETDATA.search(data)
            existing = (match.group(1) or b"") if match else b""
            # openpyxl writes empty placeholders for merged cells; anything with a value
            # would be lost, so it is refused.
            if match is None or re.search(rb"<(?:v|is|f)\b", existing):
                raise ValueError(f"sheet {name!r} already has values; cannot add rows to it")
            last_row, last_col = sheet.last
            ref = f'<dimension ref="A1:{column_letter(last_col)}{last_row}"/>'.encode()
            head = _DIMENSION.sub(ref, data[: match.start()], count=1)
            # Opened by name, the part takes the archive's compression and level.
            with target.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(head + b"<sheetData>")
                for chunk in sheet.chunks():
                    stream.write(chunk)
                stream.write(b"</sheetData>" + data[match.end() :])
