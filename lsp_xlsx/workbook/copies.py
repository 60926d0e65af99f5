"""Personalised copies: one workbook per partner, built once and patched, with a manifest.

Building a workbook with openpyxl takes a few hundred milliseconds; 40 partners would
wait half a minute. Only the partner's id and name differ between copies, and openpyxl
writes them as inline strings, so the workbook is built once with placeholder tokens and
each copy swaps in its partner's (escaped) id and name inside the zip. A test proves
every copy equals one built directly for that partner.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from lsp_xlsx.core.errors import OutputExistsError
from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.core.findings import Finding
from lsp_xlsx.core.text import safe_text
from lsp_xlsx.core.xmlrows import rewrite_parts
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, people_of, unique_filenames
from lsp_xlsx.workbook.build import BuildSettings, build_workbook, now_utc
from lsp_xlsx.workbook.manifest import (
    MANIFEST_NAME,
    read_manifest_rows,
    write_manifest,
)
from lsp_xlsx.workbook.prefill import Prefill

_ID_TOKEN = "LSPXLSXTOKENPARTNERID"
_NAME_TOKEN = "LSPXLSXTOKENPARTNERNAME"
_COPY_TOKEN = "LSPXLSXTOKENCOPYID"
#: A respondent's copy (a partner with several) has their id, name, e-mail and role too.
_RESPONDENT_TOKENS = {
    "respondent_id": "LSPXLSXTOKENRESPID",
    "contact_name": "LSPXLSXTOKENRESPNAME",
    "email": "LSPXLSXTOKENRESPMAIL",
    "role": "LSPXLSXTOKENRESPROLE",
}


@dataclass(frozen=True)
class PersonalisedCopy:
    """One partner's workbook as written."""

    partner: Partner
    path: Path
    sha256: str
    copy_id: str


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_for_partners` wrote."""

    out_dir: Path
    manifest: Path
    built_at: str
    copies: tuple[PersonalisedCopy, ...]
    #: What was noticed reading ``--prefill`` (a text cut to fit a cell, say), to show.
    findings: tuple[Finding, ...] = ()


def personalised_template(
    framework: Framework, settings: BuildSettings, built_at: str, given: tuple[str, ...] = ()
) -> bytes:
    """The workbook with placeholder tokens where a partner's id, name and copy id go, and
    (for a respondent's copy) the respondent's fields named in ``given``: a field a
    respondent leaves empty has no token, so its cell stays empty as in a direct build."""
    buffer = io.BytesIO()
    partner = Partner(_ID_TOKEN, _NAME_TOKEN)
    if given:
        tokens = {a: _RESPONDENT_TOKENS[a] for a in given}
        partner = replace(
            partner,
            respondent_id=tokens.get("respondent_id", ""),
            contact_name=tokens.get("contact_name", ""),
            email=tokens.get("email", ""),
            role=tokens.get("role", ""),
        )
    build_workbook(framework, partner, settings, built_at, copy_id=_COPY_TOKEN).save(buffer)
    return buffer.getvalue()


def _respondent_fields(partner: Partner) -> tuple[str, ...]:
    """The respondent's fields with a value (none for a partner with one respondent)."""
    if not partner.respondent_id:
        return ()
    return tuple(a for a in _RESPONDENT_TOKENS if getattr(partner, a))


def new_copy_id() -> str:
    """128 random bits, as 32 hex digits: no partner can guess another's."""
    return secrets.token_hex(16)


def _xml_text(value: str) -> bytes:
    text, _ = safe_text(value)
    return xml_escape(text).encode("utf-8")


def personalise(template: bytes, partner: Partner, copy_id: str = "") -> bytes:
    """A copy of ``template`` with ``partner``'s id and name, and ``copy_id``, in place of
    the tokens."""
    ident, name_xml = _xml_text(partner.partner_id), _xml_text(partner.name)
    person = {
        token.encode(): _xml_text(str(getattr(partner, attribute)))
        for attribute, token in _RESPONDENT_TOKENS.items()
    }

    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if b"LSPXLSXTOKEN" in data:
            data = data.replace(_NAME_TOKEN.encode(), name_xml).replace(_ID_TOKEN.encode(), ident)
            data = data.replace(_COPY_TOKEN.encode(), copy_id.encode("ascii"))
            for token, value in person.items():
                data = data.replace(token, value)
        return name, data

    return rewrite_parts(template, change)


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
    prefill: Mapping[str, Prefill] | None = None,
) -> BuildResult:
    """Write one personalised workbook per respondent into ``out_dir``, and a manifest.

    A partner listed on several rows of partners.csv (:attr:`Partner.respondents`) gets
    one copy per row, each with that person's id, name, e-mail and role in its meta and on
    "Start here"; a partner on one row gets one copy, as before respondents. File names
    are safe slugs of partner names (and the respondent's), unique, inside ``out_dir``.
    Each copy has its own unguessable copy id, in its meta and in manifest.csv. Copies
    that may already have been sent are not overwritten unless ``force`` is True: the call raises
    :class:`OutputExistsError` naming them. With ``force``, the manifest keeps the rows of
    the copies built before, so that returns from copies already sent still verify.
    """
    settings = settings or BuildSettings()
    out_dir = Path(out_dir)
    partners = people_of(partners)
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
    templates: dict[tuple[str, ...], bytes] = {}  # by the respondent fields given
    manifest = out_dir / MANIFEST_NAME
    rows = read_manifest_rows(manifest)
    deadline = settings.deadline.isoformat() if settings.deadline else ""
    copies = []
    for partner in partners:
        copy_id = new_copy_id()
        carried = (prefill or {}).get(partner.partner_id)
        if carried is None:
            given = _respondent_fields(partner)
            if given not in templates:
                templates[given] = personalised_template(framework, settings, built_at, given)
            data = personalise(templates[given], partner, copy_id)
        else:  # each pre-filled copy differs in far more than its name: built in full
            buffer = io.BytesIO()
            build_workbook(framework, partner, settings, built_at, copy_id, carried).save(buffer)
            data = buffer.getvalue()
        path = out_dir / names[partner.key]
        digest = hashlib.sha256(data).hexdigest()
        rows.append(
            {
                "partner_id": partner.partner_id,
                "partner": partner.name,
                "file": path.name,
                "sha256": digest,
                "built_at": built_at,
                "deadline": deadline,
                "contact": settings.contact,
                "copy_id": copy_id,
                "respondent_id": partner.respondent_id,
                "respondent": partner.contact_name if partner.respondent_id else "",
            }
        )
        # The manifest's row lands before its copy, each atomically, so whenever the run
        # stops the manifest describes every copy on disk: a kill between the two leaves
        # a row for a copy that never landed (its copy id was never sent), and the
        # earlier row for the copy still there.
        write_manifest(manifest, rows)
        write_bytes(data, path)
        copies.append(PersonalisedCopy(partner, path, digest, copy_id))
    write_manifest(manifest, rows)
    noticed = tuple(getattr(prefill, "findings", ()))  # a PrefillSet's, from load_prefill
    return BuildResult(out_dir, manifest, built_at, tuple(copies), noticed)
