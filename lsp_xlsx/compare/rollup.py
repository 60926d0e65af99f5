"""A partner's position: several respondents of one partner made into one row per question.

The tidy table (``responses.csv``) keeps one row per respondent and question. Everything
the board compares (the partner × theme scores, the Questions, Summary, Agenda, Groups
and the paper) is about partners, so :func:`roll_up` makes the table they read: one row
per partner and question, whose rating is the partner's *position*
(:func:`~lsp_xlsx.compare.rules.partner_position`: the median by default, or the mean).
A partner with five respondents counts once, as a partner with one does.

Beside the position, :func:`roll_up` keeps how far the partner's own respondents agree
(the Respondents sheet): its n, the range, the share of respondents within one step of
the median, and r_wg. r_wg is an advanced figure and unstable for few raters: with two or
three respondents the sample variance it rests on swings with a single answer (one
respondent a step further away can move it from 1 to below 0), so the range and the
share within one step are what the sheet leads with.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from lsp_xlsx.compare.rules import (
    PartnerColumn,
    agreement,
    partner_position,
    shown_figure,
)
from lsp_xlsx.framework.model import Framework

#: A partner's respondents this many steps apart or more on a question disagree strongly
#: (the paper's one line per partner counts these questions).
STRONG_RANGE = 2
#: The columns of :attr:`RollUp.spread`, in the Respondents sheet's order.
SPREAD_COLUMNS = (
    "partner_id",
    "partner",
    "theme",
    "question_id",
    "question",
    "n",
    "position",
    "range",
    "within_one",
    "rwg",
    "partners_range",
    "wider_than_partners",
)
#: What r_wg means here, and why it is not the headline figure.
RWG_NOTE = (
    "r_wg (agreement within the partner) is an advanced figure: with two or three "
    "respondents it rests on a variance of two or three scores, so one answer a step "
    "further away can move it from 1 to below 0. Read the range and the share within one "
    "step of the median first."
)


@dataclass(frozen=True)
class RollUp:
    """The partner-level table and the spread within partners with several respondents."""

    method: str
    #: One row per partner and question, the tidy table's columns; rating is the position.
    positions: pd.DataFrame
    #: Partner id -> how many respondents' returns count.
    respondents: dict[str, int]
    #: Partners × questions (all questions, framework order): scores behind each position.
    n: npt.NDArray[np.int64]
    #: One row per partner with several respondents and rated question (SPREAD_COLUMNS).
    spread: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def several(self) -> bool:
        """True when any partner has more than one respondent."""
        return any(v > 1 for v in self.respondents.values())


def _labels(framework: Framework) -> dict[float, str]:
    return {float(o.score): o.label for o in framework.scored_options if o.score is not None}


def _blocks(tidy: pd.DataFrame, columns: list[PartnerColumn], per: int) -> list[tuple[int, int]]:
    """(first row, respondents) of each partner's rows, in column order."""
    ids = tidy["partner_id"].astype(object).to_numpy()[::per] if per else np.array([])
    blocks, at = [], 0
    for p in columns:
        count = 0
        while at + count < len(ids) and ids[at + count] == p.partner_id:
            count += 1
        blocks.append((at * per, count))
        at += count
    return blocks


def _fallback_label(labels: npt.NDArray[np.object_], raws: npt.NDArray[np.object_]) -> str:
    """Where no respondent scored: the commonest unscored answer, else what was typed."""
    chosen = [str(v) for v in labels if v]
    if chosen:
        return max(dict.fromkeys(chosen), key=chosen.count)
    typed = [str(v) for v in raws if v]
    return typed[0] if typed else ""


