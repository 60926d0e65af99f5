"""manifest.csv: every personalised copy ever built, for whom, when, and with which copy id.

``build --partners`` writes it; ``mail`` and ``status`` read it for the files and the
deadline; ``check``, ``collate`` and ``status`` read it with ``--manifest`` to verify that
each return comes from a copy issued to the partner it claims to be.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.errors import ManifestError
from lsp_xlsx.core.files import write_csv

MANIFEST_NAME = "manifest.csv"
#: The columns, in order: a contract. copy_id came last, so older manifests still read.
MANIFEST_COLUMNS = (
    "partner_id",
    "partner",
    "file",
    "sha256",
    "built_at",
    "deadline",
    "contact",
    "copy_id",
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


def read_manifest_rows(path: Path) -> list[dict[str, str]]:
    """The manifest's rows as written (empty when there is none), every column kept."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("partner_id", "file") if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(
                f"{path}, line 1: the column(s) {', '.join(missing)} are missing. Restore the "
                "manifest, or rebuild the copies with lsp-xlsx build --partners --force."
            )
        return [{k: (v or "") for k, v in row.items() if k} for row in reader]


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write every row, in the manifest's column order, atomically."""
    return write_csv(
        path, MANIFEST_COLUMNS, ([r.get(c, "") for c in MANIFEST_COLUMNS] for r in rows)
    )


def manifest_entries(path: Path) -> list[ManifestEntry]:
    """Every copy in the manifest at ``path``, in the order built."""
    entries = []
    for line, row in enumerate(read_manifest_rows(path), start=2):
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
            )
        )
    return entries


def read_manifest(out_dir: str | Path) -> dict[str, ManifestEntry]:
    """The newest copy built for each partner, by partner id; empty if there is no manifest."""
    return {e.partner_id: e for e in manifest_entries(Path(out_dir) / MANIFEST_NAME)}


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
