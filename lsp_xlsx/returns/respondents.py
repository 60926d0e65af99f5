"""Who within a partner a return is from, when the partner has several respondents.

A copy built for one respondent carries their ``respondent_id`` in its meta (read by
:mod:`~lsp_xlsx.returns.reader`). A return without one (built before respondents, or the
blank workbook filled in by a second person) is matched by the name and e-mail typed on
"Start here": against the partner's respondents in partners.csv, else against the
respondents other returns of the partner carry. Failing that it is counted as a
respondent of its own, with an id made from what it holds (:func:`own_respondent_id`) and
a finding saying so: never dropped, never taken for another person's return.

A partner with no respondents anywhere (one row in partners.csv, and no return naming
one) keeps ``respondent_id`` '' on every return, so its returns supersede one another by
date as before respondents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.partners import Partner, slug
from lsp_xlsx.returns.model import Return
from lsp_xlsx.workbook import contract as C


def respondent_key(ret: Return) -> tuple[str, str]:
    """Whose return it is: the partner id and the respondent id, case ignored."""
    return ret.partner_id.casefold(), ret.respondent_id.casefold()


def respondent_name(ret: Return) -> str:
    """Who the respondent is: the name typed on "Start here", else the e-mail, else the
    respondent id."""
    person = ret.respondent
    return person.name.strip() or person.email.strip() or ret.respondent_id


def shown_as(ret: Return) -> str:
    """'North Shire Council' or, for one of its respondents, 'North Shire Council (Jane
    Smith)' (see :func:`respondent_name`)."""
    name = ret.partner_name or ret.partner_id
    return f"{name} ({respondent_name(ret)})" if ret.respondent_id else name


#: A respondent to match a return against: (respondent_id, name, e-mail).
Candidate = tuple[str, str, str]


def own_respondent_id(ret: Return) -> str:
    """The id of a return's own respondent: 'u-' and 10 hex digits of a SHA-256 of the
    partner id and the name and e-mail typed on "Start here" (so two drafts from one
    person are one respondent, the newer counting), or of the file's bytes when nothing
    was typed. The same file gives the same id in every run."""
    name, email = ret.respondent.name.strip(), ret.respondent.email.strip()
    basis = f"{slug(name)}\n{email.casefold()}" if name or email else f"file:{ret.sha256}"
    digest = hashlib.sha256(f"{ret.partner_id.casefold()}\n{basis}".encode()).hexdigest()
    return f"u-{digest[:10]}"


def _match(ret: Return, candidates: Sequence[Candidate]) -> tuple[Candidate, str] | None:
    """The candidate the typed e-mail names, else the one the typed name does."""
    email = ret.respondent.email.strip().casefold()
    name = ret.respondent.name.strip()
    if email:
        for candidate in candidates:
            if candidate[2] and candidate[2].strip().casefold() == email:
                return candidate, "the e-mail typed on 'Start here' is theirs"
    if name:
        for candidate in candidates:
            if candidate[1] and slug(candidate[1]) == slug(name):
                return candidate, "the name typed on 'Start here' is theirs"
    return None


def _typed(ret: Return) -> str:
    parts = [f"'{ret.respondent.name}'" if ret.respondent.name else "", ret.respondent.email]
    return ", ".join(p for p in parts if p) or "neither was filled in"


def _from_returns(returns: Sequence[Return]) -> dict[str, list[Candidate]]:
    """The respondents returns name in their meta, by partner (for runs without partners.csv)."""
    found: dict[str, dict[str, Candidate]] = {}
    for ret in returns:
        if ret.read and ret.respondent_id:
            person = (ret.respondent_id, ret.respondent.name, ret.respondent.email)
            found.setdefault(ret.partner_id.casefold(), {}).setdefault(ret.respondent_id, person)
    return {k: list(v.values()) for k, v in found.items()}


def _known(ret: Return, partner: Partner | None) -> None:
    """A return naming a respondent: note it when partners.csv lists the partner but not
    them (others, or the partner on one row)."""
    if partner is None:
        return
    ids = {p.respondent_id.casefold() for p in partner.people}
    if ret.respondent_id.casefold() not in ids:
        ret.note(Code.RESPONDENT_UNKNOWN, C.META_SHEET, id=ret.respondent_id, partner=partner.name)


def assign_respondents(returns: Sequence[Return], partners: Sequence[Partner] | None) -> None:
    """Set ``respondent_id`` on every readable return that has none but whose partner has
    respondents (see the module's docstring), each with a finding saying how."""
    listed = {p.partner_id.casefold(): p for p in partners or ()}
    seen = _from_returns(returns)
    for ret in returns:
        if not ret.read:
            continue
        partner = listed.get(ret.partner_id.casefold())
        if ret.respondent_id:
            _known(ret, partner)
            continue
        candidates: list[Candidate] = [
            (p.respondent_id, p.contact_name, p.email)
            for p in (partner.respondents if partner else ())
        ] or seen.get(ret.partner_id.casefold(), [])
        if not candidates:
            continue  # the partner's one respondent, as before respondents
        found = _match(ret, candidates)
        if found is None and len(candidates) == 1 and partner is not None:
            found = candidates[0], "partners.csv lists no other respondent for the partner"
        if found is not None:
            (rid, name, email), by = found
            ret.respondent_id = rid
            ret.note(Code.RESPONDENT_MATCHED, C.START_SHEET, respondent=name or email or rid, by=by)
            continue
        ret.respondent_id = own_respondent_id(ret)
        shown = partner.name if partner else ret.partner_name or ret.partner_id
        ret.note(
            Code.RESPONDENT_OWN,
            C.START_SHEET,
            typed=_typed(ret),
            partner=shown,
            id=ret.respondent_id,
        )
