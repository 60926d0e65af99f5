"""Who a return is from: the meta sheet, then "Start here", then the file name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.partners import Partner, slug
from lsp_xlsx.returns.cells import as_text, is_empty, not_a_date, serial_date
from lsp_xlsx.returns.model import Return
from lsp_xlsx.workbook import contract as C

_NOISE = re.compile(
    r"\b(copy of|copy|final|draft|v\d+|version \d+|rev \d+|completed|complete|return|"
    r"self assessment|self-assessment|lsp|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{2,4})\b",
    re.IGNORECASE,
)


def name_from_filename(path: Path) -> str:
    """A partner name guessed from a file name: 'Copy of FINAL police v2 (3).xlsx' -> 'police'."""
    stem = re.sub(r"\(\d+\)|\[\d+\]", " ", path.stem)
    stem = re.sub(r"[_.]+", " ", stem)
    stem = _NOISE.sub(" ", stem)
    stem = re.sub(r"\s*-\s*$|^\s*-\s*", "", " ".join(stem.split()))
    return " ".join(stem.split()).strip(" -") or path.stem


def same_name(a: str, b: str) -> bool:
    """True when two names are the same once case, spaces and punctuation are ignored."""
    return slug(a) == slug(b)


#: Values of the labelled fields on "Start here", by field key: (value, A1 cell).
StartValues = dict[str, tuple[object, str]]


def _start_text(start: StartValues, key: str) -> str:
    value = start.get(key, (None, ""))[0]
    return "" if is_empty(value) else " ".join(as_text(value)[0].split())


def resolve_identity(
    ret: Return,
    meta: dict[str, str],
    start: StartValues,
    partners: Sequence[Partner] | None,
    partners_file: str,
) -> None:
    """Set ``ret.partner_id`` and ``partner_name``, noting every doubt as a finding."""
    _contract_version(ret, meta.get("contract_version", ""))
    start_id, start_org = _start_text(start, "partner_id"), _start_text(start, "organisation")
    meta_id, meta_name = meta.get("partner_id", ""), meta.get("partner_name", "")
    if meta_id and start_id and meta_id != start_id:
        ret.note(
            Code.IDENTITY_EDITED,
            C.START_SHEET,
            start["partner_id"][1],
            what="Partner ID",
            found=start_id,
            expected=meta_id,
        )
    if meta_name and start_org and not same_name(meta_name, start_org):
        ret.note(
            Code.IDENTITY_EDITED,
            C.START_SHEET,
            start["organisation"][1],
            what="Organisation",
            found=start_org,
            expected=meta_name,
        )
    ret.partner_id = meta_id or start_id
    ret.partner_name = meta_name or start_org
    if not ret.partner_id and not ret.partner_name:
        ret.partner_name = name_from_filename(ret.path)
        ret.note(Code.IDENTITY_FROM_FILENAME, name=ret.partner_name)
    if partners is not None:
        _match_partner(ret, partners, partners_file)
    if not ret.partner_id:
        ret.partner_id = slug(ret.partner_name)


def _contract_version(ret: Return, found: str) -> None:
    """A workbook from a newer lsp-xlsx may hold what this one does not read: say so."""
    try:
        version = int(float(found.strip()))
    except (ValueError, OverflowError):
        return  # absent (a workbook from before contract versions) or not a number
    if version > C.CONTRACT_VERSION:
        ret.note(
            Code.META_CONTRACT_NEWER,
            C.META_SHEET,
            found=found.strip(),
            supported=str(C.CONTRACT_VERSION),
        )


class PartnerIndex:
    """partners.csv looked up by id and by name, built once for a run's list: a worker
    reads thousands of returns against the same list, and a scan of it for each return
    made reading 11,000 returns against 11,000 partners quadratic (19 s of the run)."""

    def __init__(self, partners: Sequence[Partner]) -> None:
        self.partners = partners
        # A later partner with the same id replaces an earlier one, as before.
        self.by_id = {p.partner_id.casefold(): p for p in partners}
        #: The slug of a partner's name or id -> its first position in the list.
        self.by_slug: dict[str, int] = {}
        for position, p in enumerate(partners):
            self.by_slug.setdefault(slug(p.name), position)
            self.by_slug.setdefault(slug(p.partner_id), position)

    def named(self, name: str) -> Partner | None:
        """The first partner whose name or id is ``name`` once case, spaces and
        punctuation are ignored (:func:`same_name`), or None."""
        position = self.by_slug.get(slug(name))
        return None if position is None else self.partners[position]


_INDEX: list[PartnerIndex] = []


def partner_index(partners: Sequence[Partner]) -> PartnerIndex:
    """The index of ``partners``, kept for the next return read against the same list."""
    if not _INDEX or _INDEX[0].partners is not partners or len(_INDEX[0].partners) != len(partners):
        _INDEX[:] = [PartnerIndex(partners)]
    return _INDEX[0]


def _match_partner(ret: Return, partners: Sequence[Partner], partners_file: str) -> None:
    """Take the id and name from partners.csv: by id when the return has one, else by name."""
    index = partner_index(partners)
    if ret.partner_id:
        partner = index.by_id.get(ret.partner_id.casefold())
        if partner is None:
            ret.note(Code.PARTNER_UNKNOWN, id=ret.partner_id, partners_file=partners_file)
            return
        ret.partner_id, ret.partner_name = partner.partner_id, partner.name
        return
    named = index.named(ret.partner_name)
    if named is not None:
        ret.partner_id, ret.partner_name = named.partner_id, named.name


def read_respondent(ret: Return, start: StartValues) -> None:
    """The partner's details from "Start here"; a completion date that is not one is noted."""
    person = ret.respondent
    for key in ("organisation", "respondent", "role", "email"):
        value = start.get(key, (None, ""))[0]
        text = "" if is_empty(value) else as_text(value)[0].strip()
        setattr(person, "name" if key == "respondent" else key, text)
    value, cell = start.get("completed", (None, ""))
    if isinstance(value, dt.datetime):
        person.completed = value.date()
    elif isinstance(value, dt.date):
        person.completed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        raw = as_text(value)[0]
        why = not_a_date(float(value))
        if why or not ret.dates_as_numbers:
            person.completed_raw = raw
            code, params = (
                (Code.NUMBER_NOT_A_DATE, {"why": why}) if why else (Code.DATE_UNPARSED, {})
            )
            ret.note(code, C.START_SHEET, cell, column="Date completed", raw=raw, **params)
        else:
            person.completed = serial_date(value)
    elif not is_empty(value):
        raw = as_text(value)[0]
        person.completed = parse_date(raw)
        if person.completed is None:
            person.completed_raw = raw
            ret.note(Code.DATE_UNPARSED, C.START_SHEET, cell, column="Date completed", raw=raw)
