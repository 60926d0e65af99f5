"""The Questions and Agenda sheets: every rated question, and the ones to discuss first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.utils import get_column_letter

from lsp_xlsx.compare.digests import AGENDA_ORDER
from lsp_xlsx.compare.rules import disagreement_rule
from lsp_xlsx.compare.sheet import Sheet, heat_map, score_range
from lsp_xlsx.compare.tables import Comparison


def score_cells(s: Sheet, row: int, first_col: int, values: Sequence[Any]) -> None:
    for offset, value in enumerate(values):
        s.put(row, first_col + offset, value, "0", "centre")


def write_questions(s: Sheet, c: Comparison) -> None:
    stats = c.question_stats
    unscored = [o.label for o in c.framework.scale if o.score is None]
    header_row = s.title(
        "Scores by question",
        "Each partner's rating of each rated question, and how far partners agree. "
        f"{disagreement_rule(c.framework)}",
    )
    ids = [p.partner_id for p in c.partners]
    stat_labels = [
        "Answered",
        "Mean",
        "Median",
        "Min",
        "Max",
        "Spread",
        "Std dev",
        *unscored,
        "Agreement (r_wg)",
        "Disagreement",
    ]
    labels = ["Theme", "ID", "Question", *[p.name for p in c.partners], *stat_labels]
    widths = [16, 8, 50, *[11] * len(ids), 9, 8, 8, 7, 7, 8, 8, *[10] * len(unscored), 11, 13]
    s.header(header_row, labels, widths)
    keys = ["answered", "mean", "median", "min", "max", "spread", "std", *unscored, "agreement"]
    keys.append("disagreement")
    formats = ["0", "0.0", "0.0", "0", "0", "0", "0.00", *["0"] * len(unscored), "0.00"]
    formats.append("General")
    first_stat = 4 + len(ids)
    scores = stats[ids].to_numpy(dtype=object).tolist()  # a Series lookup per cell is slow
    row = header_row
    for (qid, values), partner_scores in zip(stats.iterrows(), scores, strict=True):
        row += 1
        depth = int(values["depth"])
        s.put(row, 1, values["theme"])
        s.put(row, 2, str(qid))
        s.put(row, 3, values["question"], style=f"indent:{2 * depth}")
        score_cells(s, row, 4, partner_scores)
        for offset, (key, fmt) in enumerate(zip(keys, formats, strict=True)):
            s.put(row, first_stat + offset, values[key], fmt)
        if values["disagreement"]:
            s.bold(row, first_stat + len(keys) - 1)
        s.fit_cells(row, {3: depth})
    if ids:
        low, high = score_range(c)
        heat_map(s.ws, f"D{header_row + 1}:{get_column_letter(3 + len(ids))}{row}", low, high)
        mean_col = get_column_letter(first_stat + 1)
        heat_map(s.ws, f"{mean_col}{header_row + 1}:{mean_col}{row}", low, high)
    row = s.table("QuestionsTable", row)
    s.finish(header_row, len(labels), row, freeze=f"D{header_row + 1}")


def write_agenda(s: Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Agenda: questions for the board to discuss first",
        f"{AGENDA_ORDER} {disagreement_rule(c.framework)} Each question is shown whole, "
        "with its stem.",
    )
    ids = [p.partner_id for p in c.partners]
    labels = [
        "#",
        "Theme",
        "ID",
        "Question",
        *[p.name for p in c.partners],
        "Mean",
        "Spread",
        "Agreement (r_wg)",
        "Why discuss it",
    ]
    widths = [4, 16, 8, 46, *[11] * len(ids), 8, 8, 11, 40]
    s.header(header_row, labels, widths)
    row = header_row
    scores = c.agenda[ids].to_numpy(dtype=object).tolist()
    for rank, ((qid, values), partner_scores) in enumerate(
        zip(c.agenda.iterrows(), scores, strict=True), start=1
    ):
        row += 1
        s.put(row, 1, rank)
        s.put(row, 2, values["theme"])
        s.put(row, 3, str(qid))
        s.put(row, 4, values["question"])
        score_cells(s, row, 5, partner_scores)
        s.put(row, 5 + len(ids), values["mean"], "0.0")
        s.put(row, 6 + len(ids), values["spread"], "0")
        s.put(row, 7 + len(ids), values["agreement"], "0.00")
        s.put(row, 8 + len(ids), values["reason"])
        s.fit_cells(row)
    if ids and row > header_row:
        low, high = score_range(c)
        heat_map(s.ws, f"E{header_row + 1}:{get_column_letter(4 + len(ids))}{row}", low, high)
    row = s.table("AgendaTable", row)
    s.finish(header_row, len(labels), row)
