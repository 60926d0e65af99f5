"""Look inside an xlsx package before any parser runs, in time linear in its size.

* :func:`scan_package` makes one pass over each sheet: the cell furthest from A1 that it
  mentions (so that a sheet claiming a cell at ``XFD1048576`` is refused before a parser
  tries to allocate a grid of seventeen billion cells), NaN or infinity stored as a
  number, and formulas saved with no result.
* :func:`without_number_formats` and :func:`with_workbook_at_usual_path` repair a package
  so that the parser can read it.

Every pattern here reads a token up to the next ``<`` or ``>`` at most (``[^<>]*``), so
no character is looked at more than a fixed number of times, however the XML is crafted.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO

from lsp_xlsx.core.xmlrows import column_letter, rewrite_parts, sheet_parts

# A cell or row reference: r="XFD1048576" on a cell, r="12" on a row. Only cells and rows
# carry an r attribute in sheet XML; one elsewhere (or an attribute whose name ends in r)
# can only make the check stricter. No leading \s: with a literal start the pattern runs
# three times faster, and it runs over every byte of every sheet.
_REF = re.compile(rb'r="([A-Z]{0,4})([0-9]{1,8})"')
# Formatting alone is not content: a styled empty cell (<c r="AMJ1" s="3"/>) or a row of a
# set height (<row r="1048576" ht="12"/>), as Excel for Mac and LibreOffice write them,
# costs the parser nothing. So the far corner is that of the cells holding a value, a
# formula or inline text: a <c> tag with a reference, then (after any spaces) <v>, <f> or
# <is>. Each piece reads up to the next < or > at most, and gives nothing back (possessive
# and atomic), so a tag crafted with many r= attributes is still read once.
_VALUE_CELL = re.compile(
    rb'<(?:[\w.-]++:)?c\s(?>[^<>]*?\br=")([A-Z]{1,4})([0-9]{1,8})"[^<>]*+(?<!/)>'
    rb"\s*+<(?:[\w.-]++:)?(?:v|f|is)[\s>/]"
)
# Any cell holding something, with or without a reference. A cell with no reference takes
# its place from the cells before it, so a sheet with such cells falls back to every
# reference (rows included), as strict as before.
_ANY_VALUE_CELL = re.compile(
    rb"<(?:[\w.-]++:)?c(?:\s[^<>]*+)?(?<!/)>\s*+<(?:[\w.-]++:)?(?:v|f|is)[\s>/]"
)
# The tags that matter for formulas: <c ...>, </c>, <f...>, <v>text.
_TOKEN = re.compile(rb"<(/?)(?:[\w.-]+:)?(c|f|v)(?=[\s/>])([^<>]*)>([^<]?)")
# A formula element, <f> or <f t="shared" ...>; not <formula1> of a data validation.
_FORMULA_TAG = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_REF_ATTR = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_CHUNK = 1 << 20
# The cheap searches of an ordinary sheet. Every reference the patterns above read starts
# r=" then letters then digits; one in row 1,000 or below or in column AAA or beyond
# starts like this, so where none does the far corner is at most ZZ999 (701,298 cells),
# within any cell limit at least that large.
_FAR_REF = re.compile(rb'r="(?:[A-Z]{3}|[A-Z]{0,2}[0-9]{4})')
_NEAR_CELLS = 999 * 702
# Where _NON_FINITE can match (it needs this, and more); starts with a literal, so fast.
_MAYBE_NON_FINITE = re.compile(rb"v>\s*[-+]?(?:[nN][aA][nN]|[iI][nN][fF])")
# A formula element followed at once by a value holding something: <f>..</f><v>1 or
# <f .../><v>1. Tried only where a formula element starts; reads up to its third '<'.
_FORMULA_WITH_VALUE = re.compile(
    rb"<(?:[\w.-]+:)?f(?:\s[^<>]*+|/)?(?:(?<=/)>|(?<!/)>[^<]*+</(?:[\w.-]+:)?f>)"
    rb"<(?:[\w.-]+:)?v>[^<]"
)
#: Parts up to this size are unpacked whole, in one step.
_WHOLE = 16 << 20


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def _far_corner(refs: list[tuple[bytes, bytes]], rows: int, cols: int) -> tuple[int, int]:
    """The furthest row and column among ``refs`` and (rows, cols) so far. The distinct
    values first (a sheet repeats a few columns and each row many times), so the Python
    work is per distinct value, not per cell."""
    letters, numbers = zip(*refs, strict=True)
    rows = max(rows, *map(int, set(numbers)))
    named = set(letters) - {b""}
    if named:  # column letters order by length, then alphabetically
        cols = max(cols, _column_number(max(named, key=lambda c: (len(c), c))))
    return rows, cols


def _chunks(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part in pieces that overlap by a little, so no tag is cut in two unseen."""
    with archive.open(part) as stream:
        yield from _pieces(stream)


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    tail = b""
    while block := stream.read(_CHUNK):
        data = tail + block
        cut = data.rfind(b"<")
        if cut <= 0:
            tail = b""
            yield data
            continue
        tail = data[cut:] if len(data) - cut < 4096 else b""
        yield data[:cut] if tail else data
    if tail:
        yield tail


