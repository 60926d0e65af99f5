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
    import pandas as pd

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
            "last round's agreed.csv (from --previous or --previous-agreed)": self.agreed,
            "last round's improvement plan, beside its agreed.csv": self.plan,
            f"last round's comparison, beside {self.responses} given with --previous": (
                self.comparison
            ),
        }


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def previous_files(
    previous: Path | None, previous_agreed: Path | None = None
) -> PreviousFiles | None:
    """Last round's files from ``--previous`` (a folder, or its responses.csv or .parquet)
    and ``--previous-agreed`` (None without ``previous``). The plan is the
    improvement-plan.xlsx beside agreed.csv; the comparison (who was invited) is the
    comparison.xlsx beside the tidy table."""
    if previous is None:
        if previous_agreed is not None:
            raise UsageProblem("--previous-agreed needs --previous, last round's responses.csv.")
        return None
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
    tidy: pd.DataFrame
    baseline: Baseline
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def load_previous(
    files: PreviousFiles,
    partners: PartnerList | None,
    today: dt.date | None,
    limits: Limits | None = None,
) -> PreviousRound:
    """Read last round's tidy table, agreed.csv, the updated plan's statuses (in an
    isolated worker) and who it invited. A plan that cannot be read is said so (as are its
    findings), and the rest used; a tidy table or agreed.csv that cannot be read raises
    TidyTableError."""
    from lsp_xlsx.compare.followup import read_agreed_csv
    from lsp_xlsx.compare.progress import Baseline, read_tidy

    baseline = Baseline(today=today)
    if partners is not None:
        baseline.partners_now = {p.partner_id for p in partners}
    loaded = PreviousRound(files, read_tidy(files.responses), baseline)
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
            loaded.notes += [f.message for f in plan.findings]
    if files.comparison is not None:
        from lsp_xlsx.board.plan_read import read_invited

        baseline.invited = read_invited(files.comparison, limits)
    return loaded


def updated_plan(
    agreed: Agreed, target: Path, plan: Path | None, day: str, run: OutputRun
) -> tuple[Path, dict[tuple[str, str], PlanStatus] | None]:
    """For agree: where the new plan goes (``target``, or beside it when the plan there has
    been edited), and the statuses read from the updated plan (``plan``, else the one at
    ``target``)."""
    from lsp_xlsx.board.plan_read import carried_statuses, plan_messages
    from lsp_xlsx.collate_outputs import beside_if_edited
    from lsp_xlsx.compare.followup import status_key

    keys = {status_key(r.question_id, r.action) for r in agreed.rows + agreed.unmatched}
    read = carried_statuses(plan or target, keys)
    # The plan someone updated is theirs: an edited one stays as it is and the new plan,
    # carrying its statuses, goes beside it (beside_if_edited says so).
    new = beside_if_edited(target, "improvement plan", day, run.notes)
    if read is None:
        return new, None
    agreed.findings += read.findings
    run.notes += plan_messages(read, new)
    return new, None if read.refused else read.statuses
