"""The Groups sheet: for every grouping of partners, how each group rates each question.

"Do the board and the front line see it the same way?" For each grouping (sector, level,
or any column of partners.csv) and each rated question: every group's mean with its n,
the lowest and the highest group, and the gap between them, flagged when it is large.
"""

from __future__ import annotations

from lsp_xlsx.compare.rules import group_rule
from lsp_xlsx.compare.scores import GROUP_GAP
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison

LABELS = [
    "Grouping",
    "Theme",
    "ID",
    "Question",
    "Groups: mean (n)",
    "Lowest group",
    "Lowest mean",
    "Highest group",
    "Highest mean",
    "Gap",
    "Large gap",
]
KEYS = [
    "grouping",
    "theme",
    "question_id",
    "question",
    "groups",
    "lowest",
    "lowest_mean",
    "highest",
    "highest_mean",
    "gap",
    "large_gap",
]
FORMATS = {"lowest_mean": "0.0", "highest_mean": "0.0", "gap": "0.0"}


def write_groups(s: Sheet, c: Comparison) -> None:
    """One row per grouping and rated question, largest gaps flagged."""
    names = ", ".join(g.grouping for g in c.groups) or "none (partners.csv has no groupings)"
    header_row = s.title(
        "Groups: how each group of partners rates each question",
        f"Groupings: {names}. {group_rule(GROUP_GAP)} A group's mean is over its partners "
        "who scored the question; n is how many.",
    )
    s.header(header_row, LABELS, [14, 16, 8, 46, 44, 14, 9, 14, 9, 7, 8])
    row = header_row
    for record in c.group_gaps.to_dict("records") if not c.group_gaps.empty else []:
        row += 1
        for col, key in enumerate(KEYS, start=1):
            s.put(row, col, record[key], FORMATS.get(key, "General"))
        if record["large_gap"]:
            s.bold(row, len(KEYS))
        s.fit_cells(row)
    row = s.table("GroupsTable", row)
    s.finish(header_row, len(LABELS), row, freeze=f"E{header_row + 1}")
