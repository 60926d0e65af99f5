"""Open a workbook with calamine, and say truly why when it cannot be opened.

calamine's automatic format detection hides the real error behind "Cannot detect file
format", and its panics name only a message. So when the first attempt fails, the file is
opened again by the reader for the format :mod:`~lsp_xlsx.returns.sniff` found, which gives
the real error, and a panic's place in calamine's source (which it writes to stderr, caught
here and never shown) tells a broken container from a parser's limitation.

The words matter: a valid workbook that calamine cannot read is "a variant this tool cannot
read" (ask for .xlsx), never "damaged".
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported with the module, not when first used: the isolated reader's workers are forked
# from a server that preloads the reader, and a worker under its memory limit cannot map
# a shared library any more ("failed to map segment from shared object").
import python_calamine

from lsp_xlsx.core.findings import Code

#: What each format is called in a refusal.
FORMAT_WORDS = {
    "xlsx": "Excel workbook (.xlsx)",
    "xlsm": "Excel macro-enabled workbook (.xlsm)",
    "xltx": "Excel template (.xltx)",
    "xltm": "Excel macro-enabled template (.xltm)",
    "xls": "Excel 97-2003 workbook (.xls)",
    "xlsb": "Excel binary workbook (.xlsb)",
    "ods": "OpenDocument spreadsheet (.ods)",
}

#: The extension that makes calamine use the reader for a format.
_EXTENSION = {"xltx": "xlsx", "xltm": "xlsm"}

#: calamine's words for parts of valid files it does not support (seen in files that Excel,
#: LibreOffice and Gnumeric open): an Excel 4.0 macro sheet, a relationship it cannot
#: resolve, an unusual sheet state, an old short-string layout, whitespace between ODS
#: table elements, a workbook part where it does not look.
_VARIANT_WORDS = (
    "Relationship not found",
    "Relationships",
    "Unrecognized sheet",
    "Unrecognized BoundSheet8",
    "Invalid short string length",
    "File not found",
    "Expecting '",
    "Range is missing",
    "Unrecognized",
)

#: Source files of calamine whose panics mean the container itself is broken.
_CONTAINER_SOURCES = ("src/cfb.rs", "/zip/")


@dataclass
class ParseFailure(Exception):
    """Why calamine could not open or read a workbook: a refusal code and its details."""

    code: Code
    details: dict[str, str]


@contextlib.contextmanager
def _stderr_caught(said: list[str]) -> Iterator[None]:
    """Send file descriptor 2 to a temporary file for the block: a Rust panic writes its
    place and message there. What was written is put in ``said``; nothing reaches the
    terminal."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            said.append(sink.read(16 * 1024).decode("utf-8", "replace"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def is_panic(exc: BaseException) -> bool:
    """True for calamine's PanicException (a BaseException, not an Exception)."""
    return type(exc).__name__ == "PanicException"


def _true_error(data: bytes, fmt: str) -> BaseException | None:
    """The error the reader for ``fmt`` gives (None if it opens the file)."""
    ext = _EXTENSION.get(fmt, fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"return.{ext}"
        path.write_bytes(data)
        try:
            python_calamine.CalamineWorkbook.from_path(str(path))
        except BaseException as exc:  # a panic is a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return exc
    return None


def open_workbook(data: bytes, fmt: str, read: Any) -> Any:
    """``read(workbook)`` on the workbook in ``data``; raises :class:`ParseFailure`.

    A panic is re-raised as itself when it is not in the container (so that the caller
    can try a repair), with its source place on ``exc.calamine_place``.
    """
    said: list[str] = []
    try:
        with _stderr_caught(said):
            return _read_with_fallback(data, fmt, read)
    except python_calamine.PasswordError:
        raise ParseFailure(Code.REFUSED_PASSWORD, {}) from None
    except (python_calamine.CalamineError, python_calamine.ZipError) as exc:
        raise _classified(exc, fmt, Code.REFUSED_CORRUPT) from None
    except (python_calamine.XmlError, ValueError, RuntimeError, OSError) as exc:
        raise _classified(exc, fmt, Code.REFUSED_UNREADABLE) from None
    except BaseException as exc:
        if not is_panic(exc):
            raise
        place = "".join(said)
        if any(source in place for source in _CONTAINER_SOURCES):
            detail = f"its container is broken: {_first_line(exc)}"
            raise ParseFailure(Code.REFUSED_CORRUPT, {"detail": detail}) from None
        raise


def _read_with_fallback(data: bytes, fmt: str, read: Any) -> Any:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (python_calamine.CalamineError, python_calamine.XmlError) as exc:
        if "Cannot detect file format" not in str(exc):
            raise
        # The auto-detection tried every format and kept the last error; the reader for
        # the format the bytes are tells the truth, and may read what detection could not.
        found = _true_error(data, fmt)
        if found is not None:
            raise found from None
        return _read_from_path(data, fmt, read)
    return read(workbook)


def _read_from_path(data: bytes, fmt: str, read: Any) -> Any:
    ext = _EXTENSION.get(fmt, fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"return.{ext}"
        path.write_bytes(data)
        return read(python_calamine.CalamineWorkbook.from_path(str(path)))


def _classified(exc: BaseException, fmt: str, otherwise: Code) -> ParseFailure:
    detail = _first_line(exc)
    if any(words in detail for words in _VARIANT_WORDS):
        kind = FORMAT_WORDS.get(fmt, "spreadsheet")
        return ParseFailure(Code.REFUSED_VARIANT, {"kind": kind, "detail": detail})
    return ParseFailure(otherwise, {"detail": detail})


def variant(fmt: str, detail: str) -> ParseFailure:
    """The refusal for a valid file of ``fmt`` that this tool's parser cannot read."""
    kind = FORMAT_WORDS.get(fmt, "spreadsheet")
    return ParseFailure(Code.REFUSED_VARIANT, {"kind": kind, "detail": detail})
