"""What kind of file is this, and is it safe to open? Decided from the bytes, not the name.

Partners rename files, save PDFs as ``.xlsx`` and, now and then, send a zip bomb or a
password-protected workbook. :func:`sniff` looks at the content and the zip directory
before any spreadsheet parser runs, and either names the format or says why not.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

from lsp_xlsx.core.findings import Code

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits on reading one file. Raise them with the matching check/collate options.

    A zip's declared sizes are read from its central directory, which costs almost nothing:
    no member is decompressed to check them. Cells are counted by a linear scan of each
    sheet before any parser runs, in every format (.xlsx's XML, .xls's and .xlsb's records,
    .ods's content.xml; only cells holding a value count). Time and memory bound the
    worker process that
    reads the file, so a file that breaks them costs that file only.
    """

    #: Largest file accepted, in bytes (``--max-file-size``).
    max_file_size: int = 50 * MiB
    #: Largest total uncompressed size of all zip members (``--max-unzipped-size``).
    max_unzipped_size: int = 250 * MiB
    #: Largest compression ratio of one member bigger than ``ratio_floor`` (``--max-ratio``).
    max_ratio: float = 200.0
    #: Members smaller than this may compress as well as they like: they cannot hurt.
    ratio_floor: int = 1 * MiB
    #: Most members in one zip.
    max_members: int = 10_000
    #: Most cells in the used area of one sheet (``--max-cells``); a return has a few hundred.
    max_cells: int = 2_000_000
    #: Longest one file may take to read, in seconds (``--max-seconds``).
    max_seconds: float = 60.0
    #: Most memory the reader of one file may use, in bytes (``--max-memory``).
    max_memory: int = 2048 * MiB
    #: Most sheets one workbook may name (``--max-sheets``); counted before any parser runs.
    max_sheets: int = 1000
    #: Largest result a worker may send back for one file, pickled (``--max-result-size``).
    max_result_size: int = 64 * MiB


@dataclass(frozen=True)
class Sniffed:
    """The verdict: a spreadsheet ``fmt`` to read, or a refusal ``code`` with its details."""

    fmt: str = ""
    code: Code | None = None
    details: tuple[tuple[str, str], ...] = ()
    #: Where the workbook part is, when it is not at the usual xl/workbook.xml.
    workbook_part: str = ""
    #: The bytes to parse instead of the file's, e.g. decrypted with Excel's default key.
    data: bytes = field(default=b"", repr=False)

    @property
    def refused(self) -> bool:
        """True when the file must not be parsed."""
        return self.code is not None


def _refuse(code: Code, **details: str) -> Sniffed:
    return Sniffed(code=code, details=tuple(details.items()))


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

_NOT_SPREADSHEET = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"{\\rtf", "an RTF document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


FIX_SAVE_AS_XLSX = (
    "Ask the partner to open it and save it as .xlsx (File › Save As), then send that."
)
OTHER_SPREADSHEETS = {
    "numbers": (
        "an Apple Numbers spreadsheet",
        "Ask the partner to open it in Numbers and choose File › Export To › Excel, then send "
        "the .xlsx.",
    ),
    "fods": ("a flat OpenDocument spreadsheet (.fods)", FIX_SAVE_AS_XLSX),
    "biff": ("an Excel 2, 3 or 4 worksheet (from before 1993)", FIX_SAVE_AS_XLSX),
    "numbers-2008": (
        "an Apple Numbers spreadsheet in the 2008-2012 format",
        "Ask the partner to open it in Numbers and choose File › Export To › Excel, then send "
        "the .xlsx.",
    ),
    "gnumeric": (
        "a Gnumeric spreadsheet (.gnumeric)",
        "Ask the partner to open it in Gnumeric and choose File › Save As, with the file type "
        "Excel 2007 (.xlsx), then send that.",
    ),
    "sxc": (
        "an OpenOffice.org 1.x (StarOffice) Calc spreadsheet (.sxc)",
        "Ask the partner to open it in LibreOffice and save it as .xlsx (File › Save As › "
        "Excel 2007-365), then send that.",
    ),
}
#: OpenOffice.org 1.x Calc's media type, in its mimetype member or its manifest.
SXC_MIME = b"application/vnd.sun.xml.calc"


