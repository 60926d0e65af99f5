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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.board.paper_pdf import PaperCopies, paper_outputs
from lsp_xlsx.collate_outputs import (
    BoardOptions,
    check_groupings,
    collate_inputs,
    collate_one,
)
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PartnerList, load_partners
from lsp_xlsx.returns import overrides as D
from lsp_xlsx.returns.isolation import release_readers
from lsp_xlsx.returns.model import CheckResult, Return
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.safety.inputs import check_outputs
from lsp_xlsx.safety.names import (
    BOARD_PAPER_NAME,
    COMPARISON_NAME,
    RESPONSES_NAME,
)
from lsp_xlsx.safety.run import output_run
from lsp_xlsx.safety.runlock import one_run_per_folder

# agree lives in workflow_agree.py (issue 22), and is still workflow.agree.
from lsp_xlsx.workflow_agree import AgreeOutcome as AgreeOutcome
from lsp_xlsx.workflow_agree import agree as agree

# The heavy stages (pandas, openpyxl) are imported by the functions that need them, so
# that a command starts quickly.
if TYPE_CHECKING:
    from lsp_xlsx.collect.run import CollectReport
    from lsp_xlsx.compare.tables import Comparison
    from lsp_xlsx.demo import DemoFiles
    from lsp_xlsx.outreach.mail import DeliveryOptions, DeliveryOutcome
    from lsp_xlsx.outreach.tracking import StatusReport
    from lsp_xlsx.workbook.build import BuildSettings
    from lsp_xlsx.workbook.copies import BuildResult
    from lsp_xlsx.workflow_split import SplitOutcome

