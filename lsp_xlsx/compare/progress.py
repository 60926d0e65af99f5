"""What changed since last round: from last round's tidy table and this round's.

Both rounds' means are made from their tidy tables (responses.csv) exactly as each round's
Summary reported them: a partner's theme score is the mean of its scores on the theme's
rated questions, a thin score (on fewer than half of them) is left out, the partnership's
is the mean of partners' theme scores, and a question's mean is over the partners who
scored it; each with its n. A change is this round's mean minus last round's, from the
unrounded means; ``shown_change`` is the difference of the two figures as shown (rounded
half up), which the sheets print, so "2.6 to 2.8" always comes with "+0.2".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lsp_xlsx.compare.followup import PlanStatus, followup
from lsp_xlsx.compare.progress_partners import Movement, movement
from lsp_xlsx.compare.rules import (
    change_direction,
    partner_position,
    shown_change,
    shown_figure,
)
from lsp_xlsx.compare.scores import THIN_SHARE
from lsp_xlsx.core.tidy_files import read_tidy_text
from lsp_xlsx.framework.model import Framework

#: How many of the largest improvements and declines are flagged on the question table.
MOVERS = 5


@dataclass
class Progress:
    """The comparison with last round, as tables."""

    previous_round: str
    #: Partner (and "Partnership mean") x theme: last, now, change.
    themes: pd.DataFrame
    #: Per rated question: mean then, mean now, change, and a flag for the largest movers.
    questions: pd.DataFrame
    #: Last round's actions whose target date has passed, with the rating then and now.
    actions_due: pd.DataFrame
    #: Returned this round for the first time (not invited, or not known to be, last round).
    partners_new: list[str] = field(default_factory=list)
    #: Returned last round, not this round.
    partners_gone: list[str] = field(default_factory=list)
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    #: By partner and by return: who joined, left, came back, or copied last round's ratings.
    moved: Movement = field(default_factory=Movement)
    #: Last round's agreed.csv (question_id, agreed_label, action, ...), when given.
    agreed: pd.DataFrame | None = None
    #: Last round's agreed actions followed up (compare/followup.py), when agreed is given.
    followup: pd.DataFrame | None = None
    #: The day due and overdue are worked out against (collate --today).
    today: dt.date | None = None


#: The columns of last round's tidy table that the comparison with it reads.
NEEDED = (
    "partner_id",
    "partner",
    "theme_id",
    "theme",
    "question_id",
    "rated",
    "rating",
    "rating_label",
    "improvement_action",
    "lead",
    "target_date",
)


def read_tidy(path: Path) -> pd.DataFrame:
    """A round's responses.csv (or .parquet), with its scores as numbers and its text as text.

    Raises :class:`~lsp_xlsx.core.errors.TidyTableError` when it cannot be read or lacks a
    column the comparison needs."""
    advice = "Give --previous last round's responses.csv (or .parquet), as collate wrote it."
    tidy = read_tidy_text(path, NEEDED, advice)
    tidy["score"] = pd.to_numeric(tidy["rating"], errors="coerce")
    return tidy


def _partner_themes(tidy: pd.DataFrame, framework: Framework) -> tuple[pd.DataFrame, pd.Series]:
    """A round's theme scores as its Summary reported them: partner x theme (and "ALL"),
    thin scores (fewer than :data:`THIN_SHARE` of the theme's rated questions, as that
    round's table has them) left out, with the partnership's mean; and its n per theme."""
    rated_rows = tidy[tidy["rated"] == "yes"]
    rated = rated_rows[rated_rows["score"].notna()]
    # The rated questions each theme had in that round, from that round's own table.
    asked = rated_rows.groupby("theme_id")["question_id"].nunique()
    themes = [t.id for t in framework.themes]
    means = rated.groupby(["theme_id", "partner_id"])["score"].mean().unstack("partner_id")
    scored = rated.groupby(["theme_id", "partner_id"])["score"].count().unstack("partner_id")
    means, scored = means.reindex(themes), scored.reindex(themes)
    means.loc["ALL"] = rated.groupby("partner_id")["score"].mean()
    scored.loc["ALL"] = rated.groupby("partner_id")["score"].count()
    asked = asked.reindex(themes).fillna(0)
    asked.loc["ALL"] = rated_rows["question_id"].nunique()
    thin = scored.fillna(0).lt(asked * THIN_SHARE, axis=0)
    kept = means.where(~thin)
    table = means.copy()
    table["__partnership__"] = kept.mean(axis=1)
    return table, kept.notna().sum(axis=1)


def _score(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def _names(tidy: pd.DataFrame) -> dict[str, str]:
    return dict(zip(tidy["partner_id"], tidy["partner"], strict=True))


def _themes(
    before: pd.DataFrame, now: pd.DataFrame, fw: Framework, names: dict[str, str]
) -> pd.DataFrame:
    (then_t, then_n), (now_t, now_n) = _partner_themes(before, fw), _partner_themes(now, fw)
    partners = [
        "__partnership__",
        *[p for p in now_t.columns if p in then_t.columns and p != "__partnership__"],
    ]
    labels = [(t.id, t.sheet_name) for t in fw.themes] + [("ALL", "All themes")]
    rows = []
    for pid in partners:
        mean_row = pid == "__partnership__"
        for theme_id, theme in labels:
            last, this = _score(then_t.loc[theme_id, pid]), _score(now_t.loc[theme_id, pid])
            rows.append(
                {
                    "partner": "Partnership mean" if mean_row else names.get(pid, pid),
                    "theme": theme,
                    "last": last,
                    "now": this,
                    "change": this - last,
                    "shown_change": shown_change(last, this),
                    "direction": change_direction(shown_change(last, this)),
                    "n_last": int(then_n[theme_id]) if mean_row else None,
                    "n_now": int(now_n[theme_id]) if mean_row else None,
                }
            )
    return pd.DataFrame(rows)


def _questions(before: pd.DataFrame, now: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    def means(tidy: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        rated = tidy[(tidy["rated"] == "yes") & tidy["score"].notna()]
        grouped = rated.groupby("question_id")["score"]
        return grouped.mean(), grouped.count()

    (then_m, then_n), (now_m, now_n) = means(before), means(now)
    order = [q.id for q in fw.rated_questions]
    frame = pd.DataFrame(
        {
            "question_id": order,
            "theme": [fw.theme_of[q].sheet_name for q in order],
            "question": [fw.whole_text(q) for q in order],  # no parent row beside it
            "last": [then_m.get(q) for q in order],
            "now": [now_m.get(q) for q in order],
            "n_last": [int(then_n.get(q, 0)) for q in order],
            "n_now": [int(now_n.get(q, 0)) for q in order],
        }
    )
    frame["last"] = pd.to_numeric(frame["last"])
    frame["now"] = pd.to_numeric(frame["now"])
    frame["change"] = frame["now"] - frame["last"]
    frame["shown_change"] = [
        shown_change(a, b) for a, b in zip(frame["last"], frame["now"], strict=True)
    ]
    frame["direction"] = [change_direction(c) for c in frame["shown_change"]]
    # Only a clear change can be one of the largest: a 0.1 move is not an improvement.
    ranked = frame[frame["direction"].isin(["▲ up", "▼ down"])]
    ups = set(ranked[ranked["change"] > 0].nlargest(MOVERS, "change")["question_id"])
    downs = set(ranked[ranked["change"] < 0].nsmallest(MOVERS, "change")["question_id"])
    frame["movement"] = [
        "largest improvement" if q in ups else "largest decline" if q in downs else ""
        for q in frame["question_id"]
    ]
    return frame


def partner_level(tidy: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """One row per partner and question. A partner with several respondents (issue 25) is
    taken at its position by :func:`~lsp_xlsx.compare.rules.partner_position` (the median,
    the comparison's default roll-up), so Progress counts a partner once, as the Summary
    does, with the same figure."""
    keys = ["partner_id", "question_id"]
    if not tidy.duplicated(keys).any():
        return tidy
    one = tidy.drop_duplicates(keys).copy()
    scores = pd.to_numeric(tidy["score"], errors="coerce").astype("float64")  # NA -> NaN
    groups = tidy.assign(_score=scores).groupby(keys, sort=False)["_score"].agg(list)
    width = max(len(v) for v in groups)
    grid = np.full((len(groups), width), np.nan)
    for row, given in enumerate(groups):
        grid[row, : len(given)] = given
    position = pd.Series(partner_position(grid), index=groups.index)
    at = pd.MultiIndex.from_frame(one[keys])
    one["score"] = position.reindex(at).to_numpy()
    words = {float(o.score): o.label for o in framework.scale if o.score is not None}
    several = groups.map(len).reindex(at).to_numpy() > 1
    labels = one["rating_label"].astype(object).to_numpy(dtype=object).copy()
    for i in np.flatnonzero(several & one["score"].notna().to_numpy()):
        value = float(one["score"].iloc[i])
        labels[i] = words.get(value, shown_figure(value))
    one["rating_label"] = labels
    one["rating"] = one["score"]
    return one


def _actions_due(before: pd.DataFrame, now: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    acted = before[before["improvement_action"].str.strip() != ""]
    due = acted[
        acted["target_date"].str.match(r"^\d{4}-\d{2}-\d{2}$")
        & (acted["target_date"] < today.isoformat())
    ]
    current = now.set_index(["partner_id", "question_id"])["rating_label"]
    rows = [
        {
            "partner": r["partner"],
            "theme": r["theme"],
            "question_id": r["question_id"],
            "improvement_action": r["improvement_action"],
            "lead": r["lead"],
            "target_date": r["target_date"],
            "rating_then": r["rating_label"],
            "rating_now": current.get((r["partner_id"], r["question_id"]), "not returned"),
        }
        for r in due.sort_values(["target_date", "partner"], kind="mergesort").to_dict("records")
    ]
    columns = ["partner", "theme", "question_id", "improvement_action", "lead", "target_date"]
    return pd.DataFrame(rows, columns=[*columns, "rating_then", "rating_now"])


@dataclass
class Baseline:
    """What last round left besides its tidy table: its agreed position (agreed.csv), the
    statuses of the updated plan, who it invited, and this round's partners list."""

    agreed: pd.DataFrame | None = None
    statuses: dict[tuple[str, str], PlanStatus] = field(default_factory=dict)
    invited: dict[str, str] | None = None
    partners_now: set[str] | None = None
    today: dt.date | None = None


def since_last_round(
    now: pd.DataFrame,
    made_at: str,
    before: pd.DataFrame,
    framework: Framework,
    partner_ids: set[str] | None = None,
    baseline: Baseline | None = None,
) -> Progress:
    """:func:`progress` dated by ``baseline.today`` (collate --today), else the comparison's
    ``made_at``; with ``partner_ids`` (one partnership's partners in a split run), last
    round's rows of other partners are left out, so they are not reported as gone."""
    if partner_ids is not None:
        before = before[before["partner_id"].isin(partner_ids)]
    baseline = baseline or Baseline()
    today = baseline.today or dt.date.fromisoformat(made_at[:10])
    return progress(now, before, framework, today, baseline)


def _means(tidy: pd.DataFrame) -> dict[str, float]:
    rated = tidy[(tidy["rated"] == "yes") & tidy["score"].notna()]
    return {str(k): float(v) for k, v in rated.groupby("question_id")["score"].mean().items()}


def progress(
    now: pd.DataFrame,
    before: pd.DataFrame,
    framework: Framework,
    today: dt.date,
    baseline: Baseline | None = None,
) -> Progress:
    """Compare this round's tidy table (``now``) with last round's (``before``), and follow
    up last round's agreed position when ``baseline`` has it."""
    baseline = baseline or Baseline()
    now = now.copy()
    now["score"] = pd.to_numeric(now["rating"], errors="coerce")
    # Every proposed action of last round is followed up, each respondent's; every figure
    # counts a partner once, as the Summary does (issue 25).
    proposed = before
    before, now = partner_level(before, framework), partner_level(now, framework)
    names = _names(before) | _names(now)
    rounds = [r for r in before.get("round", pd.Series(dtype=str)) if r]
    fw_ids, prev_ids = [q.id for q in framework.questions], set(before["question_id"])
    moved = movement(before, now, names, baseline.invited, baseline.partners_now)
    follow = None
    if baseline.agreed is not None:
        themes = {t.id: t.sheet_name for t in framework.themes}
        means = (_means(before), _means(now))
        follow = followup(baseline.agreed, baseline.statuses, means, themes, today)
    return Progress(
        previous_round=rounds[0] if rounds else "last round",
        themes=_themes(before, now, framework, names),
        questions=_questions(before, now, framework),
        actions_due=_actions_due(proposed, now, today),
        partners_new=moved.returned_first,
        partners_gone=moved.left + moved.not_returned,
        questions_added=[q for q in fw_ids if q not in prev_ids],
        questions_removed=sorted(prev_ids - set(fw_ids)),
        moved=moved,
        agreed=baseline.agreed,
        followup=follow,
        today=today,
    )
