"""Anonymity that holds (issue 25): what an anonymous round's outputs may show.

In an anonymous round no output the board sees shows an individual's ratings, name, role,
e-mail, file name or free text beside their organisation, and a partner's figures are
shown only when they rest on at least :data:`MIN_RESPONDENTS` respondents.

How it is done, before anything is computed, so that no figure of a small partner exists
to leak:

* Each counted return gets a *respondent key* (R001, R002, … in the order of the files'
  SHA-256, so the order says nothing about names). The board's copy of each return carries
  the key in place of its file name, no respondent's details, no copy id and no findings
  (findings name files and cells; the coordinator sees them with ``lsp-xlsx check``).
* A partner with at least k respondents is shown as itself. Partners below k are merged,
  by sector, into "<sector> partners (merged)" when the sector has at least two such
  partners with at least k respondents between them; the rest into "Other partners".
  A merged group is one column, its position the median (or mean) over all its members'
  respondents, so a small partner's own figure is never made. *Complementary
  suppression*: a group of one partner would be that partner, so an "Other partners" of
  fewer than two partners or k respondents is folded into the smallest merged group; when
  there is none, those partners' figures are withheld altogether (the Notes say how many).
  Totals over partners are then totals over the columns shown, so subtracting published
  columns from a total gives back only a published merged group.
* A position resting on fewer than k scores (respondents who left the question blank) is
  left empty before any mean is taken, for the same reason.
* The board's copies keep the workbook properties of no return: the comparison and the
  paper are made by the tool, with the tool as their author.

The key ↔ person map goes to a separate file (:data:`KEYS_NAME`) for the coordinator only.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lsp_xlsx.compare.rollup import RollUp
from lsp_xlsx.compare.rules import MIN_RESPONDENTS, PartnerColumn
from lsp_xlsx.core.files import write_csv
from lsp_xlsx.returns.model import Respondent, Return

#: The column of partners merged when no sector group is big enough.
OTHER_PARTNERS = "Other partners"
#: The private map of respondent keys to people, written beside responses.csv.
KEYS_NAME = "respondent-keys.csv"
KEY_COLUMNS = (
    *("respondent_key", "partner_id", "partner", "shown_as", "respondent_id"),
    *("name", "role", "email", "file", "sha256", "status"),
)


@dataclass
class Anonymity:
    """How an anonymous round was published: who is shown as what, and the key map."""

    k: int
    #: Partner id (casefolded) -> the column it is shown in.
    shown_as: dict[str, PartnerColumn]
    #: The columns shown, in order (published partners, then merged groups).
    units: list[PartnerColumn]
    #: Names of partners whose figures are withheld (too few to merge safely).
    withheld: list[str] = field(default_factory=list)
    #: One row per return: key, partner, person and file (the coordinator's, never shown).
    keys: list[dict[str, str]] = field(default_factory=list)

    def merged(self) -> dict[str, list[str]]:
        """Each merged column's name -> the partners in it (for the coordinator only)."""
        groups: dict[str, list[str]] = {}
        for pid, unit in self.shown_as.items():
            if unit.partner_id.startswith("merged:"):
                groups.setdefault(unit.name, []).append(pid)
        return groups

    def note(self) -> str:
        """The rule in words, for the Notes, every sheet and the paper."""
        text = (
            f"This is an anonymous round. A partner's own figures are shown only when they "
            f"rest on at least {self.k} respondents; smaller partners are merged into their "
            f"sector's column or '{OTHER_PARTNERS}' (never a column of one partner), and a "
            f"position resting on fewer than {self.k} scores is left empty, so no hidden "
            "figure can be worked out by subtraction. No output names a respondent or a "
            "file, or shows one person's rating; evidence is shown without its author. "
            "Findings name files, so they are not listed here: the coordinator reads them "
            "with lsp-xlsx check."
        )
        if self.withheld:
            text += (
                f" {len(self.withheld)} partner(s) had too few respondents to merge safely; "
                "their answers are left out of every figure."
            )
        return text


def anonymous_round(returns: Sequence[Return]) -> bool:
    """True when any counted return's workbook was built for an anonymous round (the
    build's meta key ``anonymous``, read by the reader as ``Return.anonymous``)."""
    return any(r.anonymous for r in returns if r.counts)


def _merge(
    columns: list[PartnerColumn], counts: dict[str, int], k: int
) -> tuple[dict[str, PartnerColumn], list[PartnerColumn], list[str]]:
    """Who is shown as what: partners with k respondents as themselves; the rest merged."""
    shown: dict[str, PartnerColumn] = {}
    small: dict[str, list[PartnerColumn]] = {}
    for p in columns:
        if counts.get(p.partner_id.casefold(), 0) >= k:
            shown[p.partner_id.casefold()] = p
        else:
            small.setdefault(p.sector, []).append(p)
    groups: list[tuple[PartnerColumn, list[PartnerColumn]]] = []
    rest: list[PartnerColumn] = []
    for sector, members in sorted(small.items(), key=lambda kv: kv[0].casefold()):
        people = sum(counts.get(p.partner_id.casefold(), 0) for p in members)
        if sector and len(members) >= 2 and people >= k:
            unit = PartnerColumn(f"merged:{sector}", f"{sector} partners (merged)", sector)
            groups.append((unit, members))
        else:
            rest.extend(members)
    withheld: list[str] = []
    if rest:
        people = sum(counts.get(p.partner_id.casefold(), 0) for p in rest)
        if len(rest) >= 2 and people >= k:
            groups.append((PartnerColumn("merged:other", OTHER_PARTNERS, ""), rest))
        elif groups:
            # Alone, they would be a column of one: fold them into the smallest group.
            smallest = min(
                range(len(groups)),
                key=lambda i: sum(counts.get(p.partner_id.casefold(), 0) for p in groups[i][1]),
            )
            groups[smallest] = (
                PartnerColumn("merged:other", OTHER_PARTNERS, ""),
                groups[smallest][1] + rest,
            )
        else:
            withheld = [p.name for p in rest]
    for unit, members in groups:
        for p in members:
            shown[p.partner_id.casefold()] = unit
    units = [p for p in columns if shown.get(p.partner_id.casefold()) is p]
    units += [unit for unit, _ in groups]
    return shown, units, withheld


