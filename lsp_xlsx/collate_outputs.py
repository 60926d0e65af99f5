"""One comparison's outputs: the workbook, the tidy table and the board paper, written so
that nothing a person made is lost.

Used by ``collate`` (:mod:`lsp_xlsx.workflow`) and for each partnership of
``collate --split-by`` (:mod:`lsp_xlsx.workflow_split`), so the two never import each
other. Before the workbook replaces an earlier comparison, the workshop's entries in its
Agreed sheet are carried into the new one (and the earlier workbook is kept under a dated
name unless it is, byte for byte, what the tool wrote); a board paper someone has edited
stays as it is, and the new paper goes beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.core.files import keep_before_replacing
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.safety.names import dated_name
from lsp_xlsx.safety.written import FolderState, unchanged_or_absent

if TYPE_CHECKING:
    from lsp_xlsx.board.paper_pdf import PaperCopies
    from lsp_xlsx.compare.tables import Comparison
    from lsp_xlsx.framework.partners import PartnerList
    from lsp_xlsx.previous_round import PreviousRound
    from lsp_xlsx.returns.model import CheckResult
    from lsp_xlsx.returns.sniff import Limits


@dataclass
class Written:
    """Where one comparison's outputs went, and what the run should say about them."""

    workbook: Path
    responses: Path
    paper: Path | None
    notes: list[str] = field(default_factory=list)
    #: The board paper's copies written beside it: the anonymous paper, the PDFs.
    copies: list[Path] = field(default_factory=list)


def write_outputs(
    comparison: Comparison,
    output: Path,
    responses: Path,
    paper: Path | None,
    copies: tuple[PaperCopies, dict[str, Path]] | None = None,
) -> tuple[Path, Path | None]:
    """The comparison workbook, the tidy table and (unless ``paper`` is None) the board paper.

    The tidy table is written on a thread while the workbook is built: pyarrow releases the
    GIL as it writes, so on two cores it costs next to nothing."""
    from concurrent.futures import ThreadPoolExecutor

    from lsp_xlsx.compare.tables import write_responses_csv
    from lsp_xlsx.compare.writer import save_comparison

    with ThreadPoolExecutor(1) as pool:
        tidy = pool.submit(write_responses_csv, comparison, responses)
        workbook = save_comparison(comparison, output)
        if paper is not None and copies is not None:
            from lsp_xlsx.board.paper_pdf import save_papers

            save_papers(comparison, paper, *copies)
        elif paper is not None:
            from lsp_xlsx.board.paper import save_board_paper

            paper = save_board_paper(comparison, paper)
        tidy.result()
    return workbook, paper


def beside_if_edited(path: Path, what: str, made_at: str, notes: list[str]) -> Path:
    """``path``, or when the file there is not the one the tool last wrote (someone edited
    it), a name beside it dated by ``made_at``, so the edited file stays as it is."""
    if unchanged_or_absent(path):
        return path
    day = dt.date.fromisoformat(made_at[:10])
    new = dated_name(path, day, usable=unchanged_or_absent)
    notes.append(
        f"{path} has been changed since lsp-xlsx wrote it, so it is left as it is; "
        f"the new {what} is {new}."
    )
    return new


def write_collated(
    c: Comparison,
    framework: Framework,
    output: Path,
    responses: Path,
    paper: Path | None,
    limits: Limits | None = None,
    copies: PaperCopies | None = None,
) -> Written:
    """Carry the workshop's entries from the comparison at ``output`` (if any), keep an
    edited board paper, then write the outputs (through the run's staging, if any)."""
    from lsp_xlsx.board.carry import read_previous

    notes: list[str] = []
    carried = read_previous(output, framework, [str(q) for q in c.question_stats.index], limits)
    if carried is not None:
        c.agreed_entries = carried.entries
        kept = None
        ours = FolderState.read(output.parent).wrote(output)
        if carried.gone or carried.unplaced or carried.unreadable or not ours:
            kept = dated_name(output, dt.date.fromisoformat(c.made_at[:10]), "previous")
            keep_before_replacing(output, kept)
        notes += carried.messages(kept)
    if paper is not None:
        paper = beside_if_edited(paper, "board paper", c.made_at, notes)
    where: dict[str, Path] = {}
    if paper is not None and copies is not None:  # each copy kept too, if someone edited it
        where = {
            k: beside_if_edited(v, k[4:], c.made_at, notes) for k, v in copies.paths(paper).items()
        }
    both = (copies, where) if copies is not None and where else None
    workbook, paper = write_outputs(c, output, responses, paper, both)
    return Written(workbook, responses, paper, notes, list(where.values()))


