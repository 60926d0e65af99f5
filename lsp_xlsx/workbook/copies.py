"""Personalised copies: one workbook per partner, built once and patched, with a manifest.

Building a workbook with openpyxl takes a few hundred milliseconds; 40 partners would
wait half a minute. Only the partner's id and name differ between copies, and openpyxl
writes them as inline strings, so the workbook is built once with placeholder tokens and
each copy swaps in its partner's (escaped) id and name inside the zip. A test proves
every copy equals one built directly for that partner.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.errors import ManifestError, OutputExistsError
from lsp_xlsx.core.files import write_bytes, write_csv
from lsp_xlsx.core.text import safe_text
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, unique_filenames
from lsp_xlsx.workbook.build import BuildSettings, build_workbook, now_utc

_ID_TOKEN = "LSPXLSXTOKENPARTNERID"
_NAME_TOKEN = "LSPXLSXTOKENPARTNERNAME"
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("partner_id", "partner", "file", "sha256", "built_at", "deadline", "contact")


@dataclass(frozen=True)
class PersonalisedCopy:
    """One partner's workbook as written."""

    partner: Partner
    path: Path
    sha256: str


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_for_partners` wrote."""

    out_dir: Path
    manifest: Path
    built_at: str
    copies: tuple[PersonalisedCopy, ...]


def personalised_template(framework: Framework, settings: BuildSettings, built_at: str) -> bytes:
    """The workbook with placeholder tokens where a partner's id and name go."""
    buffer = io.BytesIO()
    build_workbook(framework, Partner(_ID_TOKEN, _NAME_TOKEN), settings, built_at).save(buffer)
    return buffer.getvalue()


def _xml_text(value: str) -> bytes:
    text, _ = safe_text(value)
    return xml_escape(text).encode("utf-8")


def personalise(template: bytes, partner: Partner) -> bytes:
    """A copy of ``template`` with ``partner``'s id and name in place of the tokens."""
    ident, name = _xml_text(partner.partner_id), _xml_text(partner.name)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if b"LSPXLSXTOKEN" in data:
                data = data.replace(_NAME_TOKEN.encode(), name).replace(_ID_TOKEN.encode(), ident)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _clashes(out_dir: Path, names: list[str]) -> list[Path]:
    targets = [out_dir / n for n in [*names, MANIFEST_NAME]]
    return [t for t in targets if t.exists()]


def build_for_partners(
    framework: Framework,
    partners: list[Partner],
    out_dir: str | Path,
    settings: BuildSettings | None = None,
    force: bool = False,
    built_at: str | None = None,
) -> BuildResult:
    """Write one personalised workbook per partner into ``out_dir``, and a manifest.

    File names are safe slugs of partner names, unique, inside ``out_dir``. Copies that
    may already have been sent are not overwritten unless ``force`` is True: the call
    raises :class:`OutputExistsError` naming them.
    """
    settings = settings or BuildSettings()
    out_dir = Path(out_dir)
    names = unique_filenames(partners)
    clashes = _clashes(out_dir, list(names.values()))
    if clashes and not force:
        shown = ", ".join(p.name for p in clashes[:8])
        more = f" and {len(clashes) - 8} more" if len(clashes) > 8 else ""
        raise OutputExistsError(
            f"{out_dir} already holds {shown}{more}, which may already have been sent. "
            "Use another --out-dir, or --force to overwrite them."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    built_at = built_at or now_utc()
    template = personalised_template(framework, settings, built_at)
    copies = []
    for partner in partners:
        data = personalise(template, partner)
        path = out_dir / names[partner.partner_id]
        write_bytes(data, path)
        copies.append(PersonalisedCopy(partner, path, hashlib.sha256(data).hexdigest()))
    deadline = settings.deadline.isoformat() if settings.deadline else ""
    contact = settings.contact
    rows = [
        (c.partner.partner_id, c.partner.name, c.path.name, c.sha256, built_at, deadline, contact)
        for c in copies
    ]
    manifest = write_csv(out_dir / MANIFEST_NAME, MANIFEST_COLUMNS, rows)
    return BuildResult(out_dir, manifest, built_at, tuple(copies))


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


def read_manifest(out_dir: str | Path) -> dict[str, ManifestEntry]:
    """The manifest written by :func:`build_for_partners`, by partner id; empty if none."""
    out_dir = Path(out_dir)
    path = out_dir / MANIFEST_NAME
    entries: dict[str, ManifestEntry] = {}
    if not path.is_file():
        return entries
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("partner_id", "file") if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(
                f"{path}, line 1: the column(s) {', '.join(missing)} are missing. Restore the "
                "manifest, or rebuild the copies with lsp-xlsx build --partners --force."
            )
        for line, row in enumerate(reader, start=2):
            deadline_text = (row.get("deadline") or "").strip()
            deadline = parse_date(deadline_text) if deadline_text else None
            if deadline_text and deadline is None:
                raise ManifestError(
                    f"{path}, line {line}, column 'deadline': '{deadline_text}' is not a date. "
                    "Write it as 2027-03-31, or pass --deadline."
                )
            entries[row["partner_id"]] = ManifestEntry(
                row["partner_id"],
                row.get("partner") or "",
                out_dir / Path(row["file"] or "").name,  # never outside the folder
                row.get("sha256") or "",
                row.get("built_at") or "",
                deadline,
                row.get("contact") or "",
            )
    return entries
