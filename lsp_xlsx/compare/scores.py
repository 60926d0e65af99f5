"""Theme scores, partners' coverage, and means by any grouping of partners.

How the numbers are made:

* A partner's theme score is the mean of its scores on the theme's rated questions.
* A theme score resting on fewer than half of the theme's rated questions (:data:`THIN_SHARE`)
  is *thin*: it is shown, marked, and left out of the partnership's mean, min, max and
  spread, so that a partial return cannot pull a theme up or down on a question or two.
* The partnership mean of a theme is the mean of the partners' (not thin) theme scores,
  so every partner counts once; ``n`` is how many partners are behind it.
* A group's mean (by sector, level, or any column of partners.csv) is made the same way
  from the partners in the group, and always shown with its n.
* Groups are compared on a question (lowest, highest, gap) only when at least
  :data:`~lsp_xlsx.compare.rules.GROUP_MIN_SIZE` partners in them scored it; smaller groups
  are shown with their n and never make a large gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lsp_xlsx.compare.grid import AnswerGrid, row_means
from lsp_xlsx.compare.rules import GROUP_MIN_SIZE, shown_change, shown_figure
from lsp_xlsx.framework.model import Framework

#: A theme score resting on fewer than this share of the theme's rated questions is thin.
THIN_SHARE = 0.5
#: A gap between two groups' means on one question at least this big is flagged.
GROUP_GAP = 1.0
#: An extra column of partners.csv with this many distinct values is a default grouping.
GROUPING_SIZES = range(2, 13)


@dataclass(frozen=True)
class GroupScores:
    """Theme means for each group of one grouping (e.g. level), with how many partners."""

    grouping: str
    groups: list[str]
    means: pd.DataFrame  # theme (and ALL) x group
    n: pd.DataFrame  # theme (and ALL) x group: partners behind each mean


def _partner_grid(grid: AnswerGrid, framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mean score, scored answers) for each theme and 'ALL' x partner."""
    index = [t.id for t in framework.themes] + ["ALL"]
    means, counts = [], []
    for theme in framework.themes:
        rows = grid.rows([q.id for q in theme.rated_questions])
        mean, count = row_means(grid.score[rows].T)
        means.append(mean)
        counts.append(count)
    mean, count = row_means(grid.score.T)
    means.append(mean)
    counts.append(count)
    columns = pd.Index(grid.partners, name="partner_id")
    return (
        pd.DataFrame(np.vstack(means), index=index, columns=columns),
        pd.DataFrame(np.vstack(counts).astype("float64"), index=index, columns=columns),
    )


def theme_scores(grid: AnswerGrid, framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Themes (and 'All themes') x partners, then mean, min, max, spread and n; and the
    thin marks (True where a score rests on fewer than half the theme's questions)."""
    scores, scored = _partner_grid(grid, framework)
    rated = pd.Series(
        {t.id: len(t.rated_questions) for t in framework.themes}
        | {"ALL": len(framework.rated_questions)}
    )
    thin = scored.lt(rated.reindex(scores.index) * THIN_SHARE, axis=0) & scores.notna()
    kept = scores.where(~thin)
    low, high = kept.min(axis=1), kept.max(axis=1)
    labels = {t.id: t.sheet_name for t in framework.themes} | {"ALL": "All themes"}
    table = pd.concat(
        [
            pd.DataFrame({"theme": [labels[i] for i in scores.index]}, index=scores.index),
            scores,
            pd.DataFrame(
                {
                    "mean": kept.mean(axis=1),
                    "min": low,
                    "max": high,
                    "spread": high - low,
                    "n": kept.notna().sum(axis=1).astype("int64"),
                }
            ),
        ],
        axis=1,
    )
    table.index.name = "theme_id"
    return table, thin


def group_scores(
    table: pd.DataFrame, thin: pd.DataFrame, members: dict[str, list[str]], grouping: str
) -> GroupScores:
    """Theme means by group, from partners' (not thin) theme scores; ``members`` maps each
    group to its partners' ids, in display order."""
    means, counts = {}, {}
    for group, ids in members.items():
        kept = table[ids].where(~thin[ids])
        means[group] = kept.mean(axis=1)
        counts[group] = kept.notna().sum(axis=1).astype("int64")
    groups = list(members)
    return GroupScores(
        grouping,
        groups,
        pd.DataFrame(means, index=table.index, columns=groups),
        pd.DataFrame(counts, index=table.index, columns=groups),
    )


def question_gaps(
    grid: AnswerGrid, members: dict[str, list[str]], grouping: str, framework: Framework
) -> pd.DataFrame:
    """For each rated question: every group's mean and n, the lowest and highest group,
    and the gap between them, flagged when it is :data:`GROUP_GAP` or more. Lowest,
    highest and gap are over groups with at least ``GROUP_MIN_SIZE`` partners scoring."""
    order = grid.questions
    means_n = {g: row_means(grid.score[:, grid.columns(ids)]) for g, ids in members.items()}
    means = pd.DataFrame({g: m for g, (m, _) in means_n.items()}, index=order)
    counts = pd.DataFrame({g: n for g, (_, n) in means_n.items()}, index=order)
    rows = []
    for qid in order:
        present = means.loc[qid].dropna().astype("float64")
        sizes = counts.loc[qid].reindex(present.index).to_numpy()
        # Only groups big enough to speak for more than one or two partners are compared.
        big = present[sizes >= GROUP_MIN_SIZE]
        values = big.to_numpy()
        shown = "; ".join(
            f"{g} {shown_figure(means.loc[qid, g])} (n={counts.loc[qid, g]}"
            + ("" if counts.loc[qid, g] >= GROUP_MIN_SIZE else ", too few to compare")
            + ")"
            for g in present.index
        )
        two = len(values) >= 2
        # The gap shown is the difference of the two means as shown (8/3 and 5/3 show as
        # 2.7 and 1.7: a gap of 1.0, flagged), so the flag never disagrees with the page.
        gap = shown_change(float(values.min()), float(values.max())) if two else None
        rows.append(
            {
                "grouping": grouping,
                "theme": framework.theme_of[qid].sheet_name,
                "question_id": qid,
                "question": framework.whole_text(qid),
                "groups": shown,
                "lowest": str(big.idxmin()) if two else "",
                "lowest_mean": float(values.min()) if two else None,
                "highest": str(big.idxmax()) if two else "",
                "highest_mean": float(values.max()) if two else None,
                "gap": gap,
                "large_gap": "Yes" if gap is not None and gap >= GROUP_GAP else "",
            }
        )
    return pd.DataFrame(rows)
