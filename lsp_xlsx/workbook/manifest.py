"""manifest.csv: every personalised copy ever built, for whom, when, and with which copy id.

``build --partners`` writes it; ``mail`` and ``status`` read it for the files and the
deadline; ``check``, ``collate`` and ``status`` read it with ``--manifest`` to verify that
each return comes from a copy issued to the partner it claims to be.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.errors import LspXlsxError, ManifestError
from lsp_xlsx.core.files import write_csv
from lsp_xlsx.core.findings import Code, Finding, Severity
from lsp_xlsx.core.input_limits import InputLimits, variable
from lsp_xlsx.core.words import missing_columns
from lsp_xlsx.framework.csvfile import read_csv

MANIFEST_NAME = "manifest.csv"
#: A personalised copy is some 100 KB; a file far larger is never read to be checked.
MAX_COPY_BYTES = 52_428_800
#: The columns, in order: a contract. copy_id, then the respondent's columns came last, so
#: older manifests still read (their copies are each their partner's one respondent).
MANIFEST_COLUMNS = (
    "partner_id",
    "partner",
    "file",
    "sha256",
    "built_at",
    "deadline",
    "contact",
    "copy_id",
    "respondent_id",
    "respondent",
)


@dataclass(frozen=True)
class ManifestEntry:
    """One row of manifest.csv: which file was built for which partner, and how."""

    partner_id: str
    partner: str
    path: Path
    sha256: str
    built_at: str
    deadline: dt.date | None
    contact: str
    copy_id: str = ""
    #: The person the copy was built for ('' for a partner with one respondent).
    respondent_id: str = ""
    respondent: str = ""

    @property
    def key(self) -> str:
        """The respondent's key, as :attr:`~lsp_xlsx.framework.partners.Partner.key`."""
        return f"{self.partner_id}/{self.respondent_id}" if self.respondent_id else self.partner_id


def read_limited_csv(
    path: Path,
    columns: Sequence[str],
    required: Sequence[str],
    error: type[LspXlsxError],
    fix: str,
    limits: InputLimits | None = None,
    notes: list[Finding] | None = None,
) -> list[dict[str, str]]:
    """The rows of a CSV the tool wrote and may read back (the manifest, the send log),
    read as partners.csv is (UTF-8 or Excel's Windows-1252, commas or semicolons) and
    under :class:`InputLimits` (``LSP_XLSX_MAX_TABLE_*``): bytes, rows and characters per
    field.

    Empty when there is no file or only a header. Any error raises ``error`` naming the
    file, the line where there is one, and ``fix``. Warnings and notes (Windows-1252,
    semicolons, text replaced, a column taken for a misspelt one) are added to ``notes``
    when given, for the caller to show: the rows are read all the same.
    """
    limits = limits or InputLimits.from_env()
    if not path.is_file():
        return []
    size = path.stat().st_size
    if size > limits.max_bytes:  # said before opening it, with the path in full
        raise error(
            f"{path}: {size:,} bytes, more than the {limits.max_bytes:,} read at most "
            f"(raise it with {variable('max_bytes')}). {fix}"
        )
    problems: list[Finding] = []
    try:
        table = read_csv(
            path, columns, required, problems, extras_allowed=True, bounds=limits.csv_limits()
        )
    except (csv.Error, OSError) as exc:  # a malformed file the csv module refuses, or I/O
        raise error(f"{path}: cannot be read ({exc}). {fix}") from None
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if table is None and all(p.code is Code.CSV_FILE_EMPTY for p in problems):
        return []
    missing = [str(p.params["column"]) for p in errors if p.code is Code.CSV_COLUMN_MISSING]
    if missing:
        raise error(f"{path}, line 1: {missing_columns(missing)}. {fix}")
    if table is None or errors:
        # Rows and field lengths are bounded by read_csv, whose findings name the limit
        # and the variable that raises it.
        shown = "; ".join(p.message for p in errors or problems)
        raise error(f"{shown} {fix}")
    if notes is not None:
        notes.extend(problems)  # none is an error here
    return table.rows


