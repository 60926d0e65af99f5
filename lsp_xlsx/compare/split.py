"""One run, many partnerships: a comparison per partnership, and an overview across them.

A regional body (or a national study) collates thousands of returns from hundreds of
partnerships at once. With a column of partners.csv naming each partner's partnership,
:func:`collate_split` makes:

* a :class:`~lsp_xlsx.compare.tables.Comparison` per partnership, from its partners'
  returns only, exactly as if that partnership had run ``collate`` alone;
* an overview: for every partnership, its mean score on each theme (the mean of its
  partners' theme scores, thin ones left out, as its own Summary shows), with how many
  partners returned.

Partners with no value in the column, and returns from partners not in partners.csv, form
one more group, :data:`NOT_GIVEN`. Files that could not be tied to a partner (refused, or
naming no partner in the file) are listed in the overview, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lsp_xlsx.compare.tables import (
    Comparison,
    PartnerColumn,
    collate,
    made_at_now,
    partner_columns,
    tidy_table,
)
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, slug
from lsp_xlsx.returns.model import Return

#: The group of partners with no value in the split column.
NOT_GIVEN = "(not given)"


@dataclass
class Part:
    """One partnership (one value of the split column): its partners and returns, then,
    once collated, what the overview and the run's tidy table need from it."""

    name: str
    #: A safe folder name for its outputs, unique in the run.
    folder: str
    partners: list[Partner]
    returns: list[Return]
    #: The comparison, while it is in this process (dropped when made in a worker).
    comparison: Comparison | None = None
    #: Partners whose return counts.
    returned: int = 0
    #: Theme id (and 'ALL') -> the partnership's mean; empty when no return counts.
    means: dict[str, float] = field(default_factory=dict)

    @property
    def listed(self) -> int:
        """Partners in partners.csv in this partnership."""
        return len(self.partners)

    def collate(
        self,
        framework: Framework,
        responses_name: str = "responses.csv",
        group_by: Sequence[str] | None = None,
        made_at: str | None = None,
    ) -> Comparison | None:
        """Collate this partnership's returns on their own (None when none counts)."""
        if not any(r.counts for r in self.returns):
            return None
        c = collate(self.returns, framework, self.partners, made_at, responses_name, group_by)
        self.comparison, self.returned = c, len(c.partners)
        self.means = {str(k): float(v) for k, v in c.theme_scores["mean"].items()}
        return c


@dataclass
class SplitComparison:
    """Every partnership's comparison, and the overview across them."""

    column: str
    framework: Framework
    parts: list[Part]
    #: Files no partnership can claim: refused, or from no partner anyone knows.
    unplaced: list[Return]
    #: Partnership x (returned, listed, each theme's mean, ALL): what the overview shows.
    overview: pd.DataFrame
    made_at: str
    #: Every answer of every partnership, with the split column added.
    responses: pd.DataFrame = field(default_factory=pd.DataFrame)


def _groups(partners: Sequence[Partner], column: str) -> dict[str, list[Partner]]:
    groups: dict[str, list[Partner]] = {}
    for p in partners:
        groups.setdefault(p.value(column).strip() or NOT_GIVEN, []).append(p)
    return groups


def _folders(names: list[str]) -> dict[str, str]:
    taken: set[str] = set()
    folders = {}
    for name in names:
        stem = slug(name if name != NOT_GIVEN else "not-given")
        candidate, n = stem, 2
        while candidate in taken:
            candidate, n = f"{stem}-{n}", n + 1
        taken.add(candidate)
        folders[name] = candidate
    return folders


def plan_split(
    returns: list[Return], partners: Sequence[Partner], column: str
) -> tuple[list[Part], list[Return]]:
    """The partnerships, each with its partners and returns (not yet collated), in name
    order with :data:`NOT_GIVEN` last; and the files no partnership can claim."""
    groups = _groups(partners, column)
    home = {p.partner_id.casefold(): name for name, ps in groups.items() for p in ps}
    by_group: dict[str, list[Return]] = {name: [] for name in groups}
    unplaced: list[Return] = []
    for ret in returns:
        name = home.get(ret.partner_id.casefold()) if ret.partner_id else None
        if name is None and ret.counts:
            name = NOT_GIVEN  # counts, from a partner not in partners.csv
            by_group.setdefault(NOT_GIVEN, [])
        if name is None:
            unplaced.append(ret)
        else:
            by_group[name].append(ret)
    names = sorted((n for n in by_group if n != NOT_GIVEN), key=lambda n: (n.casefold(), n))
    names += [NOT_GIVEN] if NOT_GIVEN in by_group else []
    folders = _folders(names)
    parts = [Part(n, folders[n], groups.get(n, []), by_group[n]) for n in names]
    return parts, unplaced


def collate_split(
    returns: list[Return],
    framework: Framework,
    partners: Sequence[Partner],
    column: str,
    responses_name: str = "responses.csv",
    group_by: Sequence[str] | None = None,
    made_at: str | None = None,
) -> SplitComparison:
    """Collate each partnership's returns on their own, and the overview across them.

    Partnerships are in name order, :data:`NOT_GIVEN` last; partners within each in
    partners.csv order, as collate has them."""
    made_at = made_at or made_at_now()
    parts, unplaced = plan_split(returns, partners, column)
    for part in parts:
        part.collate(framework, responses_name, group_by, made_at)
    return finish_split(column, framework, parts, unplaced, made_at)


def finish_split(
    column: str, framework: Framework, parts: list[Part], unplaced: list[Return], made_at: str
) -> SplitComparison:
    """The overview and the run's tidy table, from partnerships already collated."""
    return SplitComparison(
        column,
        framework,
        parts,
        unplaced,
        overview_table(parts, framework),
        made_at,
        _all_responses(parts, column, framework),
    )


def overview_table(parts: list[Part], framework: Framework) -> pd.DataFrame:
    """Partnership x theme: each partnership's mean (of its partners' theme scores, thin
    ones left out) and how many partners are behind it; NaN where none."""
    themes = [t.id for t in framework.themes] + ["ALL"]
    rows = []
    for part in parts:
        means = [part.means.get(t, np.nan) for t in themes]
        rows.append([part.returned, part.listed, *means])
    table = pd.DataFrame(
        rows,
        index=pd.Index([p.name for p in parts], name="partnership"),
        columns=["returned", "listed", *themes],
    )
    return table.astype({"returned": "int64", "listed": "int64"})


def _all_responses(parts: list[Part], column: str, framework: Framework) -> pd.DataFrame:
    """Every partnership's tidy table, one after another, with the split column added.

    Built in one pass from the partnerships' returns, partner columns and order, as each
    partnership's collate builds its own (:func:`~lsp_xlsx.compare.tables.tidy_table`),
    so the tables need not come back from the processes that wrote each partnership's
    folder: at national scale they held every answer's text a second time."""
    kept = [p for p in parts if p.returned]
    counted: list[Return] = []
    columns: list[PartnerColumn] = []
    rows: list[int] = []
    for part in kept:
        mine = [r for r in part.returns if r.counts]
        counted += mine
        columns += partner_columns(mine, part.partners)[0]
        rows.append(len(mine) * len(framework.questions))
    if not counted:
        return pd.DataFrame()
    frame = tidy_table(counted, columns, framework)
    codes = np.repeat(np.arange(len(kept)), rows)
    # The partner's value, as in partners.csv: empty for the group with none.
    values = pd.Index([p.name if p.name != NOT_GIVEN else "" for p in kept])
    frame[column] = pd.Categorical.from_codes(codes, categories=values)
    return frame
