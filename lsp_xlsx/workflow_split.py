"""``collate --split-by COLUMN``: a comparison per partnership, and an overview, in one run.

What is written, for ``-o outputs/overview.xlsx --split-by partnership``::

    outputs/overview.xlsx                    partnerships compared theme by theme
    outputs/responses.csv                    every answer, with a 'partnership' column
    outputs/partnership/<name>/comparison.xlsx, responses.csv, board-paper.docx

Each partnership's folder is what ``collate`` would have written had that partnership run
it alone on its own returns, so it can be sent to that partnership's board as it is.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PartnerList, slug
from lsp_xlsx.returns.model import CheckResult

if TYPE_CHECKING:
    import pandas as pd

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


def split_outputs(
    column: str,
    partners: PartnerList | None,
    board_paper: Path | bool | None,
    overview: Path,
    responses: Path,
) -> dict[str, Path]:
    """What a split run will write, for checking against the inputs; refuses, before
    anything is read, a split the options or the partners file cannot support."""
    check_split(column, partners)
    if isinstance(board_paper, Path):
        raise UsageProblem(
            "--board-paper names one file, but with --split-by each partnership's folder "
            "gets its own board-paper.docx. Leave --board-paper out, or use --no-board-paper."
        )
    return {
        "the overview workbook": overview,
        "the tidy table": responses,
        "the partnerships' folders": split_folder(overview, column),
    }


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
    workers: int | None = None,
) -> SplitOutcome:
    """Collate each partnership on its own and write its folder, then the overview and the
    tidy table of every answer.

    The partnerships are collated and written in ``workers`` processes (one per core by
    default): each is independent, and at hundreds of partnerships writing their
    workbooks and papers is most of the run."""
    from lsp_xlsx.compare.overview_writer import save_overview
    from lsp_xlsx.compare.split import finish_split, plan_split
    from lsp_xlsx.compare.tables import made_at_now
    from lsp_xlsx.core.tidy_files import write_tidy

    made_at = made_at_now()
    parts, unplaced = plan_split(result.returns, partners, column)
    job = _Job(
        framework,
        split_folder(overview, column),
        responses.name,
        paper,
        previous,
        result.round,
        tuple(group_by) if group_by is not None else None,
        made_at,
    )
    done = _run(job, parts, workers)
    parts = [part for part, _ in done]
    split = finish_split(column, framework, parts, unplaced, made_at)
    written = [outputs for _, outputs in done]
    folder_of = {p.name: str(p.folder.relative_to(overview.parent)) for p in written}
    save_overview(split, overview, folder_of)
    write_tidy(split.responses, responses)
    return SplitOutcome(column, split, overview, written)


@dataclass(frozen=True)
class _Job:
    """What every partnership's worker needs besides its own partners and returns."""

    framework: Framework
    root: Path
    responses_name: str
    paper: bool
    previous: Path | None
    round_label: str
    group_by: tuple[str, ...] | None
    made_at: str


def _run(job: _Job, parts: list[Part], workers: int | None) -> list[tuple[Part, PartOutputs]]:
    """Each partnership collated and written, in order; in worker processes when more
    than one partnership and more than one core."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or len(parts) <= 1:
        return [_collate_and_write(job, part) for part in parts]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A fork server, not a fork of this process, which holds pandas' and pyarrow's threads.
    context = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(min(count, len(parts)), mp_context=context) as pool:
        return list(pool.map(_collate_and_write, [job] * len(parts), parts, chunksize=4))


def _collate_and_write(job: _Job, part: Part) -> tuple[Part, PartOutputs]:
    """One partnership: collate it, write its folder, and send back what the overview and
    the run's tidy table need (not the whole comparison)."""
    part.collate(job.framework, job.responses_name, job.group_by, job.made_at)
    outputs = _write_part(part, job)
    part.comparison = None
    part.returns = [r for r in part.returns if not r.counts]  # the rest are in its tidy table
    return part, outputs


@functools.cache
def _previous_tidy(path: Path) -> pd.DataFrame:
    """Last round's tidy table, read once in each worker, however many partnerships."""
    from lsp_xlsx.compare.progress import read_tidy

    return read_tidy(path)


def _write_part(part: Part, job: _Job) -> PartOutputs:
    from lsp_xlsx.workflow import BOARD_PAPER_NAME, write_outputs

    folder = job.root / part.folder
    c = part.comparison
    if c is None:  # nobody in this partnership returned: its row in the overview says so
        return PartOutputs(part.name, folder, None, None, None)
    c.round = job.round_label
    if job.previous is not None:
        from lsp_xlsx.compare.progress import since_last_round

        ids = {p.partner_id for p in part.partners} | {p.partner_id for p in c.partners}
        before = _previous_tidy(job.previous)
        c.progress = since_last_round(c.responses, c.made_at, before, job.framework, ids)
    workbook, paper = write_outputs(
        c,
        folder / "comparison.xlsx",
        folder / job.responses_name,
        folder / BOARD_PAPER_NAME if job.paper else None,
    )
    return PartOutputs(part.name, folder, workbook, folder / job.responses_name, paper)