def _other(kind: str) -> Sniffed:
    words, fix = OTHER_SPREADSHEETS[kind]
    return _refuse(Code.REFUSED_OTHER_SPREADSHEET, kind=words, fix=fix)


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    return len(lines) >= 2 and all(any(sep in line for sep in ",;\t") for line in lines)


def _utf16(head: bytes) -> str | None:
    """The text of a UTF-16 file (Excel's "Unicode Text" and some CSV exports), or None."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif len(head) >= 8 and head[1:8:2] == b"\0\0\0\0" and head[0:8:2].isascii():
        encoding = "utf-16-le"
    elif len(head) >= 8 and head[0:8:2] == b"\0\0\0\0" and head[1:8:2].isascii():
        encoding = "utf-16-be"
    else:
        return None
    return head[: len(head) // 2 * 2].decode(encoding, errors="replace")


def _text_kind(head: bytes) -> str:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:1024]:
        return "a web page (HTML)"
    if lowered.startswith(b"<?xml"):
        return "an XML file"
    if lowered.startswith(b"mime-version:") or lowered.startswith(b"from:"):
        return "an e-mail message"
    utf16 = _utf16(head)
    if utf16 is not None:
        return "a text file (CSV, UTF-16)" if _looks_like_csv(utf16) else "a text file (UTF-16)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        if b"\0" in head:
            return "a file of unknown type"
        text = head.decode("cp1252", errors="replace")  # Excel's plain CSV on Windows
    return "a text file (CSV)" if _looks_like_csv(text) else "a text file"


def _biff_2_to_4(data: bytes) -> bool:
    """Excel 2, 3 and 4 saved a bare BIFF stream: a BOF record, no OLE container."""
    return (
        len(data) >= 8
        and data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04")
        and (4 <= int.from_bytes(data[2:4], "little") <= 16)
    )


def _gnumeric(data: bytes) -> bool:
    """True for Gnumeric's own format: gzip-compressed XML whose root is gnm:Workbook."""
    import gzip

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            head = stream.read(8192)
    except (OSError, EOFError, ValueError):
        return False
    return b"gnumeric" in head.lower() and b"Workbook" in head


def _flat_ods(head: bytes) -> bool:
    return b"office:document" in head and b"opendocument.spreadsheet" in head


def _sniff_zip(data: bytes, limits: Limits) -> Sniffed:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return _refuse(Code.REFUSED_CORRUPT, detail=f"its zip structure is broken: {exc}")
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            return _refuse(
                Code.REFUSED_ZIP_BOMB,
                detail=f"it holds {len(infos):,} parts (limit {limits.max_members:,})",
                option="a higher limit",
            )
        total = sum(i.file_size for i in infos)
        if total > limits.max_unzipped_size:
            return _refuse(
                Code.REFUSED_ZIP_BOMB,
                detail=f"it unpacks to {total:,} bytes (limit {limits.max_unzipped_size:,})",
                option="--max-unzipped-size",
            )
        for info in infos:
            if info.file_size > limits.ratio_floor:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    return _refuse(
                        Code.REFUSED_ZIP_BOMB,
                        detail=(
                            f"its part {info.filename} is compressed {ratio:,.0f} to 1 "
                            f"(limit {limits.max_ratio:,.0f})"
                        ),
                        option="--max-ratio",
                    )
        seen: set[str] = set()
        for info in infos:
            key = info.filename.replace("\\", "/").casefold()
            if key in seen:
                return _refuse(Code.REFUSED_AMBIGUOUS, part=info.filename)
            seen.add(key)
        names = {i.filename.replace("\\", "/") for i in infos}
        if "xl/workbook.bin" in names:
            return Sniffed("xlsb")
        workbook = "xl/workbook.xml" if "xl/workbook.xml" in names else _office_document(archive)
        # A Word or PowerPoint package also names its main part as the office document:
        # it is a document, not a damaged workbook (issue 23).
        document = _DOCUMENT_PARTS.get(workbook.partition("/")[0].casefold())
        if workbook != "xl/workbook.xml" and document:
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind=document)
        if workbook in names:
            content_types = _read_member(archive, "[Content_Types].xml", 1 * MiB)
            template = b"template.main" in content_types
            fmt = "xlsm" if b"macroEnabled" in content_types else "xlsx"
            fmt = fmt.replace("xls", "xlt") if template else fmt
            # Repack when the workbook is elsewhere or part names use backslashes, so the
            # parser and the checks before it find every part where they look.
            backslashes = any("\\" in i.filename for i in infos)
            moved = "" if workbook == "xl/workbook.xml" and not backslashes else workbook
            return Sniffed(fmt, workbook_part=moved)
        if "Index/Document.iwa" in names or any(
            (n.startswith("Index/") and n.endswith(".iwa")) or n.endswith(".numbers/Index.zip")
            for n in names
        ):
            return _other("numbers")
        if "index.xml" in names or "index.xml.gz" in names:
            return _other("numbers-2008")
        opendocument = _sniff_opendocument(archive, names)
        if opendocument is not None:
            return opendocument
        if "word/document.xml" in names:
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a Word document")
        if "ppt/presentation.xml" in names:
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a PowerPoint presentation")
        if "[Content_Types].xml" in names:
            return _refuse(Code.REFUSED_CORRUPT, detail="it has no workbook part")
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a zip archive")