def _formula_cells(archive: zipfile.ZipFile, part: str) -> set[str]:
    """Cells of one sheet holding a formula with no saved result: they read as empty."""
    return _formula_cells_in(_chunks(archive, part))


def _formula_cells_in(chunks: Iterable[bytes]) -> set[str]:
    cells: set[str] = set()
    ref, formula, value = b"", False, False
    for data in chunks:
        if not ref and _FORMULA_TAG.search(data) is None:
            continue
        for closing, tag, attrs, after in _TOKEN.findall(data):
            if tag == b"c":
                if closing or attrs.rstrip().endswith(b"/"):
                    if ref and formula and not value:
                        cells.add(ref.decode())
                    ref, formula, value = b"", False, False
                if not closing and not attrs.rstrip().endswith(b"/"):
                    match = _REF_ATTR.search(attrs)
                    ref, formula, value = (match.group(1) if match else b""), False, False
            elif tag == b"f" and not closing:
                formula = True
            elif tag == b"v" and not closing and after:
                value = True
    return cells


_XF_FORMAT = re.compile(rb'(<(?:[\w.-]+:)?xf\s[^<>]*?\bnumFmtId=")[0-9]+(")')


def without_number_formats(data: bytes) -> bytes:
    """The package with every cell format set to General, so that no number is read as a
    date. For a file whose date cells hold numbers no date can be (such as -1e12), which
    make the parser give up; the dates are then read from their serial numbers."""

    def change(name: str, part: bytes) -> tuple[str, bytes]:
        if name.casefold() == "xl/styles.xml":
            part = _XF_FORMAT.sub(rb"\g<1>0\2", part)
        return name, part

    return rewrite_parts(data, change)


_NON_FINITE = re.compile(rb"<(?:[\w.-]+:)?v>\s*[-+]?(?:nan|inf(?:inity)?)\s*<", re.IGNORECASE)


def _could_be_non_finite(chunk: bytes) -> bool:
    lowered = chunk.lower()
    return b"nan" in lowered or b"inf" in lowered


def with_workbook_at_usual_path(data: bytes, part: str) -> bytes:
    """The package with its workbook part (found through the package relationships at
    ``part``, e.g. 'xl/book.xml') moved to xl/workbook.xml, where parsers look for it.

    Only a part in the xl/ folder is moved: its relationships are relative to that folder.
    """
    folder, _, name = part.rpartition("/")
    if folder != "xl" or not name:
        return data
    renames = {part: "xl/workbook.xml", f"xl/_rels/{name}.rels": "xl/_rels/workbook.xml.rels"}

    def change(name: str, content: bytes) -> tuple[str, bytes]:
        if name in ("[Content_Types].xml", "_rels/.rels"):
            content = content.replace(f"/{part}".encode(), b"/xl/workbook.xml")
            content = content.replace(f'"{part}"'.encode(), b'"xl/workbook.xml"')
        return renames.get(name, name), content

    return rewrite_parts(data, change)


class FormulaCells(Mapping[str, set[str]]):
    """Cells holding a formula with no saved result, by sheet name.

    A sheet's are found only when asked for: a return needs them on its theme sheets alone
    (the Agreed sheet, for the board's comparison), and the formulas of "Start here",
    which openpyxl saves with no result, cost a tenth of a read to look through."""

    def __init__(self) -> None:
        self._found: dict[str, set[str]] = {}
        self._pending: dict[str, bytes] = {}

    def add(self, name: str, cells: set[str]) -> None:
        if cells:
            self._found[name] = cells

    def defer(self, name: str, whole: bytes) -> None:
        """Look through ``whole`` (the sheet's XML, which has formula tags) when asked."""
        self._pending[name] = whole

    def _settle(self, name: str) -> None:
        whole = self._pending.pop(name, None)
        if whole is not None and not _results_saved(whole):
            self.add(name, _formula_cells_in(_pieces(io.BytesIO(whole))))

    def __getitem__(self, name: str) -> set[str]:
        self._settle(name)
        return self._found[name]

    def __iter__(self) -> Iterator[str]:
        for name in list(self._pending):
            self._settle(name)
        return iter(self._found)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class PackageScan:
    """What one linear pass over every sheet of an xlsx package found."""

    #: (sheet, far corner, cells) of the first sheet over the cell limit, or None.
    oversized: tuple[str, str, int] | None = None
    #: True when a sheet holds NaN or infinity as a number.
    non_finite: bool = False
    #: Cells holding a formula with no saved result, by sheet name.
    formula_cells: FormulaCells = field(default_factory=FormulaCells)


