"""The coordinator's steps end to end: one function per command, each returning a result.

The command line (:mod:`lsp_xlsx.cli`) parses options, calls one of these, prints what it
returns and sets the exit status. Defaults (where outputs go, which deadline a reminder
quotes) are chosen here, so a script calling these gets the same behaviour as the
command line.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import UsageProblem
from lsp_xlsx.core.memory import release_freed_memory
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, PartnerList, load_partners
from lsp_xlsx.returns.isolation import release_readers
from lsp_xlsx.returns.model import CheckResult, Return
from lsp_xlsx.returns.sniff import Limits

# The heavy stages (pandas, openpyxl) are imported by the functions that need them, so
# that a command starts quickly.
if TYPE_CHECKING:
    from lsp_xlsx.board.agree import Agreed
    from lsp_xlsx.compare.tables import Comparison
    from lsp_xlsx.demo import DemoFiles
    from lsp_xlsx.outreach.mail import Delivery, DeliveryOptions
    from lsp_xlsx.outreach.tracking import StatusReport
    from lsp_xlsx.workbook.build import BuildSettings
    from lsp_xlsx.workbook.copies import BuildResult
    from lsp_xlsx.workflow_split import SplitOutcome

#: Where outputs go unless told otherwise (``outputs/`` is git-ignored).
BLANK_WORKBOOK = Path("outputs/lsp-self-assessment.xlsx")
COPIES_DIR = Path("outputs/to-send")
COMPARISON = Path("outputs/comparison.xlsx")
DEMO_DIR = Path("outputs/demo")
RESPONSES_NAME = "responses.csv"
BOARD_PAPER_NAME = "board-paper.docx"

#: Called with (files read so far, files in all) as returns are read.
Progress = Callable[[int, int], None]


# --- build ----------------------------------------------------------------------------------


@dataclass
class BuildOutcome:
    """What ``build`` wrote: the blank workbook, or the personalised copies."""

    blank: Path | None = None
    copies: BuildResult | None = None


def build(
    framework: Framework,
    settings: BuildSettings,
    output: Path = BLANK_WORKBOOK,
    partners: PartnerList | None = None,
    out_dir: Path = COPIES_DIR,
    force: bool = False,
    prefill: Path | None = None,
) -> BuildOutcome:
    """The blank workbook at ``output``; with ``partners``, one copy per partner instead,
    each pre-filled from last round's responses.csv when ``prefill`` names it."""
    from lsp_xlsx.core.files import save_workbook
    from lsp_xlsx.workbook.build import build_workbook
    from lsp_xlsx.workbook.copies import build_for_partners

    if partners is None:
        return BuildOutcome(
            blank=save_workbook(build_workbook(framework, settings=settings), output)
        )
    from lsp_xlsx.workbook.prefill import load_prefill

    carried = load_prefill(prefill) if prefill is not None else None
    copies = build_for_partners(framework, partners, out_dir, settings, force, prefill=carried)
    return BuildOutcome(copies=copies)


# --- check and collate ------------------------------------------------------------------------


def check_returns(
    paths: Iterable[str | Path],
    framework: Framework,
    partners: PartnerList | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    manifest: Path | None = None,
    round_label: str | None = None,
) -> CheckResult:
    """Read every return under ``paths``: what ``check`` reports, and what ``collate`` and
    ``status`` read. With ``manifest``, each return's copy id is verified against it."""
    from lsp_xlsx.returns.batch import check, discover
    from lsp_xlsx.returns.verify import issued_copies

    issued = issued_copies(manifest) if manifest is not None else None
    partners_file = partners.path.name if partners is not None else "partners.csv"
    paths = list(paths)
    on_each: Callable[[Return], None] | None = None
    if progress is not None:
        total = len(discover(paths)[0])
        done = [0]

        def on_each(_: Return) -> None:
            done[0] += 1
            progress(done[0], total)

    return check(
        paths, framework, limits, partners, partners_file, None, on_each, issued, round_label
    )


@dataclass
class CollateOutcome:
    """What collate read and wrote. ``comparison`` is None when no return could be read."""

    check: CheckResult
    comparison: Comparison | None
    workbook: Path | None
    responses: Path | None
    board_paper: Path | None = None
    #: With split_by: each partnership's outputs and the overview (``workbook`` is None).
    split: SplitOutcome | None = None

    @property
    def exit_code(self) -> int:
        """The same rule as check: 1 when a file was refused or a counted return has errors."""
        return self.check.exit_code