#: The main part's folder in a Word or PowerPoint package, and what such a file is.
_DOCUMENT_PARTS = {"word": "a Word document", "ppt": "a PowerPoint presentation"}


def _sniff_opendocument(archive: zipfile.ZipFile, names: set[str]) -> Sniffed | None:
    """The verdict on an OpenDocument (or OpenOffice.org 1.x) package, or None if it is not
    one. Its media type is in the mimetype member or, without one, in its manifest."""
    mime = _read_member(archive, "mimetype", 1024).strip() if "mimetype" in names else b""
    if not mime and "content.xml" in names:
        mime = _manifest_mime(_read_member(archive, "META-INF/manifest.xml", 4 * MiB))
    if not mime:
        return None
    if mime == SXC_MIME:
        return _other("sxc")
    if mime == ODS_MIME:
        manifest = _read_member(archive, "META-INF/manifest.xml", 4 * MiB)
        if b"encryption-data" in manifest:
            return _refuse(Code.REFUSED_PASSWORD)
        return Sniffed("ods")
    if mime.startswith(b"application/vnd.oasis.opendocument.text"):
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a text document (.odt)")
    return _refuse(
        Code.REFUSED_NOT_SPREADSHEET, kind="an OpenDocument file that is not a spreadsheet"
    )


_MANIFEST_ROOT = re.compile(rb'full-path="/"[^<>]*?media-type="([^"<>]*)"')
_MANIFEST_ROOT_REVERSED = re.compile(rb'media-type="([^"<>]*)"[^<>]*?full-path="/"')


def _manifest_mime(manifest: bytes) -> bytes:
    """The package's media type from META-INF/manifest.xml (its entry for '/'), for a
    package with no mimetype member (Google Docs writes such .ods files)."""
    match = _MANIFEST_ROOT.search(manifest) or _MANIFEST_ROOT_REVERSED.search(manifest)
    return match.group(1).strip() if match else b""


def _office_document(archive: zipfile.ZipFile) -> str:
    """The workbook part the package relationships point to, e.g. 'xl/book.xml'."""
    rels = _read_member(archive, "_rels/.rels", 1 * MiB)
    for match in re.finditer(rb"<(?:[\w.-]+:)?Relationship\s([^<>]*)>", rels):
        attrs = match.group(1)
        # The type ends in /officeDocument; every other part's type has that in its middle
        # (".../officeDocument/2006/relationships/extended-properties").
        if re.search(rb'Type="[^"]*/officeDocument"', attrs):
            target = re.search(rb'Target="([^"]*)"', attrs)
            if target:
                return target.group(1).decode("utf-8", "replace").lstrip("/").replace("\\", "/")
    return ""


