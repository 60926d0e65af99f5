"""The ``lsp-xlsx`` command line: parse options, make one library call, print, exit.

Heavy imports (pandas, the reader) happen inside the commands that need them, so that
``lsp-xlsx build`` starts quickly.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from lsp_xlsx import __version__
from lsp_xlsx.errors import LspXlsxError
from lsp_xlsx.framework import DEFAULT_FRAMEWORK, Framework, load_framework

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def _our_errors() -> Iterator[None]:
    """Turn this package's own errors into a one-line-per-problem message, exit 1.

    Anything else is a bug and keeps its traceback.
    """
    try:
        yield
    except LspXlsxError as exc:
        raise click.ClickException(str(exc)) from exc


def _load(framework_dir: Path) -> Framework:
    with _our_errors():
        framework = load_framework(framework_dir)
    for warning in framework.warnings:
        click.echo(f"warning: {warning.message}", err=True)
    return framework


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    from lsp_xlsx.dates import parse_date

    parsed = parse_date(value)
    if parsed is None:
        raise click.BadParameter(f"'{value}' is not a date. Use 2027-03-31 or 31/03/2027.")
    return parsed


def framework_option(f: F) -> F:
    """The --framework option every command shares."""
    return click.option(
        "--framework",
        "framework_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_FRAMEWORK,
        show_default="the shipped 2009 framework",
        help="Framework folder (questions.csv, themes.csv, scale.csv, framework.toml).",
    )(f)


def partners_option(required: bool = False) -> Callable[[F], F]:
    """The --partners option: the partners CSV."""
    return click.option(
        "--partners",
        "partners_csv",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        required=required,
        help="partners.csv (partner_id, name, sector, contact_name, email).",
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
    default=Path("outputs/lsp-self-assessment.xlsx"),
    show_default=True,
    help="Where to write the blank workbook.",
)
@click.option("--title", default="LSP governance self-assessment", show_default=True)
@click.option("--partnership", default="", help="The partnership's name, shown on 'Start here'.")
@click.option(
    "--deadline", callback=_parse_date, help="Return deadline, e.g. 2027-03-31 or 31/03/2027."
)
@click.option("--contact", default="", help="Who to send it to and ask, shown on 'Start here'.")
@partners_option()
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs/to-send"),
    show_default=True,
    help="With --partners: the folder for the personalised copies and manifest.csv.",
)
@click.option(
    "--force", is_flag=True, help="With --partners: overwrite copies already in --out-dir."
)
def build(
    framework_dir: Path,
    output: Path,
    title: str,
    partnership: str,
    deadline: dt.date | None,
    contact: str,
    partners_csv: Path | None,
    out_dir: Path,
    force: bool,
) -> None:
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
    """
    from lsp_xlsx.build import BuildSettings, build_for_partners, build_workbook, save_workbook

    framework = _load(framework_dir)
    settings = BuildSettings(title, partnership, deadline, contact)
    if partners_csv is None:
        with _our_errors():
            path = save_workbook(build_workbook(framework, settings=settings), output)
        click.echo(str(path))
        return
    from lsp_xlsx.partners import load_partners

    with _our_errors():
        partners = load_partners(partners_csv)
        result = build_for_partners(framework, partners, out_dir, settings, force=force)
    for copy in result.copies:
        click.echo(f"{copy.path}  ({copy.partner.name})")
    click.echo(f"{len(result.copies)} workbooks in {result.out_dir}; manifest: {result.manifest}")


def limits_options(f: F) -> F:
    """Options that set the safety limits checked before a return is parsed."""
    from lsp_xlsx.sniff import Limits

    default = Limits()
    f = click.option(
        "--max-ratio",
        type=click.FloatRange(min=1),
        default=default.max_ratio,
        show_default=True,
        help="Refuse a zip part (over 1 MiB) compressed more than this many to one.",
    )(f)
    f = click.option(
        "--max-unzipped-size",
        type=click.IntRange(min=1),
        default=default.max_unzipped_size,
        show_default=True,
        help="Refuse a workbook whose parts unpack to more than this many bytes.",
    )(f)
    f = click.option(
        "--max-file-size",
        type=click.IntRange(min=1),
        default=default.max_file_size,
        show_default=True,
        help="Refuse a file larger than this many bytes.",
    )(f)
    return f


