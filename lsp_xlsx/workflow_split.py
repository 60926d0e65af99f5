"""``collate --split-by COLUMN``: a comparison per partnership, and an overview, in one run.

What is written, for ``-o outputs/overview.xlsx --split-by partnership``::

    outputs/overview.xlsx                    partnerships compared theme by theme
    outputs/responses.csv                    every answer, with a 'partnership' column
    outputs/partnership/<name>/comparison.xlsx, responses.csv, board-paper.docx

Each partnership's folder is what ``collate`` would have written had that partnership run
it alone on its own returns, so it can be sent to that partnership's board as it is.

The run is one set: every file is staged and renamed into place with the others (see
:mod:`lsp_xlsx.safety.run`), each folder records the run that wrote it, and a folder an
earlier run left that this run did not rewrite is reported, never listed in the overview.
A partnership that cannot be collated is reported and the others still written; a write
error (a full disk) stops the whole run with one message and exit 3.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.collate_outputs import write_collated
from lsp_xlsx.core.errors import OutputError, UsageProblem
from lsp_xlsx.core.files import Staging, adopt, staged
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PartnerList, slug
from lsp_xlsx.returns.model import CheckResult
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.safety.names import BOARD_PAPER_NAME, COMPARISON_NAME
from lsp_xlsx.safety.runlock import clear_leftovers
from lsp_xlsx.safety.written import FolderState

if TYPE_CHECKING:
    import pandas as pd

    from lsp_xlsx.compare.split import Part, SplitComparison

OVERVIEW = Path("outputs/overview.xlsx")
#: How the run's checks name the folder of partnerships' folders.
PARTS_FOLDERS = "the partnerships' folders"


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
    #: Partnerships that could not be collated or written: (name, why). Not in the overview.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Folders an earlier run wrote that this run did not rewrite (not in the overview).
    earlier: list[Path] = field(default_factory=list)
    #: What the run has to say: entries carried, edited papers kept, folders left.
    notes: list[str] = field(default_factory=list)


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
        PARTS_FOLDERS: split_folder(overview, column),
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
    limits: Limits | None = None,
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
        limits,
    )
    returns = {p.name: p.returns for p in parts}
    done = _run(job, parts, workers)
    _stop_on_write_error(done)
    for d in done:
        d.part.returns = returns[d.part.name]  # the run's own, not sent back
        if d.stage is not None:
            adopt(d.stage)
    ok = [d for d in done if d.outputs is not None]
    parts = [d.part for d in ok]
    split = finish_split(column, framework, parts, unplaced, made_at)
    written = [d.outputs for d in ok if d.outputs is not None]
    folder_of = {p.name: str(p.folder.relative_to(overview.parent)) for p in written}
    save_overview(split, overview, folder_of)
    write_tidy(split.responses, responses)
    outcome = SplitOutcome(column, split, overview, written)
    outcome.failed = [(d.part.name, d.failure) for d in done if d.failure]
    outcome.notes = [note for d in done for note in d.notes]
    _report(outcome, job.root, {p.folder for p in written if p.workbook is not None})
    return outcome


def _stop_on_write_error(done: list[_Done]) -> None:
    """A write error in any worker (a full disk) stops the run: nothing is renamed."""
    errors = [d.write_error for d in done if d.write_error is not None]
    if errors:
        for d in done:
            if d.stage is not None:
                d.stage.discard()
        raise errors[0]


def _report(outcome: SplitOutcome, root: Path, rewritten: set[Path]) -> None:
    for name, why in outcome.failed:
        outcome.notes.append(
            f"{name}: could not be collated or written ({why}), so its folder was not "
            "written and it is not in the overview. The other partnerships were."
        )
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        folders = []
    for folder in folders:
        if folder in rewritten or not (folder / COMPARISON_NAME).exists():
            continue
        outcome.earlier.append(folder)
        at = FolderState.read(folder).at
        when = f" (written {at})" if at else ""
        outcome.notes.append(
            f"{folder} is from an earlier run{when} and this run did not rewrite it: it is "
            "not in the overview. Delete it if that partnership is gone."
        )


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
    #: The run's --max-* limits, for reading a previous comparison's Agreed sheet.
    limits: Limits | None = None


@dataclass
class _Done:
    """One partnership's result, as it crosses back from its worker."""

    part: Part
    outputs: PartOutputs | None = None
    #: Its files, written and waiting to be renamed with the rest of the run.
    stage: Staging | None = None
    notes: list[str] = field(default_factory=list)
    #: Why it could not be collated or written ('' when it was).
    failure: str = ""
    write_error: OutputError | None = None


def _run(job: _Job, parts: list[Part], workers: int | None) -> list[_Done]:
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


def _collate_and_write(job: _Job, part: Part) -> _Done:
    """One partnership: collate it, write its folder (staged), and send back what the
    overview and the run's tidy table need (not the whole comparison). Any failure is
    sent back too, as data: an exception raised here would end the whole pool."""
    try:
        with staged() as stage:
            part.collate(job.framework, job.responses_name, job.group_by, job.made_at)
            outputs, notes = _write_part(part, job)
    except OutputError as exc:
        return _Done(_slim(part), write_error=exc)
    except Exception as exc:  # one partnership's failure costs it alone
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        return _Done(_slim(part), failure=f"{type(exc).__name__}: {detail}".rstrip(": "))
    return _Done(_slim(part), outputs, stage, notes)


def _slim(part: Part) -> Part:
    """What crosses back: not the comparison, nor the returns, which the run still has."""
    part.comparison = None
    part.returns = []
    return part


@functools.cache
def _previous_tidy(path: Path) -> pd.DataFrame:
    """Last round's tidy table, read once in each worker, however many partnerships."""
    from lsp_xlsx.compare.progress import read_tidy

    return read_tidy(path)


def _write_part(part: Part, job: _Job) -> tuple[PartOutputs, list[str]]:
    folder = job.root / part.folder
    c = part.comparison
    if c is None:  # nobody in this partnership returned: its row in the overview says so
        return PartOutputs(part.name, folder, None, None, None), []
    clear_leftovers(folder)
    c.round = job.round_label
    if job.previous is not None:
        from lsp_xlsx.compare.progress import since_last_round

        ids = {p.partner_id for p in part.partners} | {p.partner_id for p in c.partners}
        before = _previous_tidy(job.previous)
        c.progress = since_last_round(c.responses, c.made_at, before, job.framework, ids)
    paper = folder / BOARD_PAPER_NAME if job.paper else None
    responses = folder / job.responses_name
    done = write_collated(c, job.framework, folder / COMPARISON_NAME, responses, paper, job.limits)
    notes = [f"{part.name}: {note}" for note in done.notes]
    return PartOutputs(part.name, folder, done.workbook, responses, done.paper), notes
