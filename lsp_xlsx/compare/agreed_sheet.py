"""The Agreed sheet: where the board records the position it agrees at the workshop.

One row per rated question with the comparison's mean, spread and range, and four
unlocked cells to fill in: the agreed rating (a dropdown of the scale), the agreed
action, the post that leads it and a target date. ``lsp-xlsx agree`` reads it back.
"""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.workbook import styles as S
from lsp_xlsx.workbook.theme_sheet import choice_validation, date_validation


def _range(low: float, high: float) -> str:
    if math.isnan(low):
        return ""
    return f"{low:g}" if low == high else f"{low:g} to {high:g}"


def _previous(c: Comparison) -> dict[str, tuple[str, str]] | None:
    """Question id -> (agreed rating, action) of last round, when its agreed.csv was given."""
    p = c.progress
    if p is None or p.agreed is None:
        return None
    agreed = p.agreed
    pairs = zip(agreed["question_id"], agreed["agreed_label"], agreed["action"], strict=True)
    return {str(q).casefold(): (str(label), str(action)) for q, label, action in pairs}


def write_agreed(s: Sheet, c: Comparison) -> None:
    """The Agreed sheet, its dropdown (fed from the hidden _lists sheet) and protection;
    with last round's agreed position, its rating and action beside each question."""
    previous = _previous(c)
    then = (
        f" Agreed last round and Action last round show what the board agreed in round "
        f"{c.progress.previous_round if c.progress else ''}, as a starting point."
        if previous is not None
        else ""
    )
    header_row = s.title(
        "Agreed position and improvement plan",
        "For the board's workshop: fill in the pale yellow cells with the rating and action "
        "the board agrees for each question. Then run lsp-xlsx agree on this workbook to "
        f"produce agreed.csv and improvement-plan.xlsx.{then}",
    )
    cols = A.columns(previous is not None)
    s.header(header_row, [col.label for col in cols], [col.width for col in cols])
    stats = c.question_stats
    keys = [col.key for col in cols]
    inputs = [keys.index(key) + 1 for key in A.INPUT_KEYS]
    row = header_row
    for qid, values in stats.iterrows():
        row += 1
        s.put(row, 1, values["theme"])
        s.put(row, 2, str(qid))
        s.put(row, 3, values["question_whole"])  # no parent row beside it: with its stem
        s.put(row, 4, values["mean"], "0.0")
        s.put(row, 5, values["spread"], "0")
        s.put(row, 6, _range(float(values["min"]), float(values["max"])), style="centre")
        if previous is not None:
            rating, action = previous.get(str(qid).casefold(), ("", ""))
            s.put(row, 7, rating)
            s.put(row, 8, action)
        carried = c.agreed_entries.get(str(qid), {})
        for col in inputs:
            number_format = "dd/mm/yyyy" if keys[col - 1] == "target_date" else "General"
            s.put(row, col, carried.get(keys[col - 1]), number_format, "input")
        s.fit_cells(row)
    last = s.table(A.TABLE, row)
    _validations(s, c, header_row + 1, last, keys)
    S.protect(s.ws)
    s.finish(header_row, len(keys), last, freeze=f"D{header_row + 1}")


def _validations(s: Sheet, c: Comparison, first: int, last: int, keys: list[str]) -> None:
    wb = s.ws.parent
    assert wb is not None
    lists = wb[A.LISTS_SHEET]
    for index, label in enumerate(c.framework.labels, start=1):
        lists.cell(row=index, column=1, value=label).data_type = "s"
    ref = f"{quote_sheetname(A.LISTS_SHEET)}!$A$1:$A${len(c.framework.labels)}"
    wb.defined_names[A.RATING_LIST_NAME] = DefinedName(A.RATING_LIST_NAME, attr_text=ref)
    rating = get_column_letter(keys.index("agreed_rating") + 1)
    labels = c.framework.labels
    choose = choice_validation(A.RATING_LIST_NAME, "Agreed rating", labels, "the agreed rating")
    choose.add(f"{rating}{first}:{rating}{last}")
    s.ws.add_data_validation(choose)
    date_col = get_column_letter(keys.index("target_date") + 1)
    dates = date_validation("Target date")
    dates.add(f"{date_col}{first}:{date_col}{last}")
    s.ws.add_data_validation(dates)