def _read_all(
    paths: tuple[Path, ...],
    framework: Framework,
    partners_csv: Path | None,
    max_file_size: int,
    max_unzipped_size: int,
    max_ratio: float,
) -> Any:
    """Read every return under ``paths`` as check does, with a progress bar on a terminal."""
    from lsp_xlsx.ingest import check, discover
    from lsp_xlsx.partners import load_partners
    from lsp_xlsx.sniff import Limits

    with _our_errors():
        partners = load_partners(partners_csv) if partners_csv else None
    limits = Limits(
        max_file_size=max_file_size, max_unzipped_size=max_unzipped_size, max_ratio=max_ratio
    )
    partners_file = partners_csv.name if partners_csv else "partners.csv"
    files, _ = discover(paths)
    if sys.stderr.isatty() and len(files) > 20:
        with click.progressbar(length=len(files), label="Reading returns", file=sys.stderr) as bar:
            return check(
                paths, framework, limits, partners, partners_file, progress=lambda _: bar.update(1)
            )
    return check(paths, framework, limits, partners, partners_file)


@cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
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
@limits_options
def check_command(
    paths: tuple[Path, ...],
    framework_dir: Path,
    partners_csv: Path | None,
    fmt: str,
    max_file_size: int,
    max_unzipped_size: int,
    max_ratio: float,
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

    \b
    Example:
        lsp-xlsx check returns/
        lsp-xlsx check returns/ --partners partners.csv --format json > check.json
    """
    from lsp_xlsx.console import format_table, to_json

    framework = _load(framework_dir)
    result = _read_all(paths, framework, partners_csv, max_file_size, max_unzipped_size, max_ratio)
    click.echo(to_json(result) if fmt == "json" else format_table(result))
    sys.exit(result.exit_code)


def _print_outcome(outcome: Any) -> None:
    from lsp_xlsx.console import format_table

    click.echo(format_table(outcome.check))
    if outcome.comparison is None:
        click.echo("No return could be read, so nothing was written.", err=True)
        return
    click.echo("")
    click.echo(f"Comparison workbook: {outcome.workbook}")
    click.echo(f"Every answer (CSV):  {outcome.responses}")


@cli.command("collate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@framework_option
@partners_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("outputs/comparison.xlsx"),
    show_default=True,
    help="The comparison workbook to write.",
)
@click.option(
    "--responses",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The tidy CSV of every answer.  [default: responses.csv beside --output]",
)
@limits_options
def collate_command(
    paths: tuple[Path, ...],
    framework_dir: Path,
    partners_csv: Path | None,
    output: Path,
    responses: Path | None,
    max_file_size: int,
    max_unzipped_size: int,
    max_ratio: float,
) -> None:
    """Read the returns and write the comparison workbook for the board.

    Reads every return exactly as check does and prints the same report. Then, when at
    least one return was read, writes the comparison workbook (Summary, Questions,
    Agenda, Evidence, Action plan, Returns, Findings, About) and a tidy CSV holding
    every answer in full, and prints both paths. With --partners, partners who have not
    returned are listed, and columns follow that file's order.

    The exit status follows check's rules: 1 when a file was refused or a return has an
    error, even though the outputs were written.

    \b
    Example:
        lsp-xlsx collate returns/ --partners partners.csv -o board/comparison.xlsx
    """
    from lsp_xlsx.partners import load_partners
    from lsp_xlsx.sniff import Limits
    from lsp_xlsx.workflow import collate_paths

    framework = _load(framework_dir)
    with _our_errors():
        partners = load_partners(partners_csv) if partners_csv else None
    limits = Limits(
        max_file_size=max_file_size, max_unzipped_size=max_unzipped_size, max_ratio=max_ratio
    )
    with _our_errors():
        outcome = collate_paths(
            paths,
            framework,
            output,
            responses,
            partners,
            partners_csv.name if partners_csv else "partners.csv",
            limits,
        )
    _print_outcome(outcome)
    sys.exit(outcome.exit_code)


@cli.command("demo")
@framework_option
@click.option(
    "--partners",
    "count",
    type=click.IntRange(min=1, max=500),
    default=12,
    show_default=True,
    help="How many synthetic partners.",
)
@click.option(
    "--seed", type=int, default=2009, show_default=True, help="Seed, for the same demo every time."
)
@click.option(
    "-o",
    "--output-dir",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs/demo"),
    show_default=True,
    help="Folder for everything the demo writes.",
)
def demo_command(framework_dir: Path, count: int, seed: int, out: Path) -> None:
    """See the whole workflow on synthetic returns, then open the comparison workbook.

    Builds the blank workbook, writes partners.csv and one filled return per partner
    (a council, police, NHS, fire, the voluntary sector and so on), including a late
    partner, a partial return, a typed-over rating and a superseded draft. Then
    collates them, exactly as collate would, and prints what it wrote. Seeded: the same
    seed gives the same returns and the same tables.

    \b
    Example:
        lsp-xlsx demo --partners 20 --seed 7 -o outputs/demo
    """
    from lsp_xlsx.demo import make_demo
    from lsp_xlsx.partners import load_partners
    from lsp_xlsx.workflow import collate_paths

    framework = _load(framework_dir)
    with _our_errors():
        files = make_demo(framework, out, count, seed)
        partners = load_partners(files.partners_csv)
        outcome = collate_paths(
            [files.returns_dir], framework, out / "comparison.xlsx", partners=partners
        )
    _print_outcome(outcome)
    click.echo("")
    click.echo(f"Blank workbook:      {files.blank}")
    click.echo(f"Partners:            {files.partners_csv}")
    click.echo(f"Returns:             {files.returns_dir}/ ({len(files.returns)} files)")
    if files.late:
        click.echo(f"Not returned (late): {', '.join(p.name for p in files.late)}")


def delivery_options(f: F) -> F:
    """Where messages go (drafts or SMTP), from whom, and how."""
    from lsp_xlsx.mail import PASSWORD_ENV

    options = [
        click.option(
            "--drafts",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="Write one .eml draft per partner into this folder (the default: DIR/drafts).",
        ),
        click.option(
            "--smtp-host", default=None, help="Send over SMTP through this server instead."
        ),
        click.option(
            "--smtp-port", type=int, default=None, help="[default: 587, or 465 with --security ssl]"
        ),
        click.option(
            "--smtp-user",
            default="",
            help=f"Log in as this user; the password comes from ${PASSWORD_ENV}, never an option.",
        ),
        click.option(
            "--security",
            type=click.Choice(["starttls", "ssl", "none"]),
            default="starttls",
            show_default=True,
            help="STARTTLS, SSL from the start, or none (only for a server on this machine).",
        ),
        click.option(
            "--from", "sender", default="", help="The sender, e.g. 'LSP team <lsp@council.gov.uk>'."
        ),
        click.option(
            "--delay",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="Seconds between messages sent over SMTP.",
        ),
        click.option(
            "--dry-run", is_flag=True, help="Show what would be sent; send and write nothing."
        ),
        click.option(
            "--log",
            "log_path",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="The send log CSV.  [default: DIR/sent.csv]",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _smtp(host: str | None, port: int | None, user: str, security: str, sender: str) -> Any:
    import os

    from lsp_xlsx.mail import SmtpSettings

    if host is None:
        return None
    if not sender:
        raise click.UsageError("--from is needed to send over SMTP.")
    with _our_errors():
        return SmtpSettings.from_env(host, port, user, security, dict(os.environ))


def _report_delivery(delivery: Any, skipped: list[Any], what: str) -> int:
    for partner, why in skipped:
        click.echo(f"skipped  {partner.name}: {why}")
    for item in delivery.dry_run:
        attached = f", attaching {item.file.name}" if item.file else ""
        click.echo(f"would send  {item.message['To']}: {item.message['Subject']}{attached}")
    for path in delivery.drafts:
        click.echo(f"draft    {path}")
    for item in delivery.report.sent:
        click.echo(f"sent     {item.message['To']}")
    for item, outcome in delivery.report.failed:
        click.echo(f"FAILED   {item.message['To']}: {outcome}")
    count = len(delivery.drafts) + len(delivery.report.sent)
    failed = len(delivery.report.failed)
    if delivery.dry_run:
        click.echo(
            f"Dry run: {len(delivery.dry_run)} {what}(s) would go; nothing was sent or written."
        )
    else:
        click.echo(f"{count} {what}(s) done, {failed} failed, {len(skipped)} skipped.")
    return 1 if failed else 0


@cli.command("mail")
@partners_option(required=True)
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs/to-send"),
    show_default=True,
    help="The folder from build --partners, with manifest.csv.",
)
@delivery_options
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Subject and body with {name}, {contact_name}, {deadline}, {contact}.",
)
@click.option(
    "--deadline", callback=_parse_date, help="[default: the deadline the workbooks were built with]"
)
@click.option(
    "--contact", default=None, help="[default: the contact the workbooks were built with]"
)
@click.option("--resend", is_flag=True, help="Send again to partners the log says were sent to.")
def mail_command(
    partners_csv: Path,
    folder: Path,
    drafts: Path | None,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_user: str,
    security: str,
    sender: str,
    delay: float,
    dry_run: bool,
    log_path: Path | None,
    template: Path | None,
    deadline: dt.date | None,
    contact: str | None,
    resend: bool,
) -> None:
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
    from lsp_xlsx.build import read_manifest
    from lsp_xlsx.mail import (
        DEFAULT_INVITATION,
        INVITATION_FIELDS,
        SendLog,
        deliver,
        load_template,
        plan_invitations,
    )
    from lsp_xlsx.partners import load_partners

    smtp = _smtp(smtp_host, smtp_port, smtp_user, security, sender)
    with _our_errors():
        partners = load_partners(partners_csv)
        chosen = load_template(template, INVITATION_FIELDS) if template else DEFAULT_INVITATION
        manifest = read_manifest(folder)
        built = next(iter(manifest.values()), None)
        log = SendLog.open(log_path or folder / "sent.csv")
        plan = plan_invitations(
            partners,
            {pid: entry.path for pid, entry in manifest.items() if entry.path.is_file()},
            chosen,
            sender,
            deadline or (built.deadline if built else None),
            contact if contact is not None else (built.contact if built else ""),
            log,
            resend,
        )
        delivery = deliver(plan.outgoing, log, drafts or folder / "drafts", smtp, delay, dry_run)
    sys.exit(_report_delivery(delivery, plan.skipped, "message"))


@cli.command("status")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@framework_option
@partners_option(required=True)
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs/to-send"),
    show_default=True,
    help="The folder from build --partners (manifest.csv and the send log).",
)
@click.option("--deadline", callback=_parse_date, help="[default: the deadline in the manifest]")
@click.option("--today", callback=_parse_date, help="Count days from this date.  [default: today]")
@click.option(
    "--remind", is_flag=True, help="Make reminders for partners not returned or incomplete."
)
@delivery_options
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Reminder subject and body; may also use {missing}.",
)
@click.option(
    "--contact", default=None, help="[default: the contact the workbooks were built with]"
)
def status_command(
    paths: tuple[Path, ...],
    framework_dir: Path,
    partners_csv: Path,
    folder: Path,
    deadline: dt.date | None,
    today: dt.date | None,
    remind: bool,
    drafts: Path | None,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_user: str,
    security: str,
    sender: str,
    delay: float,
    dry_run: bool,
    log_path: Path | None,
    template: Path | None,
    contact: str | None,
) -> None:
    """Track every partner: sent, returned, complete, overdue; and send reminders.

    Prints one row per partner in partners.csv: when the workbook was sent (from the send
    log), whether a return came in, rated questions answered, the deadline with days to
    go or overdue, the file that counts and any superseded files. Then a summary line.

    With --remind, makes a reminder for every partner not returned or incomplete, saying
    what is missing (e.g. "Theme 7 (7 Risks and controls) not started."), as drafts or over
    SMTP exactly as mail does, recorded in the same send log.

    \b
    Example:
        lsp-xlsx status returns/ --partners partners.csv
        lsp-xlsx status returns/ --partners partners.csv --remind --drafts outputs/reminders
    """
    from lsp_xlsx.build import read_manifest
    from lsp_xlsx.ingest import check
    from lsp_xlsx.mail import DEFAULT_REMINDER, REMINDER_FIELDS, SendLog, deliver, load_template
    from lsp_xlsx.partners import load_partners
    from lsp_xlsx.tracking import format_status, plan_reminders, track

    framework = _load(framework_dir)
    smtp = _smtp(smtp_host, smtp_port, smtp_user, security, sender) if remind else None
    with _our_errors():
        partners = load_partners(partners_csv)
        manifest = read_manifest(folder)
        log = SendLog.open(log_path or folder / "sent.csv")
        deadlines = {
            p.partner_id: deadline
            or (manifest[p.partner_id].deadline if p.partner_id in manifest else None)
            for p in partners
        }
        result = check(paths, framework, partners=partners, partners_file=partners_csv.name)
        report = track(result, partners, framework, log, deadlines, today)
    click.echo(format_status(report))
    if not remind:
        return
    with _our_errors():
        chosen = load_template(template, REMINDER_FIELDS) if template else DEFAULT_REMINDER
        built = next(iter(manifest.values()), None)
        outgoing, skipped = plan_reminders(
            report,
            chosen,
            sender,
            contact if contact is not None else (built.contact if built else ""),
            {pid: entry.path for pid, entry in manifest.items()},
        )
        delivery = deliver(outgoing, log, drafts or folder / "reminders", smtp, delay, dry_run)
    click.echo("")
    sys.exit(_report_delivery(delivery, skipped, "reminder"))


def main() -> None:
    """Entry point for the console script and ``python -m lsp_xlsx``."""
    cli(prog_name="lsp-xlsx")


if __name__ == "__main__":  # pragma: no cover
    main()