def anonymise(
    returns: list[Return], columns: list[PartnerColumn], k: int = MIN_RESPONDENTS
) -> tuple[list[Return], Anonymity]:
    """The board's copies of ``returns`` (keyed, relabelled to the column each is shown
    in, nothing personal) and how the round was published. Returns of withheld partners
    are left out of the copies' counted set (they are marked not to count)."""
    counted = [r for r in returns if r.counts]
    counts: dict[str, int] = {}
    for r in counted:
        counts[r.partner_id.casefold()] = counts.get(r.partner_id.casefold(), 0) + 1
    shown, units, withheld = _merge(columns, counts, k)
    order = sorted(range(len(returns)), key=lambda i: (returns[i].sha256, returns[i].file))
    key_of = {i: f"R{n:03d}" for n, i in enumerate(order, start=1)}
    board: list[Return] = []
    keys: list[dict[str, str]] = []
    for i, ret in enumerate(returns):
        unit = shown.get(ret.partner_id.casefold())
        keys.append(_key_row(key_of[i], ret, unit))
        if ret.counts and unit is None:
            continue  # withheld: too few to merge safely
        board.append(_board_copy(ret, key_of[i], unit))
    return board, Anonymity(k, shown, units, withheld, keys)


def _key_row(key: str, ret: Return, unit: PartnerColumn | None) -> dict[str, str]:
    who = ret.respondent
    return {
        "respondent_key": key,
        "partner_id": ret.partner_id,
        "partner": ret.partner_name,
        "shown_as": unit.name if unit else ("withheld" if ret.counts else ""),
        "respondent_id": ret.respondent_id,
        "name": who.name,
        "role": who.role,
        "email": who.email,
        "file": ret.file,
        "sha256": ret.sha256,
        "status": str(ret.status),
    }


def _board_copy(ret: Return, key: str, unit: PartnerColumn | None) -> Return:
    """A copy of ``ret`` that names nobody: key for file, no respondent, no findings."""
    board = copy.copy(ret)
    board.path = Path(key)
    board.sha256 = ""
    board.copy_id = ""
    board.respondent_id = key
    board.respondent = Respondent(organisation=unit.name if unit else "")
    board.findings = []
    board.extra = []
    board.omitted = {}
    if unit is not None:
        board.partner_id, board.partner_name = unit.partner_id, unit.name
    else:
        board.partner_id, board.partner_name = "", ""
    return board


def mask_thin(positions: pd.DataFrame, n: np.ndarray, k: int) -> None:
    """Empty, in place, every position resting on fewer than ``k`` scores (``n``: scores
    behind each row of ``positions``, in its order), its label and what was typed too."""
    few = np.asarray(n).reshape(-1) < k
    if not few.any():
        return
    rating = positions["rating"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    rating[few] = np.nan
    positions["rating"] = pd.array(rating, dtype="Float64")
    for key in ("rating_label", "rating_raw"):
        values = positions[key].astype(object).fillna("").to_numpy(dtype=object).copy()
        values[few] = ""
        positions[key] = pd.Categorical(values) if key == "rating_label" else values


def without_merged(rolled: RollUp) -> RollUp:
    """The roll-up without spreads "within" a merged column (it is many organisations)."""
    kept = ~rolled.spread["partner_id"].astype(str).str.startswith("merged:")
    return replace(rolled, spread=rolled.spread[kept].reset_index(drop=True))


def without_authors(
    table: pd.DataFrame, order: list[str], framework_order: list[str]
) -> pd.DataFrame:
    """Evidence or actions with no rating beside the text, sorted by column, question and
    text, so that neither a rating nor the order of rows ties texts to one person."""
    out = table.copy()
    if "rating_label" in out:
        out["rating_label"] = ""
    unit_rank = {name: i for i, name in enumerate(order)}
    question_rank = {q: i for i, q in enumerate(framework_order)}
    text = "evidence" if "evidence" in out else "improvement_action"
    out["_u"] = out["partner"].astype(object).map(unit_rank)
    out["_q"] = out["question_id"].astype(object).map(question_rank)
    out["_t"] = out[text].astype(object).fillna("").map(str.casefold)
    out = out.sort_values(["_u", "_q", "_t"], kind="mergesort")
    return out.drop(columns=["_u", "_q", "_t"]).reset_index(drop=True)


def write_keys(anonymity: Anonymity, path: Path) -> Path:
    """The key ↔ person map, atomically: the coordinator's, never the board's."""
    rows = [[row[k] for k in KEY_COLUMNS] for row in anonymity.keys]
    return write_csv(path, KEY_COLUMNS, rows)
