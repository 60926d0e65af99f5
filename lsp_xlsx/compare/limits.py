"""Excel's limits on a sheet, and how the comparison workbook stays inside them.

A sheet holds at most 1,048,576 rows and 16,384 columns; Excel refuses to open a workbook
with one cell beyond. At national scale (about 17,000 returns of 62 questions) the
Evidence sheet would pass the row limit, and a sheet with a column per partner the column
limit. So:

* a long table (Evidence, Action plan, Returns, Findings, Input files) carries on over
  continuation sheets, ``Evidence (2)`` and so on, each with its own title and table; no
  row is lost;
* a wide table (Summary, Questions: a column per partner) shows the partners that fit,
  says so in its subtitle, and a finding points to the tidy table, which has them all.
  The statistics on those sheets are still over every partner.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.findings import Code, Finding, finding

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
#: Rows kept above a long table for its title, subtitle and header.
TOP_ROWS = 12

#: Long tables: sheet -> the number of rows its table needs.
LONG_TABLES: dict[str, Callable[[Comparison], int]] = {
    "Evidence": lambda c: len(c.evidence),
    "Action plan": lambda c: len(c.actions),
    "Returns": lambda c: len(c.returns_table),
    "Findings": lambda c: len(c.findings),
    "Input files": lambda c: len(c.returns),
}


def _questions_columns(c: Comparison) -> int:
    unscored = sum(1 for o in c.framework.scale if o.score is None)
    return 3 + 9 + unscored  # theme, ID, question; the statistics; agreement, disagreement


#: Wide tables: sheet -> the columns it has besides one per partner.
WIDE_TABLES: dict[str, Callable[[Comparison], int]] = {
    "Summary": lambda c: 6,  # theme; mean, min, max, spread, n
    "Questions": _questions_columns,
}


@dataclass(frozen=True)
class SheetLimits:
    """The largest sheet to write (Excel's, unless a test asks for smaller)."""

    rows: int = EXCEL_MAX_ROWS
    columns: int = EXCEL_MAX_COLUMNS

    @property
    def table_rows(self) -> int:
        """Rows of a long table that fit on one sheet."""
        return max(1, self.rows - TOP_ROWS)


@dataclass(frozen=True)
class SheetPart:
    """One sheet of a table: the whole of it, or one part of a long one."""

    base: str
    number: int = 1
    of: int = 1
    #: The table's rows on this sheet.
    window: slice = field(default_factory=lambda: slice(None))
    #: For a wide table: how many partners' columns fit (None: all of them).
    partners_shown: int | None = None

    @property
    def name(self) -> str:
        """The sheet's name: ``Evidence``, then ``Evidence (2)`` and so on."""
        return self.base if self.number == 1 else f"{self.base} ({self.number})"

    @property
    def continued(self) -> str:
        """The words a part's title and subtitle add ('' when the table is on one sheet)."""
        if self.of == 1:
            return ""
        first, last = self.window.start + 1, self.window.stop
        return f"Part {self.number} of {self.of}: rows {first:,} to {last:,} of the table."


def plan_sheets(
    c: Comparison, names: list[str], limits: SheetLimits
) -> tuple[list[SheetPart], Comparison]:
    """Every sheet to write, in order, with the continuation sheets after their first part;
    and the comparison to write them from: ``c`` itself, or, when a wide table is cut, a
    copy whose output findings say so (``c`` is left as it is)."""
    parts: list[SheetPart] = []
    cuts: list[Finding] = []
    for name in names:
        if name in WIDE_TABLES:
            fit = max(0, limits.columns - WIDE_TABLES[name](c))
            cut = len(c.partners) > fit
            if cut:
                cuts.append(_cut_finding(c, name, fit, limits))
            parts.append(SheetPart(name, partners_shown=fit if cut else None))
    shown = replace(c, output_findings=[*c.output_findings, *cuts]) if cuts else c
    for name in names:
        if name in WIDE_TABLES:
            continue
        rows = LONG_TABLES[name](shown) if name in LONG_TABLES else 0
        size = limits.table_rows
        count = max(1, math.ceil(rows / size))
        for k in range(count):
            window = slice(k * size, min(rows, (k + 1) * size)) if count > 1 else slice(None)
            parts.append(SheetPart(name, k + 1, count, window))
    order = {name: i for i, name in enumerate(names)}
    return sorted(parts, key=lambda p: order[p.base]), shown  # stable: parts stay in order


def _cut_finding(c: Comparison, sheet: str, shown: int, limits: SheetLimits) -> Finding:
    return finding(
        Code.SHEET_COLUMNS_CUT,
        "comparison workbook",
        sheet,
        shown=f"{shown:,}",
        partners=f"{len(c.partners):,}",
        limit=f"{limits.columns:,}",
        full_in=c.responses_name,
    )
