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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.cell.cell import Cell, MergedCell

#: Excel's hard limit on the characters in one cell.
EXCEL_CELL_LIMIT = 32_767
TRUNCATION_MARKER = " … [truncated: full text in responses.csv]"

# The C0 controls XML 1.0 forbids. Tab, LF and CR are allowed.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Word pastes vertical tab and form feed for its own line and page breaks: keep them as
# line breaks. Anything else illegal becomes U+FFFD, visibly.
_AS_NEWLINE = {"\x0b": "\n", "\x0c": "\n"}
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
        replaced = len(_ILLEGAL.findall(text))
        text = _ILLEGAL.sub(lambda m: _AS_NEWLINE.get(m.group(), "\ufffd"), text)
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
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """``text`` with control and bidi characters made visible: '\\n', '\\x07', '\\u202e'."""
    if not _INVISIBLE.search(text):
        return text

    def show(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _INVISIBLE.sub(show, text)
