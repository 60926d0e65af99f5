"""The used area of each sheet of an .xls, .xlsb or .ods, found before any parser runs.

calamine makes a dense grid from A1 to the furthest cell holding a value, so four values
in the corners of a sheet cost as much memory as a full sheet (a 42 KB .xls or a 10 KB
.ods can ask for 1.2 GB). :func:`oversized_sheet` finds that corner cheaply, as
:func:`~lsp_xlsx.returns.xlsx_scan.scan_package` does for .xlsx, so that every format has
the same ``--max-cells`` limit. Only cells holding a value count: formatting alone (styled
empty cells, rows of a set height, LibreOffice's repeated empty rows to the sheet's end)
costs the parser nothing and never refuses a file.

* .xls: the BIFF records of each sheet (a cell record starts with its row and column);
* .xlsb: the records of each sheet part (a row header gives the row, a cell its column);
* .ods: content.xml's rows and cells, with their repeat counts.

Each walk reads every record or tag once, and stops as soon as the limit is passed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from lsp_xlsx.core.xmlrows import column_letter

#: (sheet, far corner, cells) of a sheet over the limit.
Oversized = tuple[str, str, int]

#: The largest sheet any spreadsheet program has (Excel's, since 2007).
MAX_ROWS, MAX_COLS = 1_048_576, 16_384


class BeyondGrid(Exception):
    """A value claimed past the last row or column any spreadsheet has: a damaged file."""

    def __init__(self, sheet: str, rows: int, cols: int) -> None:
        super().__init__(sheet, rows, cols)
        self.detail = (
            f"sheet '{sheet}' claims a value at row {rows:,}, column {cols:,}, past the "
            f"last row ({MAX_ROWS:,}) or column ({MAX_COLS:,}) of any spreadsheet"
        )


# --- .xls: BIFF5 and BIFF8 records ------------------------------------------------------------

_BOF, _EOF, _BOUNDSHEET = 0x0809, 0x000A, 0x0085
#: Records holding one cell's value, each starting with its row and column (2 bytes each).
_CELL_RECORDS = frozenset({0x0203, 0x00FD, 0x027E, 0x0205, 0x0006, 0x0204, 0x00D6})
_MULRK = 0x00BD


def _records(stream: bytes, offset: int) -> Iterator[tuple[int, int, int]]:
    """(kind, start of data, size) of each record from ``offset`` on."""
    end = len(stream)
    while offset + 4 <= end:
        kind = int.from_bytes(stream[offset : offset + 2], "little")
        size = int.from_bytes(stream[offset + 2 : offset + 4], "little")
        yield kind, offset + 4, size
        offset += 4 + size


def _sheet_offsets(stream: bytes) -> list[tuple[str, int]]:
    """(name, offset of its BOF) of each sheet, from the BOUNDSHEET records."""
    sheets: list[tuple[str, int]] = []
    for kind, start, size in _records(stream, 0):
        if kind == _EOF:
            break
        if kind == _BOUNDSHEET and size >= 8:
            offset = int.from_bytes(stream[start : start + 4], "little")
            length = stream[start + 6]
            raw = stream[start + 8 : start + 8 + length * 2] if stream[start + 7] & 1 else b""
            name = raw.decode("utf-16-le", "replace") if raw else ""
            if not name:
                name = stream[start + 7 : start + 7 + length].decode("latin-1", "replace")
            sheets.append((name or f"sheet {len(sheets) + 1}", offset))
    return sheets


class _Budget:
    """Records the walks of all sheets may read together: a record is at least 4 bytes,
    so a stream holds at most a quarter of its length in records, and sheets whose
    offsets a hostile file sets to overlap cannot make the walk quadratic. Past it, the
    walk stops and the worker's memory and time limits stand behind the parser."""

    def __init__(self, stream: bytes) -> None:
        self.left = len(stream) // 4 + 1_000


def _xls_corner(stream: bytes, offset: int, budget: _Budget) -> tuple[int, int, int]:
    """(rows, columns, value cells) of the sheet whose BOF is at ``offset``."""
    rows = cols = cells = depth = 0
    for kind, start, size in _records(stream, offset):
        budget.left -= 1
        if budget.left < 0:
            break
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif size >= 4 and (kind in _CELL_RECORDS or kind == _MULRK):
            row = int.from_bytes(stream[start : start + 2], "little") + 1
            col = int.from_bytes(stream[start + 2 : start + 4], "little") + 1
            if kind == _MULRK and size >= 6:
                col = int.from_bytes(stream[start + size - 2 : start + size], "little") + 1
            rows, cols, cells = max(rows, row), max(cols, col), cells + 1
    return rows, cols, cells