@dataclass(frozen=True)
class BoardOptions:
    """How the board's figures are made (issue 25): a partner's position (``roll_up``:
    median or mean) and whether the round is published anonymously."""

    roll_up: str = "median"
    anonymous: bool = False
    #: collate --today: the date every output gives as the day it was made (the paper's
    #: "Made …" and what is due by then), so that a board pack can be made again exactly.
    today: dt.date | None = None

    def key_map(self, split_by: str | None, responses: Path) -> dict[str, Path]:
        """The private key map's place, beside the tidy table (declared for every run: a
        round built anonymous is known only once its returns are read)."""
        from lsp_xlsx.compare.anonymity import KEYS_NAME

        if split_by and self.anonymous:
            raise UsageProblem("--anonymous cannot yet be used with --split-by: collate each part.")
        return {} if split_by else {"the respondent key map": responses.with_name(KEYS_NAME)}


def collate_inputs(
    framework: Framework,
    partners: PartnerList | None,
    manifest: Path | None,
    previous: Path | None,
) -> dict[str, Path | None]:
    """Every file collate reads besides the returns, by what a refusal calls it."""
    return {
        "the framework folder": framework.path,
        "the partners file given with --partners": (partners.path if partners else None),
        "the manifest given with --manifest": manifest,
        "last round's tidy table given with --previous": previous,
    }


def check_groupings(group_by: Sequence[str], partners: PartnerList) -> None:
    """Refuse, before anything is read, a --group-by naming no column of partners.csv."""
    known = ["sector", *partners.extra_columns]
    unknown = [g for g in group_by if g not in known]
    if unknown:
        raise UsageProblem(
            f"--group-by names {', '.join(unknown)}, which is not a column of "
            f"{partners.path.name}. Choose from: {', '.join(known)}."
        )


def collate_one(
    result: CheckResult,
    framework: Framework,
    partners: PartnerList | None,
    where: tuple[Path, Path, Path | None],
    group_by: Sequence[str] | None,
    previous: PreviousRound | None,
    limits: Limits | None,
    board: BoardOptions | None = None,
    copies: PaperCopies | None = None,
) -> tuple[Comparison, Written]:
    """One comparison of the returns read (compared with last round,
    ``previous``, when given), written to ``where``: the workbook, the tidy table and the
    board paper (through the run's staging). A partner with several respondents counts
    by its position (``board.roll_up``); an anonymous round (``board.anonymous``, or a
    return built for one) is published as :mod:`~lsp_xlsx.compare.anonymity` says, and
    its key map is written beside the tidy table for the coordinator."""
    from lsp_xlsx.compare.anonymity import KEYS_NAME, anonymous_round, write_keys
    from lsp_xlsx.compare.tables import collate
    from lsp_xlsx.core.memory import release_freed_memory

    output, responses, paper = where
    board = board or BoardOptions()
    comparison = collate(
        result.returns,
        framework,
        partners,
        responses_name=responses.name,
        group_by=group_by,
        roll_up_method=board.roll_up,
        anonymous=board.anonymous or anonymous_round(result.returns),
    )
    comparison.round = result.round
    if board.today is not None:
        comparison.made_at = f"{board.today.isoformat()}{comparison.made_at[10:]}"
    comparison.decisions = result.decisions  # the coordinator's, for the About sheet
    release_freed_memory()
    if previous is not None:
        from lsp_xlsx.compare.progress import since_last_round

        now, before, baseline = comparison.responses, previous.tidy, previous.baseline
        comparison.progress = since_last_round(
            now, comparison.made_at, before, framework, baseline=baseline
        )
    written = write_collated(comparison, framework, output, responses, paper, limits, copies)
    if comparison.anonymity is not None:
        keys = write_keys(comparison.anonymity, responses.with_name(KEYS_NAME))
        written.notes.append(
            f"Anonymous round: {keys} maps each respondent key to a person and a file. Keep "
            "it private; never send it with the board's papers."
        )
    return comparison, written