#: Where outputs go unless told otherwise (``outputs/`` is git-ignored).
BLANK_WORKBOOK = Path("outputs/lsp-self-assessment.xlsx")
COPIES_DIR = Path("outputs/to-send")
COMPARISON = Path("outputs") / COMPARISON_NAME
DEMO_DIR = Path("outputs/demo")

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
    from lsp_xlsx.compare.tables import made_at_now
    from lsp_xlsx.core.files import save_workbook
    from lsp_xlsx.safety.office import check_not_open
    from lsp_xlsx.safety.runlock import run_lock
    from lsp_xlsx.workbook.build import build_workbook
    from lsp_xlsx.workbook.copies import build_for_partners

    others = {
        "the framework folder": framework.path,
        "last round's tidy table given with --prefill": prefill,
    }
    if partners is None:
        with output_run([], {"the blank workbook": output}, others) as run:
            blank = save_workbook(build_workbook(framework, settings=settings), output)
            run.commit(made_at_now())
        return BuildOutcome(blank=blank)
    from lsp_xlsx.framework.partners import unique_filenames
    from lsp_xlsx.workbook.manifest import MANIFEST_NAME
    from lsp_xlsx.workbook.prefill import load_prefill

    outputs = {"manifest.csv": out_dir / MANIFEST_NAME}
    names = unique_filenames(partners.respondents)
    outputs |= {f"{p.who}'s copy": out_dir / names[p.key] for p in partners.respondents}
    check_outputs([], outputs, others | {"the partners file given with --partners": partners.path})
    check_not_open(outputs.values())  # a copy open in Excel is not written over
    # The copies are written as they are made (build_for_partners keeps its manifest true
    # to them); the lock stops a second build or a mail in the same folder meanwhile.
    with run_lock([out_dir]):
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
    decisions: D.DecisionFiles = D.NO_DECISIONS,
) -> CheckResult:
    """Read every return under ``paths``: what ``check`` reports, and what ``collate`` and
    ``status`` read, by the ``manifest`` and the coordinator's ``decisions`` when given."""
    from lsp_xlsx.returns.batch import check, discover
    from lsp_xlsx.returns.verify import issued_copies

    issued = issued_copies(manifest) if manifest is not None else None
    partners_file = partners.path.name if partners is not None else "partners.csv"
    paths = list(paths)
    decided = D.coordinator_decisions(paths, framework, partners, decisions)
    on_each: Callable[[Return], None] | None = None
    found = discover(paths)  # once: the count for the progress bar, and the files to read
    if progress is not None:
        total = len(found[0])
        done = [0]

        def on_each(_: Return) -> None:
            done[0] += 1
            progress(done[0], total)

    args = (limits, partners, partners_file, None, on_each, issued, round_label)
    return decided.record(check(paths, decided.framework, *args, decided.overrides, found))


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
    #: What the run has to say about the files: entries carried, files kept, stale locks.
    notes: list[str] = field(default_factory=list)
    #: When the outputs were made (the comparison's made_at).
    made_at: str = ""
    paper_copies: list[Path] = field(default_factory=list)  # the anonymous paper, PDFs

    @property
    def exit_code(self) -> int:
        """The same rule as check: 1 when a file was refused or a counted return has errors
        (or, with split_by, a partnership could not be written)."""
        failed = self.split is not None and bool(self.split.failed)
        return max(self.check.exit_code, 1 if failed else 0)


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
    board: BoardOptions | None = None,
    previous_agreed: Path | None = None,
    today: dt.date | None = None,
    decisions: D.DecisionFiles = D.NO_DECISIONS,
    copies: PaperCopies | None = None,
) -> CollateOutcome:
    """Read every return as check does; when one was read, write the comparison workbook
    to ``output``, the tidy CSV to ``responses`` and the board paper to ``board_paper``
    (by default beside the workbook; ``False`` skips it), inside
    :func:`~lsp_xlsx.safety.run.output_run`, the Agreed sheet's entries carried forward.
    With ``split_by`` (a partners.csv column), a folder per partnership and an overview
    at ``output`` (:mod:`lsp_xlsx.workflow_split`). ``previous``: last round's folder or
    tidy table (and ``previous_agreed``, its agreed.csv), for the Progress sheets and its
    agreed actions followed up as at ``today``."""
    from lsp_xlsx.previous_round import load_previous, previous_files
    from lsp_xlsx.workflow_split import OVERVIEW

    files = previous_files(previous, previous_agreed)

    paths = list(paths)
    output = output or (OVERVIEW if split_by else COMPARISON)
    responses = responses or output.with_name(RESPONSES_NAME)
    board = replace(board or BoardOptions(), today=today)
    paper = output.with_name(BOARD_PAPER_NAME) if board_paper is True else board_paper or None
    outputs, folders = _declared_outputs(
        framework, partners, (output, responses, paper), board_paper, split_by, board, copies
    )
    others = collate_inputs(framework, partners, manifest, files.responses if files else None)
    others |= (files.inputs() if files else {}) | decisions.inputs()
    with output_run(paths, outputs, others, folders) as run:
        if group_by is not None and partners is not None:
            check_groupings(group_by, partners)
        # A bad file of last round's is refused before the returns are read.
        loaded = load_previous(files, partners, today, limits) if files else None
        run.notes += loaded.notes if loaded else []
        # pandas, openpyxl and the writers are imported while the workers read the first returns.
        warm = threading.Thread(target=_import_writers, daemon=True)
        warm.start()
        asked = (partners, limits, progress, manifest, round_label, decisions)
        result = check_returns(
            paths, D.with_carried_dates(framework, loaded.tidy if loaded else None), *asked
        )
        warm.join()
        release_readers(len(result.returns))
        if not result.counted:
            return CollateOutcome(result, None, None, None, notes=run.notes)
        if split_by and partners is not None:
            from lsp_xlsx.workflow_split import write_split

            last = files.responses if files else None
            args = (split_by, output, responses, bool(paper), group_by, last)
            split = write_split(result, framework, partners, *args, limits=limits)
            outcome = CollateOutcome(result, None, None, responses, None, split, split.notes)
            run.commit(split.split.made_at)
        else:
            where = (output, responses, paper)
            c, done = collate_one(
                result, framework, partners, where, group_by, loaded, limits, board, copies
            )
            outcome = CollateOutcome(result, c, done.workbook, responses, done.paper)
            outcome.made_at, outcome.notes = c.made_at, done.notes
            outcome.paper_copies = done.copies
            run.commit(c.made_at)
        outcome.notes = run.notes + outcome.notes
    return outcome