def collate_returns(
    paths: Iterable[str | Path],
    framework: Framework,
    output: Path | None = None,
    responses: Path | None = None,
    partners: PartnerList | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    manifest: Path | None = None,
    group_by: Sequence[str] | None = None,
    board_paper: Path | bool | None = True,
    round_label: str | None = None,
    previous: Path | None = None,
    split_by: str | None = None,
) -> CollateOutcome:
    """Read every return as check does; when at least one was read, write the comparison
    workbook to ``output``, the tidy CSV to ``responses`` and the board paper to
    ``board_paper`` (each by default beside the workbook; ``board_paper=False`` skips it).

    With ``split_by`` (a column of partners.csv, such as partnership), write instead a
    folder per partnership and an overview workbook at ``output``: see
    :mod:`lsp_xlsx.workflow_split`."""
    from lsp_xlsx.workflow_split import OVERVIEW, split_outputs

    paths = list(paths)
    output = output or (OVERVIEW if split_by else COMPARISON)
    responses = responses or output.with_name(RESPONSES_NAME)
    paper = output.with_name(BOARD_PAPER_NAME) if board_paper is True else board_paper or None
    if split_by:
        outputs = split_outputs(split_by, partners, board_paper, output, responses)
    else:
        outputs = {"the comparison workbook": output, "the tidy table": responses}
        outputs |= {"the board paper": paper} if paper else {}
    check_outputs(paths, outputs)
    if group_by is not None and partners is not None:
        _check_groupings(group_by, partners)
    before = None
    if previous is not None:  # a bad file is refused before the returns are read
        from lsp_xlsx.compare.progress import read_tidy

        before = read_tidy(previous)
    # pandas, openpyxl and the writers are imported while the workers read the first returns.
    warm = threading.Thread(target=_import_writers, daemon=True)
    warm.start()
    result = check_returns(paths, framework, partners, limits, progress, manifest, round_label)
    warm.join()
    release_readers(len(result.returns))
    from lsp_xlsx.compare.tables import collate

    if not result.counted:
        return CollateOutcome(result, None, None, None)
    if split_by and partners is not None:
        from lsp_xlsx.workflow_split import write_split

        args = (split_by, output, responses, bool(paper), group_by, previous)
        split = write_split(result, framework, partners, *args)
        return CollateOutcome(result, None, None, responses, None, split)
    comparison = collate(
        result.returns, framework, partners, responses_name=responses.name, group_by=group_by
    )
    comparison.round = result.round
    release_freed_memory()
    if before is not None:
        from lsp_xlsx.compare.progress import since_last_round

        now = comparison.responses
        comparison.progress = since_last_round(now, comparison.made_at, before, framework)
    workbook, paper = write_outputs(comparison, output, responses, paper)
    return CollateOutcome(result, comparison, workbook, responses, paper)


def _import_writers() -> None:
    import lsp_xlsx.board.paper
    import lsp_xlsx.compare.tables
    import lsp_xlsx.compare.writer  # noqa: F401