def scan_package(data: bytes, max_cells: int, only: Collection[str] | None = None) -> PackageScan:
    """One pass over each sheet's XML (each part is unpacked once) for all three checks.

    An ordinary sheet (small, its references all below row 1,000 and left of column AAA,
    its formulas all with a saved result) is unpacked once and looked at by three cheap
    searches; only a sheet that one of them flags gets the full pass. The answer is the
    same either way: each cheap search finds everything the full one would act on.

    With ``only``, just those sheets: for a reader that parses no other (the parser reads
    a sheet only when it is asked for), such as ``agree`` reading the Agreed sheet of a
    comparison whose Evidence sheet has hundreds of thousands of cells."""
    found = PackageScan()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, part in sheet_parts(archive).items():
                info = archive.NameToInfo.get(part)
                if info is None or (only is not None and name not in only):
                    continue
                whole = _inflated(data, info)
                if whole is None:
                    _scan_streamed(archive, name, part, max_cells, found)
                else:
                    _scan_whole(whole, name, max_cells, found)
    except (zipfile.BadZipFile, OSError, KeyError):
        return found  # the parser will say what is wrong with the package
    return found


def _scan_whole(whole: bytes, name: str, max_cells: int, found: PackageScan) -> None:
    """:func:`_scan_streamed` on a sheet already unpacked, in the same pieces."""
    chunks = list(_pieces(io.BytesIO(whole)))
    if max_cells < _NEAR_CELLS or any(_FAR_REF.search(chunk) for chunk in chunks):
        _check_corner(chunks, name, max_cells, found)
    if not found.non_finite:
        found.non_finite = any(
            _MAYBE_NON_FINITE.search(chunk) and _NON_FINITE.search(chunk) for chunk in chunks
        )
    if not any(b"<f" in chunk or b":f" in chunk for chunk in chunks):
        return
    if any(_FORMULA_TAG.search(chunk) for chunk in chunks):
        found.formula_cells.defer(name, whole)


def _results_saved(whole: bytes) -> bool:
    """True when every formula element is followed at once by a value with something in
    it (as Excel saves them), so that no cell holds a formula with no saved result."""
    return all(
        _FORMULA_WITH_VALUE.match(whole, tag.start()) for tag in _FORMULA_TAG.finditer(whole)
    )


class _Corner:
    """The far corner of a sheet's cells holding something, a piece of its XML at a time."""

    def __init__(self) -> None:
        self.rows = self.cols = self.every_rows = self.every_cols = 0
        self.unplaced = False

    def add(self, chunk: bytes) -> None:
        refs = _VALUE_CELL.findall(chunk)
        if refs:
            self.rows, self.cols = _far_corner(refs, self.rows, self.cols)
        if not self.unplaced and len(_ANY_VALUE_CELL.findall(chunk)) > len(refs):
            self.unplaced = True
        every = _REF.findall(chunk)
        if every:
            self.every_rows, self.every_cols = _far_corner(every, self.every_rows, self.every_cols)

    def check(self, name: str, max_cells: int, found: PackageScan) -> None:
        """Against the cell limit. Where a cell has no reference, every reference counts."""
        rows, cols = (self.every_rows, self.every_cols) if self.unplaced else (self.rows, self.cols)
        if rows * cols > max_cells and found.oversized is None:
            found.oversized = (name, f"{column_letter(cols)}{rows}", rows * cols)


def _check_corner(chunks: Iterable[bytes], name: str, max_cells: int, found: PackageScan) -> None:
    """The far corner of the cells holding something, against the cell limit."""
    corner = _Corner()
    for chunk in chunks:
        corner.add(chunk)
    corner.check(name, max_cells, found)


def _scan_streamed(
    archive: zipfile.ZipFile, name: str, part: str, max_cells: int, found: PackageScan
) -> None:
    """Every check on a sheet read in pieces of a megabyte (a large part, or one that
    only the zip module can unpack)."""
    corner = _Corner()
    formulas = False
    for chunk in _chunks(archive, part):
        corner.add(chunk)
        # Each pattern only where a plain search says it could match.
        if not found.non_finite and _could_be_non_finite(chunk):
            found.non_finite = bool(_NON_FINITE.search(chunk))
        if not formulas and (b"<f" in chunk or b":f" in chunk):
            formulas = _FORMULA_TAG.search(chunk) is not None
    corner.check(name, max_cells, found)
    if formulas:
        found.formula_cells.add(name, _formula_cells(archive, part))


def _inflated(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A small member's content unpacked straight from the package's bytes (half the cost
    of the zip module's reader), or None where anything is unusual: then the zip module
    reads it, with its own checks and errors."""
    if info.file_size > _WHOLE or info.flag_bits & 1:
        return None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = info.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return None
    start += 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    raw = data[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    else:
        try:
            content = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        except zlib.error:
            return None
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        return None
    return content
