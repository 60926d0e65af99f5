"""Make partner text safe to put in a spreadsheet cell, and say what had to change.

Three things go wrong when text from partners is written with openpyxl:

* a string starting with ``=`` is stored as a formula (formula injection);
* characters XML forbids (``\\x0b`` pasted from Word, other C0 controls) raise
  ``IllegalCharacterError`` and abort the whole save;
* text over Excel's 32,767-character limit is cut silently;
* a carriage return, or text that looks like an OOXML escape (``_x0041_``), is written raw,
  so Excel, LibreOffice and calamine read back something else. Excel escapes both.

:func:`write_text` handles all three. It returns what it changed so the caller can
record a finding; the full original text always lives on elsewhere (the tidy CSV).

Text any output can hold (issue 21): :func:`xml_safe` is the one function every XML writer
(the workbooks, the board paper, document properties) passes text through, and
:func:`name_safe` the one for file names. What they do with each character:

* tab, line feed and carriage return are kept (XML 1.0 allows them);
* vertical tab and form feed (Word's line and page breaks) become line feeds;
* the other C0 controls, U+FFFE, U+FFFF and lone surrogates that are not a file name's byte
  become U+FFFD, the replacement character: visible, and meaning "a character was here";
* DEL and the C1 controls (U+007F to U+009F) are escaped visibly as ``\\x85``: XML allows
  them, but they are invisible, and are nearly always Windows-1252 punctuation
  (``\\x92`` for a curly quote) read as Latin-1, so the escape keeps what the byte was;
* a byte of a file name that is not UTF-8, which Python holds as a lone surrogate
  (U+DC80 to U+DCFF, "surrogateescape"), is shown as ``\\xe9``, the byte itself: an old unzip's
  ``R\\xe9ponse police.xlsx`` is shown just so.

Nothing is dropped, and each function is idempotent. The tidy table keeps the original
text (UTF-8 holds every character but a lone surrogate, which :func:`utf8_safe` escapes
as above), so the original is recoverable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from os import PathLike, fsdecode
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported by what writes cells, not by every reader of text
    from openpyxl.cell.cell import Cell, MergedCell

#: Excel's hard limit on the characters in one cell.
EXCEL_CELL_LIMIT = 32_767
TRUNCATION_MARKER = " … [truncated: full text in responses.csv]"

# What XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates),
# and the C1 controls, which it allows but nobody can see.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Word pastes vertical tab and form feed for its own line and page breaks: keep them as
# line breaks. Anything else illegal becomes U+FFFD, visibly, or an escape (see above).
_AS_NEWLINE = {"\x0b": "\n", "\x0c": "\n"}
_SURROGATES = re.compile("[\ud800-\udfff]")


def _replacement(char: str) -> str:
    """What :func:`xml_safe` puts in place of one character XML cannot (or should not) hold."""
    code = ord(char)
    if char in _AS_NEWLINE:
        return _AS_NEWLINE[char]
    if 0x7F <= code <= 0x9F:  # DEL or a C1 control: most likely a Windows-1252 byte
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a file name's byte that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd"


def xml_safe(text: str) -> str:
    """``text`` as any XML 1.0 writer can hold it (openpyxl, python-docx, lxml never raise).

    Unsafe characters are replaced visibly, never dropped (see the module's notes); safe
    text comes back unchanged, and applying it twice changes nothing more."""
    if not _ILLEGAL.search(text):
        return text
    return _ILLEGAL.sub(lambda m: _replacement(m.group()), text)


def unsafe_count(text: str) -> int:
    """How many characters :func:`xml_safe` would replace in ``text``."""
    return len(_ILLEGAL.findall(text))


def utf8_safe(text: str) -> str:
    """``text`` as UTF-8 can encode it: every character kept but lone surrogates, which are
    escaped as :func:`xml_safe` does (a file name's byte as ``\\xe9``)."""
    if not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub(lambda m: _replacement(m.group()), text)


def utf8_safe_data(data: Any) -> Any:
    """Plain data (dicts, lists, strings) with every string made :func:`utf8_safe`: for JSON
    that must be valid UTF-8 whatever file names it carries."""
    if isinstance(data, str):
        return utf8_safe(data)
    if isinstance(data, dict):
        return {utf8_safe_data(k): utf8_safe_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [utf8_safe_data(v) for v in data]
    return data


def name_safe(name: str | bytes | PathLike[str] | PathLike[bytes]) -> str:
    """A file name as text every output can hold: bytes that are not UTF-8 shown as
    ``\\xe9`` (``b'R\\xe9ponse.xlsx'`` -> ``'R\\xe9ponse.xlsx'``), controls as :func:`xml_safe`
    shows them. The name on disk is not changed: open the file by its path, not this."""
    return xml_safe(fsdecode(name))


# OOXML escapes a character as _xHHHH_; a literal "_x0041_" must itself be escaped.
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True)
class TextFix:
    """What :func:`safe_text` changed: characters replaced, and the length before a cut."""

    replaced: int = 0
    truncated_from: int = 0

    @property
    def changed(self) -> bool:
        """True when the cell does not hold the original text exactly."""
        return bool(self.replaced or self.truncated_from)


def needs_cleaning(text: str) -> bool:
    """True when ``text`` holds a character a cell cannot (a quick test before safe_text)."""
    return _ILLEGAL.search(text) is not None


_UNCHANGED = TextFix()


def safe_text(text: str, marker: str = TRUNCATION_MARKER) -> tuple[str, TextFix]:
    """Return text a cell can hold, and what was changed to get it."""
    # The common case, checked cheaply: nothing to replace, cut or escape.
    if (
        len(text) <= EXCEL_CELL_LIMIT
        and "\r" not in text
        and "_x" not in text
        and not _ILLEGAL.search(text)
    ):
        return text, _UNCHANGED
    replaced = 0
    if _ILLEGAL.search(text):
        replaced = unsafe_count(text)
        text = xml_safe(text)
    truncated_from = 0
    if len(text) > EXCEL_CELL_LIMIT:
        truncated_from = len(text)
        text = text[: EXCEL_CELL_LIMIT - len(marker)] + marker
    # Escaping changes the XML, not the characters Excel counts, so it comes after the cut.
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    return text, TextFix(replaced, truncated_from)


def write_text(cell: Cell | MergedCell, text: str, marker: str = TRUNCATION_MARKER) -> TextFix:
    """Put ``text`` in ``cell`` as text, never as a formula; return what had to change."""
    value, fix = safe_text(text, marker)
    cell.value = value
    # openpyxl stores a str starting with "=" as a formula; this keeps it as text.
    cell.data_type = "s"
    return fix


# Controls, and the marks that reorder text (bidi overrides such as U+202E): shown as
# escapes on a terminal, so that a file name or a typed value cannot fake report lines.
# Lone surrogates too (a file name that is not UTF-8), which no terminal can be sent.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """``text`` with control and bidi characters made visible: '\\n', '\\x07', '\\u202e'."""
    if not _INVISIBLE.search(text):
        return text

    def show(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a file name's byte, as xml_safe shows it
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(show, text)
