"""Who really sent a return: each personalised copy carries an unguessable copy id.

With the manifest (``--manifest``), a return whose copy was issued to another partner, or
never issued, is held out and reported as ``identity-mismatch``: a partner cannot pass
its return off as another's by editing the hidden meta and "Start here". Without it, two
returns that claim one partner but come from different copies are both held out as
``identity-conflict``, for the coordinator to resolve: neither may supersede the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsp_xlsx.core.findings import Code
from lsp_xlsx.returns.model import Return, Status
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, ManifestEntry

NOT_VERIFIED = (
    "Returns carry copy ids, but no manifest was given, so who sent each one was not "
    f"verified. To verify it, run again with --manifest outputs/to-send/{MANIFEST_NAME} "
    "(the manifest lsp-xlsx build --partners wrote)."
)


def _hold(ret: Return, code: Code, **params: Any) -> None:
    ret.note(code, **params)
    ret.status = Status.HELD


def verify_identity(returns: list[Return], issued: Mapping[str, ManifestEntry] | None) -> list[str]:
    """Hold out returns whose identity does not check out; return notes for the whole run."""
    readable = [r for r in returns if r.read]
    if issued is not None:
        for ret in readable:
            claimed = ret.partner_name or ret.partner_id
            if not ret.copy_id:
                ret.note(Code.IDENTITY_UNVERIFIED, claimed=claimed)
                continue
            entry = issued.get(ret.copy_id)
            if entry is None:
                why = "no copy with its copy id was issued (is --manifest this round's manifest?)"
                _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
            elif entry.partner_id.casefold() != ret.partner_id.casefold():
                why = (
                    f"the copy it was made from was sent to '{entry.partner}' ({entry.partner_id})"
                )
                _hold(ret, Code.IDENTITY_MISMATCH, claimed=claimed, issued=why)
        return []
    groups: dict[str, list[Return]] = {}
    for ret in readable:
        if ret.copy_id:
            groups.setdefault(ret.partner_id.casefold(), []).append(ret)
    for group in groups.values():
        if len({r.copy_id for r in group}) < 2:
            continue
        for ret in group:
            others = ", ".join(o.file for o in group if o.copy_id != ret.copy_id)
            claimed = ret.partner_name or ret.partner_id
            _hold(ret, Code.IDENTITY_CONFLICT, others=others, claimed=claimed)
    return [NOT_VERIFIED] if groups else []


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