def _declared_outputs(
    framework: Framework,
    partners: PartnerList | None,
    where: tuple[Path, Path, Path | None],
    board_paper: Path | bool | None,
    split_by: str | None,
    board: BoardOptions,
    copies: PaperCopies | None,
) -> tuple[dict[str, Path], tuple[str, ...]]:
    """Every file a collate run may write, by what it is (checked against the inputs and
    open files before anything is read), and the folders it rewrites."""
    from lsp_xlsx.workflow_split import PARTS_FOLDERS, split_outputs

    output, responses, paper = where
    keys = board.key_map(split_by, responses)  # issue 25: --anonymous
    folders: tuple[str, ...] = ()
    if split_by:
        outputs = split_outputs(split_by, partners, board_paper, output, responses)
        folders = (PARTS_FOLDERS,)
    else:
        outputs = {"the comparison workbook": output, "the tidy table": responses}
        outputs |= ({"the board paper": paper} if paper else {}) | keys
    outputs |= paper_outputs(framework.path, paper, copies, bool(split_by))
    return outputs, folders


def _import_writers() -> None:
    import lsp_xlsx.board.paper
    import lsp_xlsx.compare.tables
    import lsp_xlsx.compare.writer  # noqa: F401


# --- demo -----------------------------------------------------------------------------------


@dataclass
class DemoOutcome:
    """The demo's files, and the collate run over them (over round two, with rounds=2)."""

    files: DemoFiles
    collated: CollateOutcome
    #: With rounds=2: round one's collate run, which round two is compared with.
    first_round: CollateOutcome | None = None
    #: The returns as saved e-mails (out/mail), collected into out/collected by collect.
    mailed: CollectReport | None = None


def _demo_collect(framework: Framework, files: DemoFiles, out: Path) -> CollectReport:
    """The demo's returns as e-mails in ``out/mail``, gathered by collect --from-files into
    ``out/collected`` (cleared of the demo's own files first, so each run shows the same)."""
    from lsp_xlsx.collect.ledger import LEDGER_NAME
    from lsp_xlsx.demo import mail_returns
    from lsp_xlsx.workflow_collect import collect

    mails = mail_returns(files, out / "mail")
    collected = out / "collected"
    for old in [collected / LEDGER_NAME, *collected.glob("*--*.xlsx")]:
        old.unlink(missing_ok=True)
    partners = load_partners(files.partners_csv)
    return collect(framework, partners, from_files=mails, returns_dir=collected)


def demo(
    framework: Framework, out: Path = DEMO_DIR, count: int = 12, seed: int = 2009, rounds: int = 1
) -> DemoOutcome:
    """Write synthetic partners and returns under ``out``, then collate them as collate would.

    With ``rounds=2``, round one goes into ``out/round-1``; round two, pre-filled from it
    and changed a little, into ``out/round-2``, collated with ``--previous``.
    """
    from lsp_xlsx.demo import make_demo

    mine = {"the demo's folder": out}
    check_outputs([], mine, {"the framework folder": framework.path}, folders=list(mine))
    first = out / "round-1" if rounds == 2 else out
    files = make_demo(framework, first, count, seed)
    partners = load_partners(files.partners_csv)
    collated = collate_returns(
        [files.returns_dir], framework, first / "comparison.xlsx", partners=partners
    )
    if rounds != 2 or collated.responses is None:
        return DemoOutcome(files, collated, mailed=_demo_collect(framework, files, first))
    from lsp_xlsx.demo_rounds import ROUND_TWO_TODAY, hold_workshop, make_round_two, update_plan

    # The loop closes: the workshop, agree, two statuses updated; round two compared with it.
    if collated.workbook is not None:
        hold_workshop(framework, collated.workbook)
        update_plan(agree(collated.workbook, framework).plan)
    second = out / "round-2"
    returns = make_round_two(framework, second, collated.responses, count, seed)
    again = collate_returns(
        [returns],
        framework,
        second / "comparison.xlsx",
        partners=load_partners(second / "partners.csv"),
        manifest=second / "to-send" / "manifest.csv",
        previous=first,
        today=ROUND_TWO_TODAY,
    )
    return DemoOutcome(files, again, collated)


# --- mail and status ---------------------------------------------------------------------------