def xls_oversized(data: bytes, max_cells: int) -> Oversized | None:
    """The first sheet of an .xls whose used area passes ``max_cells``, or None."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            names = {"/".join(s).casefold(): s for s in ole.listdir()}
            book = names.get("workbook") or names.get("book")
            if not book:
                return None
            stream = ole.openstream(book).read()
    except Exception:  # olefile raises many kinds; the parser will say
        return None
    budget = _Budget(stream)
    for name, offset in dict.fromkeys(_sheet_offsets(stream)):
        rows, cols, _ = _xls_corner(stream, offset, budget)
        if rows * cols > max_cells:
            return name, f"{column_letter(cols)}{rows}", rows * cols
    return None


# --- .xlsb: BIFF12 records ---------------------------------------------------------------------

_ROW_HEADER = 0
#: BrtCellRk … BrtFmlaError, and BrtCellRString: cells holding a value (1 is a blank cell).
_XLSB_CELLS = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 62})


def _varint(data: bytes, offset: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for index in range(most):
        if offset + index >= len(data):
            return -1, offset + index
        byte = data[offset + index]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset + index + 1
    return value, offset + most


def _xlsb_corner(data: bytes, max_cells: int) -> tuple[int, int]:
    rows = cols = row = cells = 0
    offset, end = 0, len(data)
    while offset < end:
        kind, offset = _varint(data, offset, 2)
        size, offset = _varint(data, offset, 4)
        if kind < 0 or size < 0:
            break
        if kind == _ROW_HEADER and size >= 4:
            row = int.from_bytes(data[offset : offset + 4], "little") + 1
        elif kind in _XLSB_CELLS and size >= 4:
            col = int.from_bytes(data[offset : offset + 4], "little") + 1
            rows, cols, cells = max(rows, row), max(cols, col), cells + 1
            if rows * cols > max_cells:
                break
        offset += size
    return rows, cols


def xlsb_oversized(data: bytes, max_cells: int) -> Oversized | None:
    """The first sheet part of an .xlsb whose used area passes ``max_cells``, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".bin")):
                    continue
                rows, cols = _xlsb_corner(archive.read(name), max_cells)
                if rows * cols > max_cells:
                    return name, f"{column_letter(cols)}{rows}", rows * cols
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


# --- .ods: content.xml -------------------------------------------------------------------------

# The tags that shape the grid: a table, a row, a cell (covered or not), and what makes a
# cell hold a value: a value type, or a paragraph of text inside it.
_ODS_TAG = re.compile(
    rb"<(/?)(?:[\w.-]++:)?(table|table-row|table-cell|covered-table-cell|p)(?=[\s/>])([^<>]*+)>"
)
_ROWS_REPEATED = re.compile(rb'number-rows-repeated="([0-9]{1,10})"')
_COLS_REPEATED = re.compile(rb'number-columns-repeated="([0-9]{1,10})"')
_TABLE_NAME = re.compile(rb'(?:[\w.-]+:)?name="([^"]*)"')


class _OdsWalk:
    """The state of the walk over content.xml: where the next row and cell are."""

    def __init__(self, max_cells: int) -> None:
        self.max_cells = max_cells
        self.sheet = ""
        self.row = self.col = self.rows = self.cols = 0
        self.row_repeat = 1
        self.cell_start = self.cell_repeat = 0
        self.cell_valued = False
        self.row_cols = 0

    def table(self, attrs: bytes) -> None:
        match = _TABLE_NAME.search(attrs)
        self.sheet = match.group(1).decode("utf-8", "replace") if match else "?"
        self.row = self.rows = self.cols = 0

    def row_open(self, attrs: bytes, empty: bool) -> None:
        match = _ROWS_REPEATED.search(attrs)
        self.row_repeat = max(1, int(match.group(1))) if match else 1
        self.col = self.row_cols = 0
        if empty:
            self.row_close()

    def row_close(self) -> None:
        if self.row_cols:
            self.rows = self.row + self.row_repeat
            self.cols = max(self.cols, self.row_cols)
        self.row += self.row_repeat

    def cell_open(self, attrs: bytes, empty: bool) -> None:
        match = _COLS_REPEATED.search(attrs)
        self.cell_repeat = max(1, int(match.group(1))) if match else 1
        self.cell_start = self.col
        self.cell_valued = b"value-type=" in attrs
        if empty:
            self.cell_close()

    def cell_close(self) -> None:
        self.col = self.cell_start + self.cell_repeat
        if self.cell_valued:
            self.row_cols = self.col

    @property
    def area(self) -> int:
        return self.rows * self.cols


def ods_oversized(data: bytes, max_cells: int) -> Oversized | None:
    """The first table of an .ods whose used area passes ``max_cells``, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    walk = _OdsWalk(max_cells)
    for match in _ODS_TAG.finditer(content):
        closing, tag, attrs = match.groups()
        empty = attrs.endswith(b"/")
        if tag == b"table":
            if not closing:
                walk.table(attrs)
        elif tag == b"table-row":
            walk.row_close() if closing else walk.row_open(attrs, empty)
        elif tag in (b"table-cell", b"covered-table-cell"):
            walk.cell_close() if closing else walk.cell_open(attrs, empty)
        elif tag == b"p" and not closing and not empty:
            walk.cell_valued = True
        if walk.area > max_cells:
            if walk.rows > MAX_ROWS or walk.cols > MAX_COLS:
                raise BeyondGrid(walk.sheet, walk.rows, walk.cols)
            return walk.sheet, f"{column_letter(walk.cols)}{walk.rows}", walk.area
    return None


def oversized_sheet(fmt: str, data: bytes, max_cells: int) -> Oversized | None:
    """The first sheet over ``max_cells`` in an .xls, .xlsb or .ods (None for others)."""
    if fmt == "xls":
        return xls_oversized(data, max_cells)
    if fmt == "xlsb":
        return xlsb_oversized(data, max_cells)
    if fmt == "ods":
        return ods_oversized(data, max_cells)
    return None
