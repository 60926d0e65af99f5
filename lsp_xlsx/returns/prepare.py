"""Every step between a file's bytes and its parsed sheets, shared by every reader.

A return (:mod:`~lsp_xlsx.returns.reader`) and the board's comparison
(:mod:`~lsp_xlsx.board.agree`) both come back through other hands, so they are read by the
same steps, kept here in one place so that the two cannot drift apart:

1. :func:`prepare`: sniffed from the bytes; an .xls with Excel's default key decrypted;
   a workbook part moved to where the parser looks; an .ods mended (no mimetype member,
   indented content.xml); every format's used area checked against the cell limit, before
   any parser runs. A file that cannot go on raises :class:`Refused`.
2. :func:`parse`: opened by :func:`~lsp_xlsx.returns.parse.open_workbook` (its fallback
   and true error words); where the parser gives up on a date no date can be, read again
   with every number format set to General, dates then read from their serial numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeVar

from lsp_xlsx.core.findings import Code
from lsp_xlsx.returns.grid_scan import BeyondGrid, oversized_sheet
from lsp_xlsx.returns.parse import ParseFailure, is_panic, open_workbook, variant
from lsp_xlsx.returns.repair import repaired_ods, xls_without_number_formats
from lsp_xlsx.returns.sniff import Limits, sniff
from lsp_xlsx.returns.xlsx_scan import (
    PackageScan,
    scan_package,
    with_workbook_at_usual_path,
    without_number_formats,
)

T = TypeVar("T")

#: The formats whose package is XML parts (scanned by :func:`scan_package`).
XML_FORMATS = ("xlsx", "xlsm", "xltx", "xltm")


@dataclass
class Refused(Exception):
    """The file cannot be read: the refusal's code and the details its template needs."""

    code: Code
    details: dict[str, str] = field(default_factory=dict)
    #: The format the bytes are, when the sniff got that far ("" before).
    fmt: str = ""


@dataclass
class Prepared:
    """A file's bytes ready for the parser, with what was found on the way."""

    fmt: str
    data: bytes
    scan: PackageScan


def prepare(data: bytes, limits: Limits, only: Collection[str] | None = None) -> Prepared:
    """The bytes as the parser should see them; raises :class:`Refused` with the reason
    when they must not reach it. ``only``: the sheets the caller will parse, when it
    parses no other (an xlsx package's other sheets are then not scanned)."""
    verdict = sniff(data, limits)
    if verdict.code is not None:
        raise Refused(verdict.code, dict(verdict.details))
    fmt = verdict.fmt
    if verdict.data:  # an .xls encrypted with Excel's default key, which Excel opens too
        data = verdict.data
    if verdict.workbook_part:
        data = with_workbook_at_usual_path(data, verdict.workbook_part)
    if fmt == "ods":  # indented (as Gnumeric writes it), or with no mimetype member
        data = repaired_ods(data)
    scan = scan_package(data, limits.max_cells, only) if fmt in XML_FORMATS else PackageScan()
    try:
        oversized = scan.oversized or oversized_sheet(fmt, data, limits.max_cells)
    except BeyondGrid as beyond:
        raise Refused(Code.REFUSED_CORRUPT, {"detail": beyond.detail}, fmt) from None
    if oversized is not None:
        sheet, corner, cells = oversized
        raise Refused(
            Code.REFUSED_TOO_MANY_CELLS,
            {
                "sheet_name": sheet,
                "corner": corner,
                "cells": f"{cells:,}",
                "limit": f"{limits.max_cells:,}",
            },
            fmt,
        )
    return Prepared(fmt, data, scan)


def parse(prepared: Prepared, read: Callable[[object], T]) -> tuple[T, bool]:
    """``read(workbook)`` on the prepared workbook, and whether its dates must be read from
    their serial numbers; raises :class:`~lsp_xlsx.returns.parse.ParseFailure`.

    calamine gives up ("panics") on a date cell holding a number no date can be. Then the
    workbook is read again with every cell format set to General (an xlsx's styles part,
    an xls's XF records), so that one bad cell costs that cell only.
    """
    fmt, data = prepared.fmt, prepared.data
    if fmt in XML_FORMATS and prepared.scan.non_finite:
        first = "NaN or infinity in a cell"
    else:
        try:
            return open_workbook(data, fmt, read), False
        except BaseException as exc:
            if isinstance(exc, ParseFailure) or not is_panic(exc):
                raise
            first = _first_line(exc)
    plain = _general_formats(fmt, data)
    if plain is None:
        raise variant(fmt, f"the parser gave up: {first}")
    try:
        return open_workbook(plain, fmt, read), True
    except BaseException as exc:
        if isinstance(exc, ParseFailure) or not is_panic(exc):
            raise
        raise variant(fmt, f"the parser gave up: {_first_line(exc)}") from None


def _general_formats(fmt: str, data: bytes) -> bytes | None:
    """The workbook with no number read as a date, or None where that cannot be done."""
    if fmt in XML_FORMATS:
        return without_number_formats(data)
    if fmt == "xls":
        return xls_without_number_formats(data)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