def write_outputs(
    comparison: Comparison, output: Path, responses: Path, paper: Path | None
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
        if paper is not None:
            from lsp_xlsx.board.paper import save_board_paper

            paper = save_board_paper(comparison, paper)
        tidy.result()
    return workbook, paper


def _check_groupings(group_by: Sequence[str], partners: PartnerList) -> None:
    known = ["sector", *partners.extra_columns]
    unknown = [g for g in group_by if g not in known]
    if unknown:
        raise UsageProblem(
            f"--group-by names {', '.join(unknown)}, which is not a column of "
            f"{partners.path.name}. Choose from: {', '.join(known)}."
        )


def check_outputs(inputs: Sequence[str | Path], outputs: dict[str, Path]) -> None:
    """Refuse, before anything is read, outputs that would land on an input or on each other.

    An output inside a returns folder would overwrite a partner's return, or be read as a
    return next time. Raises :class:`UsageProblem` naming the paths.
    """
    seen: dict[Path, str] = {}
    for what, path in outputs.items():
        target = path.resolve()
        if target in seen:
            raise UsageProblem(
                f"{seen[target]} and {what} would both be written to {path}. Give them "
                "different names (see -o and --responses)."
            )
        seen[target] = what
        for given in inputs:
            source = Path(given).resolve()
            if target == source:
                raise UsageProblem(
                    f"{what} would be written over {given}, which is one of the returns being "
                    "read. Write it elsewhere, e.g. -o outputs/comparison.xlsx."
                )
            if source.is_dir() and target.is_relative_to(source):
                raise UsageProblem(
                    f"{what} ({path}) would be written inside {given}, the folder of returns "
                    "being read, where it could replace a return or be read as one next "
                    "time. Write it elsewhere, e.g. -o outputs/comparison.xlsx."
                )


# --- demo -----------------------------------------------------------------------------------


@dataclass
class DemoOutcome:
    """The demo's files, and the collate run over them (over round two, with rounds=2)."""

    files: DemoFiles
    collated: CollateOutcome
    #: With rounds=2: round one's collate run, which round two is compared with.
    first_round: CollateOutcome | None = None


def demo(
    framework: Framework, out: Path = DEMO_DIR, count: int = 12, seed: int = 2009, rounds: int = 1
) -> DemoOutcome:
    """Write synthetic partners and returns under ``out``, then collate them as collate would.

    With ``rounds=2``, round one goes into ``out/round-1``; round two, pre-filled from it
    and changed a little, into ``out/round-2``, collated with ``--previous``.
    """
    from lsp_xlsx.demo import make_demo

    first = out / "round-1" if rounds == 2 else out
    files = make_demo(framework, first, count, seed)
    partners = load_partners(files.partners_csv)
    collated = collate_returns(
        [files.returns_dir], framework, first / "comparison.xlsx", partners=partners
    )
    if rounds != 2 or collated.responses is None:
        return DemoOutcome(files, collated)
    from lsp_xlsx.demo_rounds import make_round_two

    second = out / "round-2"
    returns = make_round_two(framework, second, collated.responses, count, seed)
    again = collate_returns(
        [returns],
        framework,
        second / "comparison.xlsx",
        partners=load_partners(second / "partners.csv"),
        manifest=second / "to-send" / "manifest.csv",
        previous=collated.responses,
    )
    return DemoOutcome(files, again, collated)


# --- mail and status ---------------------------------------------------------------------------


@dataclass
class DeliveryOutcome:
    """Messages delivered (or not), partners skipped with the reason, and the exit status."""

    delivery: Delivery
    skipped: list[tuple[Partner, str]]
    what: str

    @property
    def exit_code(self) -> int:
        """1 when any message failed or may not have arrived, else 0."""
        report = self.delivery.report
        return 1 if report.failed or report.uncertain else 0


def mail(
    partners: PartnerList,
    options: DeliveryOptions,
    folder: Path = COPIES_DIR,
    template: Path | None = None,
    deadline: dt.date | None = None,
    contact: str | None = None,
    resend: bool = False,
) -> DeliveryOutcome:
    """E-mail each partner its workbook from ``folder``. The deadline and contact default to
    the ones the workbooks were built with (from manifest.csv)."""
    from lsp_xlsx.outreach.mail import deliver, plan_invitations
    from lsp_xlsx.outreach.sendlog import SendLog
    from lsp_xlsx.outreach.templates import DEFAULT_INVITATION, INVITATION_FIELDS, load_template
    from lsp_xlsx.workbook.manifest import read_manifest

    smtp = options.smtp(dict(os.environ))
    chosen = load_template(template, INVITATION_FIELDS) if template else DEFAULT_INVITATION
    manifest = read_manifest(folder)
    built = next(iter(manifest.values()), None)
    log = SendLog.open(options.log_in(folder))
    plan = plan_invitations(
        partners,
        {pid: entry.path for pid, entry in manifest.items() if entry.path.is_file()},
        chosen,
        options.sender,
        deadline or (built.deadline if built else None),
        contact if contact is not None else (built.contact if built else ""),
        log,
        resend,
    )
    drafts = options.drafts_in(folder, "drafts")
    delivery = deliver(plan.outgoing, log, drafts, smtp, options.delay, options.dry_run)
    return DeliveryOutcome(delivery, plan.skipped, "message")


@dataclass
class StatusOutcome:
    """Every partner's status, and the reminders when they were asked for."""

    report: StatusReport
    reminders: DeliveryOutcome | None = None

    @property
    def exit_code(self) -> int:
        """1 when a reminder failed, else 0."""
        return self.reminders.exit_code if self.reminders else 0


def status(
    paths: Iterable[str | Path],
    framework: Framework,
    partners: PartnerList,
    folder: Path = COPIES_DIR,
    limits: Limits | None = None,
    deadline: dt.date | None = None,
    today: dt.date | None = None,
    log: Path | None = None,
    progress: Progress | None = None,
    manifest: Path | None = None,
) -> StatusOutcome:
    """One row per partner: sent, returned, complete, overdue. Returns are read exactly as
    check reads them, with the same limits."""
    from lsp_xlsx.outreach.sendlog import SEND_LOG_NAME, SendLog
    from lsp_xlsx.outreach.tracking import track
    from lsp_xlsx.workbook.manifest import read_manifest

    built = read_manifest(folder)
    log_file = SendLog.open(log or folder / SEND_LOG_NAME)
    deadlines = {
        p.partner_id: deadline or (built[p.partner_id].deadline if p.partner_id in built else None)
        for p in partners
    }
    result = check_returns(paths, framework, partners, limits, progress, manifest)
    return StatusOutcome(track(result, partners, framework, log_file, deadlines, today))


def remind(
    outcome: StatusOutcome,
    options: DeliveryOptions,
    folder: Path = COPIES_DIR,
    template: Path | None = None,
    contact: str | None = None,
) -> DeliveryOutcome:
    """Reminders for every partner not returned or incomplete, saying what is missing."""
    from lsp_xlsx.outreach.mail import deliver
    from lsp_xlsx.outreach.sendlog import SendLog
    from lsp_xlsx.outreach.templates import DEFAULT_REMINDER, REMINDER_FIELDS, load_template
    from lsp_xlsx.outreach.tracking import plan_reminders
    from lsp_xlsx.workbook.manifest import read_manifest

    smtp = options.smtp(dict(os.environ))
    chosen = load_template(template, REMINDER_FIELDS) if template else DEFAULT_REMINDER
    manifest = read_manifest(folder)
    built = next(iter(manifest.values()), None)
    log = SendLog.open(options.log_in(folder))
    outgoing, skipped = plan_reminders(
        outcome.report,
        chosen,
        options.sender,
        contact if contact is not None else (built.contact if built else ""),
        {pid: entry.path for pid, entry in manifest.items()},
    )
    drafts = options.drafts_in(folder, "reminders")
    delivery = deliver(outgoing, log, drafts, smtp, options.delay, options.dry_run)
    outcome.reminders = DeliveryOutcome(delivery, skipped, "reminder")
    return outcome.reminders


# --- agree ----------------------------------------------------------------------------------


@dataclass
class AgreeOutcome:
    """What ``agree`` read from the Agreed sheet and wrote."""

    agreed: Agreed
    csv: Path | None = None
    plan: Path | None = None

    @property
    def exit_code(self) -> int:
        """check's rule: 1 when the file was refused or an agreed rating is not on the scale."""
        return self.agreed.exit_code


def agree(
    comparison: Path,
    framework: Framework,
    out_dir: Path | None = None,
    limits: Limits | None = None,
) -> AgreeOutcome:
    """Read the board's agreed position from ``comparison`` and write agreed.csv and
    improvement-plan.xlsx into ``out_dir`` (default: beside the comparison workbook)."""
    from lsp_xlsx.board.agree import read_agreed
    from lsp_xlsx.board.plan import write_agreed_outputs

    out_dir = out_dir or comparison.parent
    check_outputs(
        [comparison],
        {
            "agreed.csv": out_dir / "agreed.csv",
            "the improvement plan": out_dir / "improvement-plan.xlsx",
        },
    )
    agreed = read_agreed(comparison, framework, limits)
    if agreed.refused:
        return AgreeOutcome(agreed)
    csv_path, plan = write_agreed_outputs(agreed, framework, out_dir)
    return AgreeOutcome(agreed, csv_path, plan)