def roll_up(
    tidy: pd.DataFrame, columns: list[PartnerColumn], framework: Framework, method: str = "median"
) -> RollUp:
    """The partner-level table of a tidy table laid out partner by partner, each partner's
    respondents one after another, each in framework question order."""
    per = len(framework.questions)
    blocks = _blocks(tidy, columns, per)
    respondents = {p.partner_id: count for p, (_, count) in zip(columns, blocks, strict=True)}
    if all(count <= 1 for _, count in blocks):
        # One respondent each: the tidy table is already one row per partner (a shallow
        # copy, so that emptying a thin position never touches responses.csv).
        score = tidy["rating"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        n = (~np.isnan(score)).astype(np.int64).reshape(len(columns), per)
        return RollUp(method, tidy.copy(deep=False), respondents, n)
    starts = [np.arange(start, start + per, dtype=np.intp) for start, _ in blocks]
    take = np.concatenate(starts) if starts else np.array([], dtype=np.intp)
    positions = tidy.iloc[take].reset_index(drop=True)
    score = tidy["rating"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    label = tidy["rating_label"].astype(object).fillna("").to_numpy(dtype=object)
    raw = tidy["rating_raw"].astype(object).fillna("").to_numpy(dtype=object)
    rating: npt.NDArray[np.float64] = score[take].astype(np.float64)
    new_label = label[take].copy()
    new_raw = raw[take].copy()
    n = (~np.isnan(rating)).astype(np.int64).reshape(len(columns), per)
    words = _labels(framework)
    for i, (start, count) in enumerate(blocks):
        if count < 2:
            continue
        rows = start + np.arange(count)[:, None] * per + np.arange(per)[None, :]
        grid = score[rows].T  # questions × respondents
        where = slice(i * per, (i + 1) * per)
        pos = partner_position(grid, method)
        rating[where] = pos
        n[i] = (~np.isnan(grid)).sum(axis=1)
        for q in range(per):
            if np.isnan(pos[q]):
                text = _fallback_label(label[rows[:, q]], raw[rows[:, q]])
            else:
                text = words.get(float(pos[q]), shown_figure(pos[q]))
            new_label[i * per + q] = text
            new_raw[i * per + q] = text
    _set_rolled(positions, rating, new_label, new_raw, blocks, per)
    return RollUp(method, positions, respondents, n)


def _set_rolled(
    positions: pd.DataFrame,
    rating: npt.NDArray[np.float64],
    label: npt.NDArray[np.object_],
    raw: npt.NDArray[np.object_],
    blocks: list[tuple[int, int]],
    per: int,
) -> None:
    """Write the positions into the partner-level table; a rolled-up row names no person."""
    positions["rating"] = pd.array(rating, dtype="Float64")
    positions["rating_label"] = pd.Categorical(label)
    positions["rating_raw"] = pd.Series(raw, dtype=object)
    several = np.repeat([count > 1 for _, count in blocks], per)
    if several.any():
        for key in ("respondent", "source_file", "source_sha256", "respondent_id"):
            values = positions[key].astype(object).to_numpy(dtype=object).copy()
            values[several] = ""
            positions[key] = pd.Categorical(values)


def with_spread(
    rolled: RollUp,
    tidy: pd.DataFrame,
    columns: list[PartnerColumn],
    framework: Framework,
    position_grid: npt.NDArray[np.float64],
) -> RollUp:
    """``rolled`` with its spread table: per partner with several respondents and rated
    question, the spread between them, flagged where it is wider than between partners
    (``position_grid``: rated questions × partners, the partners' positions)."""
    per = len(framework.questions)
    rated = [i for i, q in enumerate(framework.questions) if q.rated]
    score = tidy["rating"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a question nobody scored
        between = np.nanmax(position_grid, axis=1) - np.nanmin(position_grid, axis=1)
    between[(~np.isnan(position_grid)).sum(axis=1) < 2] = np.nan
    frames = []
    for i, (p, (start, count)) in enumerate(zip(columns, _blocks(tidy, columns, per), strict=True)):
        if count < 2:
            continue
        rows = start + np.arange(count)[:, None] * per + np.asarray(rated)[None, :]
        grid = score[rows].T  # rated questions × respondents
        frames.append(_partner_spread(p, grid, framework, rated, between, position_grid[:, i]))
    spread = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SPREAD_COLUMNS)
    )
    return RollUp(rolled.method, rolled.positions, rolled.respondents, rolled.n, spread)


def _partner_spread(
    p: PartnerColumn,
    grid: npt.NDArray[np.float64],
    framework: Framework,
    rated: list[int],
    between: npt.NDArray[np.float64],
    position: npt.NDArray[np.float64],
) -> pd.DataFrame:
    present = ~np.isnan(grid)
    n = present.sum(axis=1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a question nobody scored
        spread = np.nanmax(grid, axis=1) - np.nanmin(grid, axis=1)
        median = np.nanmedian(grid, axis=1)
        near = (np.abs(grid - median[:, None]) <= 1) & present
        within = np.where(n > 0, near.sum(axis=1) / np.maximum(n, 1), np.nan)
    spread[n == 0] = np.nan
    wider = (spread > between) & ~np.isnan(between)
    questions = [framework.questions[i] for i in rated]
    return pd.DataFrame(
        {
            "partner_id": p.partner_id,
            "partner": p.name,
            "theme": [framework.theme_of[q.id].sheet_name for q in questions],
            "question_id": [q.id for q in questions],
            "question": [framework.whole_text(q.id) for q in questions],
            "n": n.astype(np.int64),
            "position": position,
            "range": spread,
            "within_one": within,
            "rwg": agreement(grid, framework),
            "partners_range": between,
            "wider_than_partners": ["Yes" if w else "" for w in wider],
        },
        columns=list(SPREAD_COLUMNS),
    )


def strong_disagreement(rolled: RollUp) -> list[tuple[str, int, int, int]]:
    """Per partner with several respondents: (partner, respondents, questions where they
    are :data:`STRONG_RANGE` steps apart or more, questions at least two of them scored).
    Counts only: for the paper's one line per partner."""
    if rolled.spread.empty:
        return []
    lines = []
    for pid, rows in rolled.spread.groupby("partner_id", sort=False):
        scored = int((rows["n"] >= 2).sum())
        strong = int((rows["range"] >= STRONG_RANGE).sum())
        name = str(rows["partner"].iloc[0])
        lines.append((name, rolled.respondents.get(str(pid), 0), strong, scored))
    return lines


def disagreement_lines(rolled: RollUp | None) -> list[str]:
    """The paper's lines: one per partner whose respondents disagree strongly somewhere."""
    if rolled is None:
        return []
    return [
        f"{name}: its {people} respondents are {STRONG_RANGE} or more steps apart on "
        f"{strong} of the {scored} questions they scored."
        for name, people, strong, scored in strong_disagreement(rolled)
        if strong
    ]
