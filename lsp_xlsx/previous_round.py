"""Last round, as ``collate --previous`` finds it: the previous round's output folder (its
responses.csv, agreed.csv, improvement-plan.xlsx and comparison.xlsx), or its tidy table
and agreed.csv given separately (``--previous-agreed``).

Above both ``compare/`` and ``board/``: the updated plan and last round's comparison are
workbooks the tool did not just write, read by :mod:`lsp_xlsx.board.plan_read` in an
isolated worker; what they say goes to :func:`lsp_xlsx.compare.progress.since_last_round`
as a :class:`~lsp_xlsx.compare.progress.Baseline`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.safety.names import AGREED_CSV_NAME, COMPARISON_NAME, PLAN_NAME, RESPONSES_NAME

if TYPE_CHECKING:
    from lsp_xlsx.board.agree import Agreed
    from lsp_xlsx.compare.followup import PlanStatus
    from lsp_xlsx.compare.progress import Baseline
    from lsp_xlsx.core.findings import Finding
    from lsp_xlsx.framework.partners import PartnerList
    from lsp_xlsx.returns.sniff import Limits
    from lsp_xlsx.safety.run import OutputRun


@dataclass(frozen=True)
class PreviousFiles:
    """Where last round's files are (None: not there)."""

    responses: Path
    agreed: Path | None = None
    plan: Path | None = None
    comparison: Path | None = None

    def inputs(self) -> dict[str, Path | None]:
        """Each, by what a refusal to write over it calls it."""
        return {
            "last round's tidy table given with --previous": self.responses,
            "last round's agreed.csv": self.agreed,
            "last round's improvement plan": self.plan,
            "last round's comparison workbook": self.comparison,
        }


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def previous_files(previous: Path, previous_agreed: Path | None = None) -> PreviousFiles:
    """Last round's files from ``--previous`` (a folder, or its responses.csv or .parquet)
    and ``--previous-agreed``. The plan is the improvement-plan.xlsx beside agreed.csv; the
    comparison (who was invited) is the comparison.xlsx beside the tidy table."""
    if previous.is_dir():
        responses = previous / RESPONSES_NAME
        if not responses.is_file():
            parquet = responses.with_suffix(".parquet")
            if not parquet.is_file():
                raise UsageProblem(
                    f"--previous {previous} is a folder without {RESPONSES_NAME}: give last "
                    "round's output folder (where collate wrote it), or the file itself."
                )
            responses = parquet
        agreed = previous_agreed or _existing(previous / AGREED_CSV_NAME)
    else:
        responses, agreed = previous, previous_agreed
    plan = _existing(agreed.parent / PLAN_NAME) if agreed is not None else None
    comparison = _existing(responses.parent / COMPARISON_NAME)
    return PreviousFiles(responses, agreed, plan, comparison)


@dataclass
class PreviousRound:
    """Last round's tidy table, and what else it left, ready for the comparison."""

    files: PreviousFiles
    baseline: Baseline
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def load_previous(
    files: PreviousFiles,
    partners: PartnerList | None,
    today: dt.date | None,
    limits: Limits | None = None,
) -> PreviousRound:
    """Read agreed.csv, the updated plan's statuses (in an isolated worker) and who last
    round invited. A plan or comparison that cannot be read is said so, and the rest used."""
    from lsp_xlsx.compare.followup import read_agreed_csv
    from lsp_xlsx.compare.progress import Baseline

    baseline = Baseline(today=today)
    if partners is not None:
        baseline.partners_now = {p.partner_id for p in partners}
    loaded = PreviousRound(files, baseline)
    if files.agreed is not None:
        baseline.agreed = read_agreed_csv(files.agreed)
    if files.plan is not None:
        from lsp_xlsx.board.plan_read import read_plan

        plan = read_plan(files.plan, limits)
        if plan.refused:
            loaded.notes.append(
                f"Last round's improvement plan {files.plan} could not be read "
                f"({plan.refused}), so the statuses in {files.agreed} are used."
            )
        else:
            baseline.statuses = plan.statuses
            loaded.findings += plan.findings
    if files.comparison is not None:
        from lsp_xlsx.board.plan_read import read_invited

        baseline.invited = read_invited(files.comparison, limits)
    return loaded


def updated_plan(
    agreed: Agreed, target: Path, plan: Path | None, day: str, run: OutputRun
) -> tuple[Path, dict[tuple[str, str], PlanStatus] | None]:
    """For agree: where the new plan goes, and the statuses read from the updated plan
    (``plan``, else the one at ``target``), which is kept under a dated name when edited."""
    from lsp_xlsx.board.plan_read import carried_statuses, plan_messages
    from lsp_xlsx.collate_outputs import beside_if_edited
    from lsp_xlsx.compare.followup import status_key
    from lsp_xlsx.core.files import keep_before_replacing
    from lsp_xlsx.safety.names import dated_name
    from lsp_xlsx.safety.written import FolderState

    keys = {status_key(r.question_id, r.action) for r in agreed.rows + agreed.unmatched}
    read = carried_statuses(plan or target, keys)
    if read is None:
        return beside_if_edited(target, "improvement plan", day, run.notes), None
    agreed.findings += read.findings
    if read.refused:
        new = beside_if_edited(target, "improvement plan", day, run.notes)
        run.notes += plan_messages(read, None)
        return new, None
    kept = None
    if read.path == target and not FolderState.read(target.parent).wrote(target):
        kept = dated_name(target, dt.date.fromisoformat(day[:10]), "previous")
        keep_before_replacing(target, kept)
    run.notes += plan_messages(read, kept)
    return target, read.statuses
