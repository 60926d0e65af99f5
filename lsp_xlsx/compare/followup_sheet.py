"""The Agreed actions sheet: last round's agreed actions followed up, each with its lead,
owner, target date, status (from the improvement plan) and whether it is due or overdue on
the day of the board pack, with the agreed rating then and the partnership's mean then
and now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

from lsp_xlsx.compare.followup import (
    CLOSED,
    DUE_WITHIN_DAYS,
    followup_counts,
    shown_days,
)
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison

LABELS = (
    ("ID", 8),
    ("Theme", 16),
    ("Question", 36),
    ("Agreed action", 36),
    ("Lead (post)", 16),
    ("Owner", 14),
    ("Target date", 12),
    ("Status", 12),
    ("Due", 14),
    ("When", 16),
    ("Agreed rating then", 20),
    ("Mean then", 9),
    ("Mean now", 9),
    ("Progress note", 30),
    ("Updated", 12),
)


def _date(text: object) -> object:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return text  # kept as typed


def write_followup(s: Sheet, c: Comparison) -> None:
    """One row per agreed action of last round, or a line saying why there are none."""
    p = c.progress
    assert p is not None
    table = p.followup
    if table is None:
        subtitle = (
            f"No agreed position from round {p.previous_round} was given. Give collate "
            "--previous last round's folder (with the agreed.csv that lsp-xlsx agree wrote), "
            "or --previous-agreed agreed.csv, to follow up the actions the board agreed."
        )
    else:
        counts = followup_counts(table)
        subtitle = (
            f"The actions the board agreed in round {p.previous_round}, as at {p.today:%d %B %Y}"
            f" (--today). {counts.sentence()} {counts.due} open "
            f"{'is' if counts.due == 1 else 'are'} due within {DUE_WITHIN_DAYS} days. The "
            "status, owner and progress note come from the improvement plan: set them there "
            "(its Status column) and run collate again. Overdue first, then by target date."
        )
    header_row = s.title("Agreed actions followed up", subtitle)
    s.header(header_row, [label for label, _ in LABELS], [width for _, width in LABELS])
    row = header_row
    if table is not None:
        order = {"overdue": 0, "due": 1, "not yet due": 2, "no target date": 3}
        records = sorted(
            table.to_dict("records"),
            key=lambda r: (order.get(str(r["due"]), 4), str(r["target_date"])),
        )
        for record in records:
            row += 1
            _row(s, row, record)
    last = s.table("AgreedActionsTable", row)
    s.finish(header_row, len(LABELS), last, freeze=f"D{header_row + 1}")


def _row(s: Sheet, row: int, record: dict[Hashable, Any]) -> None:
    late = record["due"] == "overdue"
    keys = ("question_id", "theme", "question", "action", "lead", "owner")
    for col, key in enumerate(keys, start=1):
        s.put(row, col, record[key])
    s.put(row, 7, _date(record["target_date"]), "dd/mm/yyyy")
    s.put(row, 8, record["status"])
    s.put(row, 9, record["due"], style="bold" if late else "body")
    closed = record["due"] in CLOSED  # a done or dropped action is neither due nor late
    s.put(row, 10, "" if closed else shown_days(record["days"]))
    s.put(row, 11, record["agreed_then"])
    s.put(row, 12, record["mean_then"], "0.0")
    s.put(row, 13, record["mean_now"], "0.0")
    s.put(row, 14, record["progress_note"])
    s.put(row, 15, _date(record["updated"]) if record["updated"] else None, "dd/mm/yyyy")
    s.fit_cells(row)