def read_manifest_rows(path: Path, notes: list[Finding] | None = None) -> list[dict[str, str]]:
    """The manifest's rows as written (empty when there is none), every column kept;
    warnings about how it was read go to ``notes`` when given."""
    return read_limited_csv(
        path,
        MANIFEST_COLUMNS,
        ("partner_id", "file"),
        ManifestError,
        "Restore the manifest, or rebuild the copies with lsp-xlsx build --partners --force.",
        notes=notes,
    )


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write every row, in the manifest's column order, atomically. The respondent's
    columns are written only when a copy has a respondent, so a round with one respondent
    per partner writes the manifest it wrote before respondents."""
    respondents = any(r.get("respondent_id") for r in rows)
    columns = MANIFEST_COLUMNS if respondents else MANIFEST_COLUMNS[:-2]
    return write_csv(path, columns, ([r.get(c, "") for c in columns] for r in rows))


def manifest_entries(path: Path, notes: list[Finding] | None = None) -> list[ManifestEntry]:
    """Every copy in the manifest at ``path``, in the order built; warnings about how it
    was read (say, resaved by Excel as Windows-1252) go to ``notes`` when given."""
    entries = []
    for line, row in enumerate(read_manifest_rows(path, notes), start=2):
        deadline_text = row.get("deadline", "").strip()
        deadline = parse_date(deadline_text) if deadline_text else None
        if deadline_text and deadline is None:
            raise ManifestError(
                f"{path}, line {line}, column 'deadline': '{deadline_text}' is not a date. "
                "Write it as 2027-03-31, or pass --deadline."
            )
        entries.append(
            ManifestEntry(
                row["partner_id"],
                row.get("partner", ""),
                path.parent / Path(row["file"]).name,  # never outside the folder
                row.get("sha256", ""),
                row.get("built_at", ""),
                deadline,
                row.get("contact", ""),
                row.get("copy_id", ""),
                row.get("respondent_id", ""),
                row.get("respondent", ""),
            )
        )
    return entries


def read_manifest(out_dir: str | Path) -> dict[str, ManifestEntry]:
    """The newest copy built for each respondent, by :attr:`ManifestEntry.key` (the
    partner id for a partner with one); empty if there is no manifest."""
    return {e.key: e for e in manifest_entries(Path(out_dir) / MANIFEST_NAME)}


def issued_copies(path: Path) -> dict[str, ManifestEntry]:
    """Every copy ever issued, by copy id, from the manifest at ``path``.

    Raises :class:`ManifestError` when the file is missing: verifying against nothing
    would verify nothing.
    """
    if not path.is_file():
        raise ManifestError(
            f"{path}: there is no such manifest. Give --manifest the manifest.csv that "
            "lsp-xlsx build --partners wrote (by default outputs/to-send/manifest.csv)."
        )
    return {e.copy_id: e for e in manifest_entries(path) if e.copy_id}


def manifest_exists(folder: Path) -> bool:
    """True when ``folder`` holds a manifest.csv."""
    return (folder / MANIFEST_NAME).is_file()


def read_copy(entry: ManifestEntry, entries: Sequence[ManifestEntry]) -> bytes | str:
    """The bytes of ``entry``'s copy when they match the manifest; else the reason not.

    The copy on disk must be the newest one the manifest records for its partner. A copy
    that matches an earlier row is from before a build that was stopped half-way; one that
    matches no row was changed after it was built. Either is refused, with the fix.
    """
    path = entry.path
    if not path.is_file():
        return f"{path.name} is not in {path.parent}: run lsp-xlsx build --partners"
    if path.stat().st_size > MAX_COPY_BYTES:  # a copy is some 100 KB; this one was replaced
        return (
            f"{path.name} is larger than {MAX_COPY_BYTES:,} bytes, so it is not the copy "
            "that was built: rebuild with lsp-xlsx build --partners --force"
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not entry.sha256:
        return (
            f"manifest.csv has no SHA-256 for {path.name}, so it cannot be checked: rebuild "
            "with lsp-xlsx build --partners --force"
        )
    if digest == entry.sha256.strip().lower():
        return data
    earlier = [e for e in entries if e.path == path and e.sha256.strip().lower() == digest]
    if earlier:
        return (
            f"{path.name} is the copy built {earlier[-1].built_at}, not the newest one in "
            f"manifest.csv (built {entry.built_at}), which never landed (a build was "
            "stopped): run lsp-xlsx build --partners --force again"
        )
    return (
        f"{path.name} does not match manifest.csv (its SHA-256 differs): it was changed "
        "after it was built. Restore it, or rebuild with lsp-xlsx build --partners --force"
    )
