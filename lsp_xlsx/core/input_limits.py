"""Limits on the files the coordinator gives the tool, besides returns (issue 21).

partners.csv and the framework's CSV files, and last round's tidy table (read back by
``collate --previous`` and ``build --prefill``), are read under these limits: bytes, rows
and the characters in one field. Returns have their own, as options (``--max-file-size``
and the rest). Each limit here has a default with a wide margin over national scale, and an
environment variable to raise it; the README's "Safety limits" lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from lsp_xlsx.core.errors import LspXlsxError


@dataclass(frozen=True)
class InputLimit:
    """One limit: its environment variable, its default, and what it counts."""

    variable: str
    default: int
    unit: str
    #: A value taken once (see :meth:`InputLimits.csv_limits`), used instead of the
    #: environment, so one read applies one set of limits.
    pinned: int | None = None

    def value(self) -> int:
        """The limit in force: the pinned value, else the environment variable when set,
        else the default."""
        if self.pinned is not None:
            return self.pinned
        text = os.environ.get(self.variable, "").strip().replace("_", "").replace(",", "")
        if not text:
            return self.default
        if not text.isdigit() or int(text) < 1:
            raise LspXlsxError(
                f"{self.variable}={os.environ[self.variable]!r} is not a whole number of "
                f"{self.unit} above 0. Set it to one, or unset it for the default "
                f"({self.default:,})."
            )
        return int(text)

    def raise_hint(self) -> str:
        """How to raise it, for a message: 'set LSP_XLSX_MAX_CSV_ROWS above 100,000'."""
        return f"set the environment variable {self.variable} above {self.value():,}"


#: partners.csv and the framework's files: a partners.csv for every partner in England
#: (thousands) is well under a megabyte.
CSV_BYTES = InputLimit("LSP_XLSX_MAX_CSV_BYTES", 50 * 1024 * 1024, "bytes")
CSV_ROWS = InputLimit("LSP_XLSX_MAX_CSV_ROWS", 100_000, "rows")
#: A value in one cell of a coordinator's CSV: Excel's own cell limit, as these files are
#: made in Excel. (Python's csv module would stop at 131,072 with a traceback.)
CSV_FIELD = InputLimit("LSP_XLSX_MAX_CSV_FIELD", 32_767, "characters")

#: The tidy table: 11,000 returns of the 2009 framework make 682,000 rows and about half a
#: gigabyte of CSV; these allow seven and four times that. A field is read whole, however
#: long (a long answer round-trips), within the byte limit.
TIDY_BYTES = InputLimit("LSP_XLSX_MAX_TIDY_BYTES", 2 * 1024 * 1024 * 1024, "bytes")
TIDY_ROWS = InputLimit("LSP_XLSX_MAX_TIDY_ROWS", 5_000_000, "rows")


@dataclass(frozen=True)
class CsvLimits:
    """The three limits one CSV is read under: its bytes, its rows, one value's characters."""

    bytes: InputLimit
    rows: InputLimit
    field: InputLimit


#: partners.csv and the framework's files.
COORDINATOR_CSV = CsvLimits(CSV_BYTES, CSV_ROWS, CSV_FIELD)


def size_text(size: int) -> str:
    """A byte count as people read it: '52,428,800 bytes (50.0 MiB)'."""
    return f"{size:,} bytes ({size / 1024 / 1024:.1f} MiB)"


#: The files the tool wrote and reads back (the manifest and the send log), and e-mail
#: templates. A manifest for every partner in England is a few megabytes.
TABLE_BYTES = InputLimit("LSP_XLSX_MAX_TABLE_BYTES", 64 * 1024 * 1024, "bytes")
TABLE_ROWS = InputLimit("LSP_XLSX_MAX_TABLE_ROWS", 500_000, "rows")
TABLE_FIELD = InputLimit("LSP_XLSX_MAX_TABLE_FIELD", 32_767, "characters")
TEMPLATE_BYTES = InputLimit("LSP_XLSX_MAX_TEMPLATE_BYTES", 65_536, "bytes")

_OWN_FILES = {
    "max_bytes": TABLE_BYTES,
    "max_rows": TABLE_ROWS,
    "max_field": TABLE_FIELD,
    "max_template_bytes": TEMPLATE_BYTES,
}


@dataclass(frozen=True)
class InputLimits:
    """The limits in force for the manifest, the send log and templates, taken at once
    (so one read uses one set, and a test can pass its own)."""

    max_bytes: int
    max_rows: int
    max_field: int
    max_template_bytes: int

    @classmethod
    def from_env(cls) -> InputLimits:
        """The defaults, each raised (or lowered) by its environment variable when set."""
        return cls(**{key: limit.value() for key, limit in _OWN_FILES.items()})

    def csv_limits(self) -> CsvLimits:
        """These limits for reading the manifest or the send log as a CSV: the TABLE_*
        ones, at this snapshot's values, each still naming its variable."""
        return CsvLimits(
            replace(TABLE_BYTES, pinned=self.max_bytes),
            replace(TABLE_ROWS, pinned=self.max_rows),
            replace(TABLE_FIELD, pinned=self.max_field),
        )


def variable(key: str) -> str:
    """The environment variable that raises the limit ``key`` of :class:`InputLimits`."""
    return _OWN_FILES[key].variable
