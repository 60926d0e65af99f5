"""The anonymous board paper: the same paper, fit to publish, in which no partner is named.

``collate --board-paper-anonymous`` writes it beside the board's paper as
``board-paper-public.docx`` (:func:`public_name`). It is made from an anonymised copy of the
comparison (:func:`anonymised`):

* each partner is "Partner A", "Partner B", ... lettered in order of its overall score
  (highest first), not in the order of partners.csv, which a reader may know;
* partners who did not return, or returned incomplete, are counted, not named;
* a group is shown only when at least :data:`~lsp_xlsx.compare.rules.GROUP_MIN_SIZE`
  partners are behind it (a theme mean of fewer is blanked): a sector of one is one
  partner;
* the "who is where" of each agenda question uses the letters; the leads the partners
  named for their actions are left out (they may be people's names).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from lsp_xlsx.compare.digests import agenda
from lsp_xlsx.compare.rules import GROUP_MIN_SIZE, PartnerColumn
from lsp_xlsx.compare.scores import GroupScores
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.words import counted

#: The anonymous paper's name, beside the board's paper: board-paper-public.docx.
PUBLIC_SUFFIX = "-public"


def public_name(paper: Path) -> Path:
    """Where the anonymous paper goes: ``board-paper-public.docx`` beside ``board-paper.docx``."""
    return paper.with_name(f"{paper.stem}{PUBLIC_SUFFIX}{paper.suffix}")


def _float(value: Any) -> float:
    return float(value)


def letter(index: int) -> str:
    """'A' for 0, ..., 'Z', then 'AA', 'AB', ... (as spreadsheet columns are lettered)."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def partner_labels(c: Comparison) -> dict[str, str]:
    """Partner id -> "Partner A", lettered by overall score, highest first (no score last)."""
    overall = c.theme_scores.loc["ALL"] if "ALL" in c.theme_scores.index else None

    def score(p: PartnerColumn) -> float:
        value = _float(overall[p.partner_id]) if overall is not None else math.nan
        return -value if not math.isnan(value) else math.inf

    # Ties keep the order of the ids, sorted: not partners.csv's order, nor names.
    ordered = sorted(c.partners, key=lambda p: (score(p), p.partner_id.casefold()))
    return {p.partner_id: f"Partner {letter(i)}" for i, p in enumerate(ordered)}


def _big_groups(group: GroupScores) -> GroupScores:
    """The grouping with only its groups of at least GROUP_MIN_SIZE partners, and a theme's
    mean blanked where fewer than that are behind it."""
    keep = [g for g in group.groups if _float(group.n.loc["ALL", g]) >= GROUP_MIN_SIZE]
    n = group.n[keep]
    means = group.means[keep].where(n >= GROUP_MIN_SIZE)
    return GroupScores(group.grouping, keep, means, n)


def anonymised(c: Comparison) -> Comparison:
    """A copy of the comparison for the anonymous paper: partners lettered in place of
    their names, only groups big enough to compare, the agenda's reasons in letters."""
    labels = partner_labels(c)
    partners = [PartnerColumn(p.partner_id, labels[p.partner_id], "") for p in c.partners]
    partners.sort(key=lambda p: (len(p.name), p.name))  # Partner A, B, ... Z, AA
    missing = [PartnerColumn(f"missing-{i}", "a partner", "") for i, _ in enumerate(c.not_returned)]
    actions = c.actions.assign(partner="", lead="") if not c.actions.empty else c.actions
    return dataclasses.replace(
        c,
        partners=partners,
        not_returned=missing,
        agenda=agenda(c.question_stats, c.framework, partners, size=len(c.agenda)),
        groups=[_big_groups(g) for g in c.groups],
        actions=actions,
        progress=_unnamed_progress(c),
    )


def _unnamed_progress(c: Comparison) -> Any:
    """Year two's change section without names: who joined or left is counted, and the
    coordinator's check on copied ratings is left out (issue 22 meets issue 25's rule)."""
    p = c.progress
    if p is None:
        return None

    def count(items: list[str]) -> list[str]:
        return [counted(len(items), "partner")] if items else []

    m = p.moved
    moved = dataclasses.replace(
        m,
        returned_first=count(m.returned_first),
        invited_silent=count(m.invited_silent),
        left=count(m.left),
        not_returned=count(m.not_returned),
        unchanged=[],
    )
    return dataclasses.replace(p, moved=moved)