def _read_member(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(cap)
    except (KeyError, zipfile.BadZipFile, OSError):
        return b""


#: The password Excel uses, without asking, for a workbook whose structure is protected.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def _has_filepass(stream: bytes) -> bool:
    """True when the BIFF records before the first EOF include FILEPASS: encrypted."""
    offset = 0
    for _ in range(512):
        if offset + 4 > len(stream):
            return False
        kind = int.from_bytes(stream[offset : offset + 2], "little")
        size = int.from_bytes(stream[offset + 2 : offset + 4], "little")
        if kind == 0x002F:
            return True
        if kind == 0x000A:
            return False
        offset += 4 + size
    return False


def _encrypted(data: bytes) -> bool:
    import msoffcrypto

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not something msoffcrypto understands: FILEPASS has been checked
        return False


def _decrypt_with_default_key(data: bytes) -> bytes | None:
    """The workbook decrypted with Excel's default password, or None when it has another."""
    import msoffcrypto

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=EXCEL_DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    except Exception:  # a real password: nothing we can (or should) open
        return None
    return out.getvalue()


_END_OF_CHAIN = 0xFFFFFFFA  # and above: end of chain, free, FAT and DIFAT sectors


def _chain_fault(fat: Any, start: int, sectors: int) -> str:
    """Why the sector chain from ``start`` cannot hold ``sectors`` sectors ('' if it can)."""
    seen: set[int] = set()
    sector = start
    while sector < _END_OF_CHAIN:
        if sector in seen:
            return "a sector chain runs in a circle"
        if sector >= len(fat):
            return "a sector chain points past the end of the file"
        seen.add(sector)
        sector = fat[sector]
    return "a stream is cut short" if len(seen) < sectors else ""


def _broken_chain(ole: Any) -> str:
    """Why the container's sector chains are broken ('' if they are whole): a chain that
    runs in a circle sends a parser reading for ever (calamine asks for gigabytes)."""
    try:
        fat, size = ole.fat, ole.sectorsize
        fault = _chain_fault(fat, ole.first_dir_sector, 1)
        for entry in ole.direntries:
            if fault:
                break
            if entry is None or entry.entry_type != 2 or entry.size < ole.minisectorcutoff:
                continue
            fault = _chain_fault(fat, entry.isectStart, -(-entry.size // size))
        return fault
    except (AttributeError, TypeError, IndexError):
        return ""


def _sniff_ole(data: bytes, limits: Limits) -> Sniffed:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError, ValueError and more
        detail = str(exc).splitlines()[0][:120] if isinstance(exc, OSError) else ""
        detail = detail or "its header holds values no valid file has"
        return _refuse(Code.REFUSED_CORRUPT, detail=f"its OLE structure is broken: {detail}")
    with ole:
        broken = _broken_chain(ole)
        if broken:
            return _refuse(Code.REFUSED_CORRUPT, detail=f"its OLE structure is broken: {broken}")
        # Stream names are not case-sensitive (some writers use 'WORKBOOK').
        names = {"/".join(s).casefold(): s for s in ole.listdir()}
        book = names.get("workbook") or names.get("book")
        head = ole.openstream(book).read(64 * 1024) if book else b""
    streams = set(names)
    # Excel's password-to-open wraps the real xlsx in an encrypted OLE container.
    # Excel 2007 also encrypts a workbook whose structure is protected, with its built-in
    # default key; Excel opens it without asking, and so does this tool.
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        plain = _decrypt_with_default_key(data)
        if plain is None or not plain.startswith(ZIP_MAGICS):
            return _refuse(Code.REFUSED_PASSWORD)
        inner = _sniff_zip(plain, limits)
        return inner if inner.refused else replace(inner, data=plain)
    if book:
        if _has_filepass(head) or _encrypted(data):
            plain = _decrypt_with_default_key(data)
            return Sniffed("xls", data=plain) if plain else _refuse(Code.REFUSED_PASSWORD)
        return Sniffed("xls")
    if "worddocument" in streams:
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a Word document (.doc)")
    if "powerpoint document" in streams:
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a PowerPoint presentation (.ppt)")
    return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="an Office file that is not a workbook")


def sniff(data: bytes, limits: Limits | None = None) -> Sniffed:
    """Decide from ``data`` alone what it is and whether it is safe to parse."""
    limits = limits or Limits()
    if not data:
        return _refuse(Code.REFUSED_EMPTY)
    if len(data) > limits.max_file_size:
        return _refuse(
            Code.REFUSED_TOO_LARGE, size=f"{len(data):,}", limit=f"{limits.max_file_size:,}"
        )
    if data.startswith(ZIP_MAGICS):
        return _sniff_zip(data, limits)
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, limits)
    if data.startswith(b"\x1f\x8b") and _gnumeric(data):
        return _other("gnumeric")
    for magic, kind in _NOT_SPREADSHEET:
        if data.startswith(magic):
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind=kind)
    if _biff_2_to_4(data):
        return _other("biff")
    if _flat_ods(data[:4096]):
        return _other("fods")
    return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind=_text_kind(data[:4096]))
