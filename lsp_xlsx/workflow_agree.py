"""``lsp-xlsx agree``: the board's agreed position read back from the comparison's Agreed
sheet, the updated improvement plan read back with it, and agreed.csv and the new plan
written. Kept apart from :mod:`lsp_xlsx.workflow` (which re-exports it) so that each stays
small."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns import overrides as D
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.safety.names import AGREED_CSV_NAME, PLAN_NAME
from lsp_xlsx.safety.run import output_run

if TYPE_CHECKING:
    from lsp_xlsx.board.agree import Agreed


@dataclass
class AgreeOutcome:
    """What ``agree`` read from the Agreed sheet and wrote."""

    agreed: Agreed
    csv: Path | None = None
    plan: Path | None = None
    #: What the run has to say about the files (an edited plan kept, stale locks).
    notes: list[str] = field(default_factory=list)
    #: True when the Agreed sheet holds nothing agreed yet (then the exit status is 1).
    empty: bool = False

    @property
    def exit_code(self) -> int:
        """check's rule: 1 when the file was refused or an agreed rating is not on the scale,
        and 1 when nothing is agreed yet."""
        return 1 if self.empty else self.agreed.exit_code


def agree(
    comparison: Path,
    framework: Framework,
    out_dir: Path | None = None,
    limits: Limits | None = None,
    plan: Path | None = None,
    today: dt.date | None = None,
    decisions: D.DecisionFiles = D.NO_DECISIONS,
) -> AgreeOutcome:
    """Read the board's agreed position from ``comparison`` and write agreed.csv and
    improvement-plan.xlsx into ``out_dir`` (default: beside the comparison workbook). The
    plan there (or ``plan``), as updated, is read back first and its statuses carried; an
    edited plan stays and the new one goes beside it, dated by ``today``."""
    from lsp_xlsx.board.agree import read_agreed
    from lsp_xlsx.board.agree_words import in_workshop_words, nothing_agreed
    from lsp_xlsx.board.plan import write_agreed_outputs
    from lsp_xlsx.compare.tables import made_at_now
    from lsp_xlsx.previous_round import updated_plan

    framework = D.with_map_file(framework, decisions.ratings_map)
    out_dir = out_dir or comparison.parent
    outputs = {"agreed.csv": out_dir / AGREED_CSV_NAME, "the improvement plan": out_dir / PLAN_NAME}
    others = {"the comparison workbook given": comparison, "the framework folder": framework.path}
    if plan is not None and plan.resolve() != outputs["the improvement plan"].resolve():
        others["the updated plan given with --plan"] = plan
    with output_run([], outputs, others) as run:
        agreed = read_agreed(comparison, framework, limits)
        agreed.findings = [in_workshop_words(f) for f in agreed.findings]
        if agreed.refused:
            return AgreeOutcome(agreed, notes=run.notes)
        day = made_at_now()
        day = f"{today.isoformat()}{day[10:]}" if today is not None else day
        target, statuses = updated_plan(agreed, outputs["the improvement plan"], plan, day, run)
        csv_path, target = write_agreed_outputs(agreed, framework, out_dir, target.name, statuses)
        run.commit(day)
    # Written all the same (every question, none agreed), but exit 1: nothing agreed yet.
    return AgreeOutcome(agreed, csv_path, target, run.notes, empty=nothing_agreed(agreed))
