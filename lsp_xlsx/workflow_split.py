"""``collate --split-by COLUMN``: a comparison per partnership, and an overview, in one run.

What is written, for ``-o outputs/overview.xlsx --split-by partnership``::

    outputs/overview.xlsx                    partnerships compared theme by theme
    outputs/responses.csv                    every answer, with a 'partnership' column
    outputs/partnership/<name>/comparison.xlsx, responses.csv, board-paper.docx

Each partnership's folder is what ``collate`` would have written had that partnership run
it alone on its own returns, so it can be sent to that partnership's board as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PartnerList, slug
from lsp_xlsx.returns.model import CheckResult

if TYPE_CHECKING:
    from lsp_xlsx.compare.split import Part, SplitComparison

OVERVIEW = Path("outputs/overview.xlsx")


@dataclass
class PartOutputs:
    """Where one partnership's outputs went."""

    name: str
    folder: Path
    workbook: Path | None
    responses: Path | None
    board_paper: Path | None


@dataclass
class SplitOutcome:
    """What a split collate wrote."""

    column: str
    split: SplitComparison
    overview: Path
    parts: list[PartOutputs] = field(default_factory=list)


def split_folder(overview: Path, column: str) -> Path:
    """The folder holding one folder per partnership: beside the overview, named after the
    column."""
    return overview.parent / slug(column)


def check_split(column: str, partners: PartnerList | None) -> None:
    """Refuse a split the partners file cannot support, before anything is read."""
    if partners is None:
        raise UsageProblem(
            f"--split-by {column} needs --partners: the partners file says which "
            f"{column} each partner belongs to."
        )
    if column not in ["sector", *partners.extra_columns]:
        known = ", ".join(["sector", *partners.extra_columns])
        raise UsageProblem(
            f"--split-by names {column}, which is not a column of {partners.path.name}. "
            f"Add a '{column}' column, or choose from: {known}."
        )


def write_split(
    result: CheckResult,
    framework: Framework,
    partners: PartnerList,
    column: str,
    overview: Path,
    responses: Path,
    paper: bool,
    group_by: Sequence[str] | None = None,
    previous: Path | None = None,
) -> SplitOutcome:
    """Collate each partnership on its own and write its folder, then the overview and the
    tidy table of every answer."""
    from lsp_xlsx.compare.overview_writer import save_overview
    from lsp_xlsx.compare.split import collate_split
    from lsp_xlsx.compare.tidy_files import write_tidy

    split = collate_split(result.returns, framework, partners, column, responses.name, group_by)
    before = _previous(previous)
    root = split_folder(overview, column)
    written = [
        _write_part(part, framework, root, responses.name, paper, before, result.round)
        for part in split.parts
    ]
    folder_of = {p.name: str(p.folder.relative_to(overview.parent)) for p in written}
    save_overview(split, overview, folder_of)
    write_tidy(split.responses, responses)
    return SplitOutcome(column, split, overview, written)


def _previous(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    from lsp_xlsx.compare.progress import read_tidy

    return read_tidy(path)


def _write_part(
    part: Part,
    framework: Framework,
    root: Path,
    responses_name: str,
    paper: bool,
    before: pd.DataFrame | None,
    round_label: str,
) -> PartOutputs:
    from lsp_xlsx.workflow import BOARD_PAPER_NAME, write_outputs

    folder = root / part.folder
    c = part.comparison
    if c is None:  # nobody in this partnership returned: its row in the overview says so
        return PartOutputs(part.name, folder, None, None, None)
    c.round = round_label
    if before is not None:
        from lsp_xlsx.compare.progress import progress

        ids = {p.partner_id for p in part.partners} | {p.partner_id for p in c.partners}
        mine = before[before["partner_id"].isin(ids)]
        today = dt.date.fromisoformat(c.made_at[:10])
        c.progress = progress(c.responses, mine, framework, today)
    workbook, written_paper = write_outputs(
        c,
        folder / "comparison.xlsx",
        folder / responses_name,
        folder / BOARD_PAPER_NAME if paper else None,
    )
    return PartOutputs(part.name, folder, workbook, folder / responses_name, written_paper)
