"""Repair a valid workbook that the parser would reject, in memory (the file is never changed).

* An .ods whose content.xml is indented (Gnumeric writes it so, as do many other
  programs) has whitespace between table elements, which calamine rejects; whitespace
  outside paragraphs is not content in OpenDocument, so it is removed there.
* An .ods with no ``mimetype`` member (Google Docs writes these) gets one.
* An .xls whose date cells hold numbers no date can be gets every cell format set to
  General, so the parser reads numbers instead of giving up; the dates are then read from
  their serial numbers, and the bad one is kept as typed with a finding.
"""

from __future__ import annotations

import io
import re
import zipfile

from lsp_xlsx.returns.sniff import ODS_MIME

# A tag, then whitespace, then the start of the next tag. The tag is matched up to its
# ``>`` ([^<>]*) and the next one only by its name, so each byte is looked at a fixed
# number of times.
_GAP = re.compile(
    rb"<(/?)(?:[\w.-]++:)?([\w.-]++)[^<>]*+>([ \t\r\n]++)(?=<(/?)(?:[\w.-]++:)?([\w.-]++))"
)
#: Elements inside a paragraph, where a space between two of them is a real space.
_INLINE = frozenset(
    {b"span", b"s", b"tab", b"line-break", b"a", b"note", b"ruby", b"bookmark", b"date"}
)
_PARAGRAPHS = frozenset({b"p", b"h"})


def _gap(match: re.Match[bytes]) -> bytes:
    closing, name, space, next_closing, next_name = match.groups()
    whole = match.group(0)
    tag = whole[: len(whole) - len(space)]
    opens_paragraph = name in _PARAGRAPHS and not closing and not tag.endswith(b"/>")
    inside_after = opens_paragraph or name in _INLINE
    closes_paragraph = next_name in _PARAGRAPHS and next_closing
    inside_before = closes_paragraph or next_name in _INLINE
    return whole if inside_after and inside_before else tag


def _needs_unindent(content: bytes) -> bool:
    return re.search(rb">[ \t\r\n]+<", content) is not None


def repaired_ods(data: bytes) -> bytes:
    """The .ods with its mimetype member added and content.xml's indentation removed, or
    ``data`` itself when it needs neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {i.filename for i in archive.infolist()}
            content = archive.read("content.xml") if "content.xml" in names else b""
            if "mimetype" in names and not _needs_unindent(content):
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                if "mimetype" not in names:
                    target.writestr("mimetype", ODS_MIME, compress_type=zipfile.ZIP_STORED)
                for info in archive.infolist():
                    part = archive.read(info)
                    if info.filename == "content.xml":
                        part = _GAP.sub(_gap, part)
                    target.writestr(info, part, compress_type=info.compress_type)
            return out.getvalue()
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return data  # the parser will say what is wrong with the package


_XF = 0x00E0
_EOF = 0x000A


def xls_without_number_formats(data: bytes) -> bytes | None:
    """The .xls with every XF record's number format set to General (0), or None when its
    container cannot be rewritten. The Workbook stream keeps its size, so it is written
    back in place."""
    import olefile

    try:
        buffer = io.BytesIO(data)
        ole = olefile.OleFileIO(buffer, write_mode=True)
        names = {"/".join(s).casefold(): s for s in ole.listdir()}
        book = names.get("workbook") or names.get("book")
        if not book:
            return None
        stream = bytearray(ole.openstream(book).read())
        offset = 0
        while offset + 4 <= len(stream):
            kind = int.from_bytes(stream[offset : offset + 2], "little")
            size = int.from_bytes(stream[offset + 2 : offset + 4], "little")
            if kind == _EOF:
                break
            if kind == _XF and size >= 4:
                stream[offset + 6 : offset + 8] = b"\0\0"
            offset += 4 + size
        ole.write_stream(book, bytes(stream))
        ole.close()
        return buffer.getvalue()
    except Exception:  # olefile raises many kinds: then no repair
        return None
