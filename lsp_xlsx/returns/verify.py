"""Who really sent a return: each personalised copy carries an unguessable copy id.

With the manifest (``--manifest``), a return whose copy was issued to another partner, or
never issued, is held out and reported as ``identity-mismatch``: a partner cannot pass
its return off as another's by editing the hidden meta and "Start here". Without it, two
returns that claim one partner but come from different copies are both held out as
``identity-conflict``, and returns from one copy that claim different partners as
``copy-id-shared``, for the coordinator to resolve: neither may supersede the other.

Either way, a return whose identity cannot be verified (no copy id: a partner who clears
it, claims to be another and dates its return later) never supersedes one that can: while
a verified return from the same partner counts, it is held as
``identity-unverified-held``, naming both files (:func:`hold_unverified`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.returns.model import Return, Status
from lsp_xlsx.returns.respondents import respondent_key
from lsp_xlsx.workbook import manifest as M
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, ManifestEntry

NOT_VERIFIED = (
    "Returns carry copy ids, but no manifest was given, so who sent each one was not "
    f"verified. To verify it, run again with --manifest outputs/to-send/{MANIFEST_NAME} "
    "(the manifest lsp-xlsx build --partners wrote)."
)


class IssuedCopies(dict[str, ManifestEntry]):
    """Every copy issued, by copy id, and the copy ids the manifest gives more than once."""

    def __init__(self, entries: Iterable[ManifestEntry], path: Path | None = None) -> None:
        super().__init__()
        self.path = path
        self.duplicates: dict[str, list[ManifestEntry]] = {}
        for entry in entries:
            if not entry.copy_id:
                continue
            if entry.copy_id in self:
                self.duplicates.setdefault(entry.copy_id, [self[entry.copy_id]]).append(entry)
            else:
                self[entry.copy_id] = entry

    def ambiguous(self, copy_id: str) -> list[ManifestEntry]:
        """The copies given ``copy_id`` when they went to different partners, else []."""
        entries = self.duplicates.get(copy_id, [])
        return entries if len({e.partner_id.casefold() for e in entries}) > 1 else []

    def findings(self) -> list[Finding]:
        """One finding for each copy id the manifest gives more than once."""
        file = str(self.path or MANIFEST_NAME)
        return [
            finding(
                Code.MANIFEST_DUPLICATE_COPY_ID,
                file,
                copy_id=copy_id,
                partners=", ".join(
                    f"'{e.partner}' ({e.partner_id}, {e.path.name})" for e in entries
                ),
            )
            for copy_id, entries in self.duplicates.items()
        ]


def issued_copies(path: Path) -> IssuedCopies:
    """Every copy ever issued, by copy id, from the manifest at ``path``, with any copy id
    it gives twice. Raises :class:`~lsp_xlsx.workbook.manifest.ManifestError` when the
    file is missing: verifying against nothing would verify nothing."""
    M.issued_copies(path)  # the manifest's own checks, and its error when missing
    return IssuedCopies(M.manifest_entries(path), path)


def _hold(ret: Return, code: Code, **params: Any) -> None:
    ret.note(code, **params)
    ret.status = Status.HELD


def _against_manifest(readable: list[Return], issued: Mapping[str, ManifestEntry]) -> None:
    ambiguous = issued.ambiguous if isinstance(issued, IssuedCopies) else (lambda _: [])
    for ret in readable:
        claimed = ret.partner_name or ret.partner_id
        if not ret.copy_id:
            ret.note(Code.IDENTITY_UNVERIFIED, claimed=claimed)
            continue
        entry = issued.get(ret.copy_id)
        given = ambiguous(ret.copy_id)
        if given:
            names = " and ".join(f"'{e.partner}' ({e.partner_id})" for e in given)
            why = f"the manifest gives the copy it was made from to {names}"
            _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
        elif entry is None:
            why = "no copy with its copy id was issued (is --manifest this round's manifest?)"
            _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
        elif entry.partner_id.casefold() != ret.partner_id.casefold():
            why = f"the copy it was made from was sent to '{entry.partner}' ({entry.partner_id})"
            _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
        elif entry.respondent_id and entry.respondent_id.casefold() != ret.respondent_id.casefold():
            # A respondent's copy claiming another person of the partner: meta edited.
            person = entry.respondent or entry.respondent_id
            why = f"the copy it was made from was sent to {person} of '{entry.partner}'"
            _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
        else:
            ret.identity_verified = True


def _without_manifest(readable: list[Return]) -> bool:
    """Hold conflicting claims; True when any return carries a copy id."""
    # By respondent: two people of one partner return two copies, rightly.
    by_partner: dict[tuple[str, str], list[Return]] = {}
    by_copy: dict[str, list[Return]] = {}
    for ret in readable:
        if ret.copy_id:
            by_partner.setdefault(respondent_key(ret), []).append(ret)
            by_copy.setdefault(ret.copy_id, []).append(ret)
    for group in by_partner.values():
        if len({r.copy_id for r in group}) < 2:
            continue
        for ret in group:
            others = ", ".join(o.file for o in group if o.copy_id != ret.copy_id)
            claimed = ret.partner_name or ret.partner_id
            _hold(ret, Code.IDENTITY_CONFLICT, others=others, claimed=claimed)
    for copy_id, group in by_copy.items():
        if len({r.partner_id.casefold() for r in group}) < 2:
            continue
        claims = " and ".join(dict.fromkeys(f"'{r.partner_name or r.partner_id}'" for r in group))
        for ret in group:
            others = ", ".join(o.file for o in group if o is not ret)
            _hold(ret, Code.COPY_ID_SHARED, others=others, copy_id=copy_id, claims=claims)
    for ret in readable:
        # A copy id no other return disputes: not verified without the manifest, but it
        # can be, which is more than a return without one can say.
        ret.identity_verified = bool(ret.copy_id) and ret.status is not Status.HELD
    return bool(by_partner)


def verify_identity(returns: list[Return], issued: Mapping[str, ManifestEntry] | None) -> list[str]:
    """Hold out returns whose identity does not check out; return notes for the whole run."""
    readable = [r for r in returns if r.read]
    if issued is not None:
        _against_manifest(readable, issued)
        return []
    return [NOT_VERIFIED] if _without_manifest(readable) else []


def hold_unverified(returns: list[Return], manifest: bool) -> None:
    """Hold each return without a copy id from a partner that has a verified return that
    counts: it may be a forgery dated later, and must not supersede the genuine one."""
    verified: dict[tuple[str, str], list[Return]] = {}
    for ret in returns:
        if ret.counts and ret.identity_verified:
            verified.setdefault(respondent_key(ret), []).append(ret)
    for ret in returns:
        genuine = verified.get(respondent_key(ret))
        if not genuine or not ret.counts or ret.copy_id:
            continue
        claimed = ret.partner_name or ret.partner_id
        files = ", ".join(g.file for g in genuine)
        other_is = (
            "is verified against the manifest as theirs"
            if manifest
            else "comes from a personalised copy of the workbook (run with --manifest to verify it)"
        )
        ret.findings = [f for f in ret.findings if f.code is not Code.IDENTITY_UNVERIFIED]
        _hold(
            ret,
            Code.IDENTITY_UNVERIFIED_HELD,
            claimed=claimed,
            why="it has no copy id, so who sent it cannot be verified",
            other=files,
            other_is=other_is,
        )


def check_round(returns: list[Return], wanted: str | None) -> str:
    """Hold out returns from another round; return the round collated.

    ``wanted`` is the round asked for; by default it is the round most returns carry (the
    first in file order when two are as common). Returns from before rounds carry none and
    are never held for it.
    """
    rounds = [r.round for r in returns if r.read and r.round]
    if not wanted:
        if not rounds:
            return ""
        counts = {label: rounds.count(label) for label in dict.fromkeys(rounds)}
        wanted = max(counts, key=lambda label: counts[label])
    for ret in returns:
        if ret.read and ret.round and ret.round != wanted and ret.status is not Status.HELD:
            _hold(ret, Code.OTHER_ROUND, found=ret.round, expected=wanted)
    return wanted