@one_run_per_folder("folder")
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
    the ones the workbooks were built with (from manifest.csv). Each workbook is checked
    against its SHA-256 in the manifest before it goes."""
    from lsp_xlsx.outreach.invitations import copies_in, deliver_plan, plan_invitations
    from lsp_xlsx.outreach.sendlog import SendLog
    from lsp_xlsx.outreach.templates import DEFAULT_INVITATION, INVITATION_FIELDS, load_template

    options.smtp(dict(os.environ))  # a missing password stops the run before anything is read
    chosen = load_template(template, INVITATION_FIELDS) if template else DEFAULT_INVITATION
    entries, manifest = copies_in(folder)
    built = next(iter(manifest.values()), None)
    log = SendLog.open(options.log_in(folder))
    plan = plan_invitations(
        partners,
        manifest,
        entries,
        chosen,
        options.sender,
        deadline or (built.deadline if built else None),
        contact if contact is not None else (built.contact if built else ""),
        log,
        resend,
    )
    return deliver_plan(plan, log, options.drafts_in(folder, "drafts"), options, "message")


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
    check reads them, with the same limits. Stops (exit 2) before reading anything when
    ``folder`` holds neither the manifest nor the send log."""
    from lsp_xlsx.framework.partners import people_of
    from lsp_xlsx.outreach.sendlog import SEND_LOG_NAME, SendLog
    from lsp_xlsx.outreach.tracking import require_copies, track
    from lsp_xlsx.workbook.manifest import read_manifest

    require_copies(folder, log, "status")
    built = read_manifest(folder)
    log_file = SendLog.open(log or folder / SEND_LOG_NAME)
    deadlines = {  # by respondent (Partner.key): each person's copy has its deadline
        p.key: deadline or (built[p.key].deadline if p.key in built else None)
        for p in people_of(partners)
    }
    paths = list(paths)
    result = check_returns(paths, framework, partners, limits, progress, manifest)
    mailed = arrived_by_mail([Path(p) for p in paths] + [r.path.parent for r in result.returns])
    report = track(result, partners, framework, log_file, deadlines, today, mailed)
    return StatusOutcome(report)


def arrived_by_mail(folders: Iterable[Path]) -> dict[str, str]:
    """Partner id (casefolded) -> the date its latest return arrived by mail, from the
    collected.csv (collect's ledger) in each of ``folders`` that has one."""
    from lsp_xlsx.collect.ledger import LEDGER_NAME, Ledger

    dates: dict[str, str] = {}
    for folder in dict.fromkeys(f.resolve() for f in folders):
        if not (folder / LEDGER_NAME).is_file():
            continue
        for entry in Ledger.open(folder).entries:
            if entry.outcome in ("return", "refused") and entry.partner:
                key = entry.partner.casefold()
                dates[key] = max(dates.get(key, ""), entry.date)
    return dates


@one_run_per_folder("folder")
def remind(
    outcome: StatusOutcome,
    options: DeliveryOptions,
    folder: Path = COPIES_DIR,
    template: Path | None = None,
    contact: str | None = None,
    resend: bool = False,
) -> DeliveryOutcome:
    """Reminders for every partner not returned or incomplete, saying what is missing."""
    from lsp_xlsx.outreach.invitations import copies_in, deliver_plan
    from lsp_xlsx.outreach.sendlog import SendLog
    from lsp_xlsx.outreach.templates import DEFAULT_REMINDER, REMINDER_FIELDS, load_template
    from lsp_xlsx.outreach.tracking import plan_reminders, require_copies

    require_copies(folder, options.log, "status --remind")
    options.smtp(dict(os.environ))
    chosen = load_template(template, REMINDER_FIELDS) if template else DEFAULT_REMINDER
    entries, manifest = copies_in(folder)
    built = next(iter(manifest.values()), None)
    log = SendLog.open(options.log_in(folder))
    contact = contact if contact is not None else (built.contact if built else "")
    plan = plan_reminders(
        outcome.report, chosen, options.sender, contact, manifest, entries, log, resend
    )
    drafts = options.drafts_in(folder, "reminders")
    outcome.reminders = deliver_plan(plan, log, drafts, options, "reminder")
    return outcome.reminders
