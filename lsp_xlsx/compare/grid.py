"""The answers as questions × partners arrays, made once from the tidy table.

The tidy table is built partner by partner, each partner's rows in the framework's question
order, so the grid is a reshape of its columns, not a pivot: no per-partner pandas work,
which at thousands of partners is what made collating slow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from lsp_xlsx.framework.model import Framework

FloatGrid = npt.NDArray[np.float64]
ObjectGrid = npt.NDArray[np.object_]


@dataclass(frozen=True)
class AnswerGrid:
    """Rated questions (rows, framework order) × partners (columns, display order)."""

    questions: list[str]
    partners: list[str]
    #: The score, NaN where there is none (unanswered, unscored or not valid).
    score: FloatGrid
    #: The scale's label chosen ('' when none).
    label: ObjectGrid
    #: What was typed in the rating cell ('' when nothing).
    raw: ObjectGrid

    def rows(self, question_ids: list[str]) -> npt.NDArray[np.intp]:
        """Row positions of these questions."""
        where = {q: i for i, q in enumerate(self.questions)}
        return np.array([where[q] for q in question_ids], dtype=np.intp)

    def columns(self, partner_ids: list[str]) -> npt.NDArray[np.intp]:
        """Column positions of these partners."""
        where = {p: i for i, p in enumerate(self.partners)}
        return np.array([where[p] for p in partner_ids], dtype=np.intp)


def answer_grid(tidy: pd.DataFrame, partners: list[str], framework: Framework) -> AnswerGrid:
    """The grid of a tidy table laid out partner by partner in framework question order
    (as :func:`lsp_xlsx.compare.tables.collate` builds it)."""
    questions = framework.questions
    per_partner = len(questions)
    if len(tidy) != per_partner * len(partners):
        raise ValueError("the tidy table is not one row per partner and question")
    rated = np.array([i for i, q in enumerate(questions) if q.rated], dtype=np.intp)

    def shape(column: str, kind: str) -> npt.NDArray[np.generic]:
        values = tidy[column]
        if kind == "float":
            array = values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            # From the codes: each cell refers to its category's one string, where
            # to_numpy would make a new string for every row.
            categories = np.append(np.asarray(values.cat.categories, dtype=object), "")
            array = categories[values.cat.codes.to_numpy()]  # code -1 (missing) -> ""
        else:
            array = values.fillna("").to_numpy(dtype=object)
        return array.reshape(len(partners), per_partner)[:, rated].T

    return AnswerGrid(
        questions=[questions[i].id for i in rated],
        partners=list(partners),
        score=shape("rating", "float").astype("float64"),
        label=shape("rating_label", "text").astype(object),
        raw=shape("rating_raw", "text").astype(object),
    )


def row_means(values: FloatGrid) -> tuple[FloatGrid, npt.NDArray[np.int64]]:
    """The mean of each row over its non-NaN values (NaN when none), and how many there are.

    Written out rather than ``np.nanmean``, which warns on a row with no values."""
    present = ~np.isnan(values)
    counts = present.sum(axis=1)
    totals = np.where(present, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
    return means, counts.astype(np.int64)
