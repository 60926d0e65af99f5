"""The ``lsp-xlsx`` command line: parse options, make one workflow call, print, exit.

Each command hands its options to one function in :mod:`lsp_xlsx.workflow` and prints
what comes back. Shared option groups live in :mod:`lsp_xlsx.cli_options`. Heavy imports
(pandas, openpyxl) happen inside the workflow, so that ``lsp-xlsx --help`` starts quickly.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from lsp_xlsx import __version__, workflow
from lsp_xlsx.cli_collate_options import (
    collate_output_options,
    overrides_option,
    paper_copies_options,
    ratings_map_option,
    respondents_options,
)
from lsp_xlsx.cli_collect import collect_command
from lsp_xlsx.cli_demo import demo_command
from lsp_xlsx.cli_options import (
    EXISTING_FILE,
    ProgressBar,
    copies_dir_option,
    delivery_options,
    framework_option,
    limits_options,
    manifest_option,
    our_errors,
    parse_date,
    partners_option,
    round_option,
    settings_options,
)
from lsp_xlsx.cli_output import print_agreed, print_collated
from lsp_xlsx.collate_outputs import BoardOptions
from lsp_xlsx.core.words import counted
from lsp_xlsx.returns.overrides import DecisionFiles

PATHS = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lsp-xlsx")
def cli() -> None:
    """Run a governance self-assessment across a partnership by spreadsheet.

    \b
    Build a workbook per partner, read the returns, and collate them into one
    comparison workbook for the board.

    \b
    Example:
        lsp-xlsx demo            # see the whole workflow on synthetic returns
    """


@cli.command()
@framework_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=workflow.BLANK_WORKBOOK,
    show_default=True,
    help="Where to write the blank workbook.",
)
@settings_options
@partners_option()
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=workflow.COPIES_DIR,
    show_default=True,
    help="With --partners: the folder for the personalised copies and manifest.csv.",
)
@click.option(
    "--force", is_flag=True, help="With --partners: overwrite copies already in --out-dir."
)
@click.option(
    "--prefill",
    type=EXISTING_FILE,
    default=None,
    help="With --partners: last round's responses.csv, to pre-fill each partner's workbook.",
)
def build(framework: Any, output: Path, settings: Any, partners: Any, **kw: Any) -> None:
    """Write the blank self-assessment workbook and print its path.

    With --partners, write instead one personalised workbook per partner into --out-dir
    (named after the partner, e.g. north-shire-police.xlsx), each carrying the partner's
    id and name, with a manifest.csv of file, SHA-256 and build time. Copies already in
    --out-dir are never overwritten without --force: they may have been sent.

    \b
    Example:
        lsp-xlsx build --partnership "North Shire Partnership" \\
            --deadline 31/03/2027 --contact "Jo Bloggs, jo.bloggs@northshire.gov.uk"
        lsp-xlsx build --partners partners.csv --out-dir outputs/to-send --deadline 31/03/2027
        lsp-xlsx build --partners partners.csv --round 2028 --prefill 2027/responses.csv
    """
    with our_errors():
        outcome = workflow.build(framework, settings, output, partners, **kw)
    from lsp_xlsx.workbook.deadline_words import past_deadline

    for warning in past_deadline(settings.deadline, dt.date.today()):  # built, but said
        click.echo(f"warning: {warning}", err=True)
    if outcome.blank is not None:
        click.echo(str(outcome.blank))
        return
    result = outcome.copies
    assert result is not None
    from lsp_xlsx.cli_options import show_warnings

    show_warnings(list(result.findings))  # from --prefill: a text cut to fit a cell, say
    for copy in result.copies:
        click.echo(f"{copy.path}  ({copy.partner.who})")
    made = counted(len(result.copies), "workbook")
    click.echo(f"{made} in {result.out_dir}; manifest: {result.manifest}")


@cli.command("check")
@PATHS
@framework_option
@partners_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON for scripts.",
)
@manifest_option
@round_option
@ratings_map_option
@overrides_option
@limits_options
def check_command(
    paths: tuple[Path, ...],
    framework: Any,
    partners: Any,
    fmt: str,
    manifest: Path | None,
    round_label: str | None,
    ratings_map: Path | None,
    overrides: Path | None,
    limits: Any,
) -> None:
    """Read returned workbooks and report on every file, without writing anything.

    PATHS are files or folders; folders are searched recursively for .xlsx, .xlsm, .xls,
    .xlsb and .ods files (hidden files and ~$ lock files are skipped). Every file is read
    in full or refused with a reason; every problem is listed with its file, sheet and
    cell, and what to do about it.

    \b
    Exit status:
        0  every file was read and no return that counts has an error
        1  a file was refused, or a return has an error (e.g. a rating not on the scale)
        2  the command was used wrongly
        3  an output could not be written (collate)

    \b
    Example:
        lsp-xlsx check returns/
        lsp-xlsx check returns/ --partners partners.csv --format json > check.json
        lsp-xlsx check returns/ --ratings-map ratings-map.csv --overrides overrides.csv
    """
    from lsp_xlsx.returns.console import format_table, to_json

    with our_errors():
        result = workflow.check_returns(
            paths,
            framework,
            partners,
            limits,
            ProgressBar(),
            manifest,
            round_label,
            DecisionFiles(ratings_map, overrides),
        )
    click.echo(to_json(result) if fmt == "json" else format_table(result))
    sys.exit(result.exit_code)


@cli.command("collate")
@PATHS
@framework_option
@partners_option()
@collate_output_options
@paper_copies_options
@manifest_option
@round_option
@ratings_map_option
@overrides_option
@limits_options
@respondents_options
def collate_command(
    paths: tuple[Path, ...],
    framework: Any,
    partners: Any,
    output: Path,
    responses: Path | None,
    board_paper: Path | None,
    no_board_paper: bool,
    previous: Path | None,
    previous_agreed: Path | None,
    today: dt.date | None,
    group_by: str | None,
    split_by: str | None,
    manifest: Path | None,
    round_label: str | None,
    ratings_map: Path | None,
    overrides: Path | None,
    limits: Any,
    roll_up: str,
    anonymous: bool,
    board_paper_anonymous: bool = False,
    pdf: bool = False,
) -> None:
    """Read the returns and write the comparison workbook for the board.

    Reads every return exactly as check does and prints the same report. Then, when at
    least one return was read, writes the comparison workbook (Contents, Notes, Summary,
    Questions, Agenda, Groups, Evidence, Action plan, Returns, Findings, About, Input
    files) and a tidy CSV holding
    every answer in full, and prints both paths. With --partners, partners who have not
    returned are listed, and columns follow that file's order.

    The exit status follows check's rules: 1 when a file was refused or a return has an
    error, even though the outputs were written.

    With --split-by partnership (a column of partners.csv), one run serves many
    partnerships: each gets its own folder with the comparison workbook, board paper and
    tidy table it would have had running collate alone, and an overview workbook compares
    the partnerships theme by theme.

    \b
    Example:
        lsp-xlsx collate returns/ --partners partners.csv -o board/comparison.xlsx
        lsp-xlsx collate returns/ --partners partners.csv --group-by level
        lsp-xlsx collate returns/ --partners partners.csv --responses all.parquet
        lsp-xlsx collate region/ --partners partners.csv --split-by partnership
        lsp-xlsx collate returns/ --partners partners.csv --anonymous --roll-up median
        lsp-xlsx collate returns-2028/ --partners partners.csv --previous board-2027/ \\
            --today 2028-04-15 -o board-2028/comparison.xlsx
        lsp-xlsx collate returns/ --ratings-map ratings-map.csv   # + returns/overrides.csv
        lsp-xlsx collate returns/ --partners partners.csv --board-paper-anonymous --pdf
    """
    from lsp_xlsx.board.paper_pdf import PaperCopies

    copies = PaperCopies(board_paper_anonymous, pdf) if board_paper_anonymous or pdf else None
    with our_errors():
        outcome = workflow.collate_returns(
            paths,
            framework,
            output,
            responses,
            partners,
            limits,
            ProgressBar(),
            manifest,
            [g.strip() for g in group_by.split(",") if g.strip()] if group_by else None,
            False if no_board_paper else (board_paper or True),
            round_label,
            previous,
            split_by,
            previous_agreed=previous_agreed,
            today=today,
            board=BoardOptions(roll_up, anonymous),
            decisions=DecisionFiles(ratings_map, overrides),
            copies=copies,
        )
    print_collated(outcome)
    sys.exit(outcome.exit_code)


@cli.command("mail")
@partners_option(required=True)
@copies_dir_option("The folder from build --partners, with manifest.csv.", must_exist=True)
@delivery_options
@click.option(
    "--template",
    type=EXISTING_FILE,
    help="Subject and body with {name}, {contact_name}, {deadline}, {contact}.",
)
@click.option(
    "--deadline", callback=parse_date, help="[default: the deadline the workbooks were built with]"
)
@click.option(
    "--contact", default=None, help="[default: the contact the workbooks were built with]"
)
@click.option("--resend", is_flag=True, help="Send again to partners the log says were sent to.")
def mail_command(partners: Any, folder: Path, delivery: Any, **kw: Any) -> None:
    """E-mail each partner its own workbook: as .eml drafts (the default) or over SMTP.

    One message per partner in partners.csv, to its e-mail address, with the workbook
    from build --partners attached. Every outcome goes into the send log (DIR/sent.csv);
    a partner already sent to is skipped unless --resend. Over SMTP, a refused address
    or a dropped connection is recorded and the rest still go; a refused login stops at
    once. The SMTP password is read from the environment variable
    LSP_XLSX_SMTP_PASSWORD and is never printed or logged.

    A template file starts with a line 'Subject: ...', then a blank line, then the body;
    it may use {name}, {contact_name}, {deadline} and {contact}.

    \b
    Example:
        lsp-xlsx mail --partners partners.csv --drafts outputs/drafts
        LSP_XLSX_SMTP_PASSWORD=... lsp-xlsx mail --partners partners.csv \\
            --smtp-host smtp.council.gov.uk --smtp-user lsp --from "LSP team <lsp@council.gov.uk>"
    """
    from lsp_xlsx.outreach.console import format_delivery

    with our_errors():
        outcome = workflow.mail(partners, delivery, folder, **kw)
    click.echo(format_delivery(outcome.delivery, outcome.skipped, outcome.what))
    sys.exit(outcome.exit_code)


@cli.command("status")
@PATHS
@framework_option
@partners_option(required=True)
@copies_dir_option("The folder from build --partners (manifest.csv and the send log).")
@click.option("--deadline", callback=parse_date, help="[default: the deadline in the manifest]")
@click.option("--today", callback=parse_date, help="Count days from this date.  [default: today]")
@click.option(
    "--remind", is_flag=True, help="Make reminders for partners not returned or incomplete."
)
@delivery_options
@click.option(
    "--template",
    type=EXISTING_FILE,
    help="Reminder subject and body; may also use {missing}.",
)
@click.option(
    "--contact", default=None, help="[default: the contact the workbooks were built with]"
)
@click.option(
    "--resend",
    is_flag=True,
    help="With --remind: remind again partners whose last reminder may have arrived (uncertain).",
)
@manifest_option
@limits_options
def status_command(
    paths: tuple[Path, ...],
    framework: Any,
    partners: Any,
    folder: Path,
    deadline: dt.date | None,
    today: dt.date | None,
    remind: bool,
    delivery: Any,
    template: Path | None,
    contact: str | None,
    manifest: Path | None,
    limits: Any,
    resend: bool,
) -> None:
    """Track every partner: sent, returned, complete, overdue; and send reminders.

    Prints one row per partner in partners.csv: when the workbook was sent (from the send
    log), whether a return came in, rated questions answered, the deadline with days to
    go or overdue, the file that counts and any superseded files. Then a summary line.
    Returns are read exactly as check reads them, with the same limits.

    With --remind, makes a reminder for every partner not returned or incomplete, saying
    what is missing (e.g. "Theme 7 (7 Risks and controls) not started."), as drafts or over
    SMTP exactly as mail does, recorded in the same send log.

    \b
    Example:
        lsp-xlsx status returns/ --partners partners.csv
        lsp-xlsx status returns/ --partners partners.csv --remind --drafts outputs/reminders
    """
    from lsp_xlsx.outreach.console import format_delivery, format_status

    with our_errors():
        outcome = workflow.status(
            paths,
            framework,
            partners,
            folder,
            limits,
            deadline,
            today,
            delivery.log,
            None,
            manifest,
        )
        click.echo(format_status(outcome.report))
        if remind:
            sent = workflow.remind(outcome, delivery, folder, template, contact, resend)
            click.echo("")
            click.echo(format_delivery(sent.delivery, sent.skipped, sent.what))
    sys.exit(outcome.exit_code)


@cli.command("agree")
@click.argument("comparison", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@framework_option
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write agreed.csv and improvement-plan.xlsx.  [default: beside COMPARISON]",
)
@click.option(
    "--plan",
    type=EXISTING_FILE,
    default=None,
    help="The improvement plan as updated through the year, to carry its owners, statuses "
    "and progress notes into the new one.  [default: improvement-plan.xlsx in --out-dir, "
    "when there is one]",
)
@click.option(
    "--today", callback=parse_date, help="The date to put on kept files.  [default: today]"
)
@ratings_map_option
@limits_options
def agree_command(
    comparison: Path,
    framework: Any,
    out_dir: Path | None,
    plan: Path | None,
    today: dt.date | None,
    ratings_map: Path | None,
    limits: Any,
) -> None:
    """Read the position the board agreed, from the comparison workbook's Agreed sheet.

    Fill in the Agreed sheet at the workshop (agreed rating, action, lead, target date),
    in Excel or LibreOffice, then run this. It reads the file as carefully as a return,
    keeps and reports a rating typed over the dropdown, and writes agreed.csv and
    improvement-plan.xlsx (the agreed actions by target date, with Owner, Status,
    Progress note and Updated columns to keep up to date). Run it again after updating the
    plan: the statuses are read back and carried, and the updated plan is kept under a
    dated name. The exit status follows check's rules.

    \b
    Example:
        lsp-xlsx agree outputs/comparison.xlsx
        lsp-xlsx agree board/comparison-workshop.ods -o board/
        lsp-xlsx agree board/comparison.xlsx --plan board/improvement-plan.xlsx --today 2028-01-31
        lsp-xlsx agree outputs/comparison.xlsx --ratings-map ratings-map.csv
    """
    with our_errors():
        outcome = workflow.agree(
            comparison, framework, out_dir, limits, plan, today, DecisionFiles(ratings_map)
        )
    print_agreed(outcome)
    sys.exit(outcome.exit_code)


cli.add_command(collect_command)  # issue 24: defined in cli_collect.py
cli.add_command(demo_command)  # defined in cli_demo.py, so that cli.py stays small


def main() -> None:
    """Entry point for the console script and ``python -m lsp_xlsx``."""
    cli(prog_name="lsp-xlsx")


if __name__ == "__main__":  # pragma: no cover
    main()
