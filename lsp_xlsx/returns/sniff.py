"""What kind of file is this, and is it safe to open? Decided from the bytes, not the name.

Partners rename files, save PDFs as ``.xlsx`` and, now and then, send a zip bomb or a
password-protected workbook. :func:`sniff` looks at the content and the zip directory
before any spreadsheet parser runs, and either names the format or says why not.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from lsp_xlsx.core.findings import Code

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits on reading one file. Raise them with the matching check/collate options.

    A zip's declared sizes are read from its central directory, which costs almost nothing:
    no member is decompressed to check them. Cells are counted by a linear scan of each
    sheet's XML before any parser runs. Time and memory bound the worker process that
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


@dataclass(frozen=True)
class Sniffed:
    """The verdict: a spreadsheet ``fmt`` to read, or a refusal ``code`` with its details."""

    fmt: str = ""
    code: Code | None = None
    details: tuple[tuple[str, str], ...] = ()

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


def _text_kind(head: bytes) -> str:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:1024]:
        return "a web page (HTML)"
    if lowered.startswith(b"<?xml"):
        return "an XML file"
    if lowered.startswith(b"mime-version:") or lowered.startswith(b"from:"):
        return "an e-mail message"
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "a file of unknown type"


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
        names = {i.filename for i in infos}
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            if "xl/workbook.bin" in names:
                return Sniffed("xlsb")
            content_types = _read_member(archive, "[Content_Types].xml", 1 * MiB)
            return Sniffed("xlsm" if b"macroEnabled" in content_types else "xlsx")
        if "mimetype" in names:
            mime = _read_member(archive, "mimetype", 1024).strip()
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
        if "word/document.xml" in names:
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a Word document")
        if "ppt/presentation.xml" in names:
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a PowerPoint presentation")
        if "[Content_Types].xml" in names:
            return _refuse(Code.REFUSED_CORRUPT, detail="it has no workbook part")
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a zip archive")


def _read_member(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(cap)
    except (KeyError, zipfile.BadZipFile, OSError):
        return b""


def _sniff_ole(data: bytes) -> Sniffed:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError as exc:
        return _refuse(Code.REFUSED_CORRUPT, detail=f"its OLE structure is broken: {exc}")
    with ole:
        streams = {"/".join(s) for s in ole.listdir()}
    # Excel's password-to-open wraps the real xlsx in an encrypted OLE container.
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return _refuse(Code.REFUSED_PASSWORD)
    if "Workbook" in streams or "Book" in streams:
        import msoffcrypto

        try:
            if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
                return _refuse(Code.REFUSED_PASSWORD)
        except Exception:  # a parse failure here is left to the reader, which reports it
            pass
        return Sniffed("xls")
    if "WordDocument" in streams:
        return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind="a Word document (.doc)")
    if "PowerPoint Document" in streams:
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
        return _sniff_ole(data)
    for magic, kind in _NOT_SPREADSHEET:
        if data.startswith(magic):
            return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind=kind)
    return _refuse(Code.REFUSED_NOT_SPREADSHEET, kind=_text_kind(data[:4096]))
