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
def build(
    framework_dir: Path,
    output: Path,
    title: str,
    partnership: str,
    deadline: dt.date | None,
    contact: str,
) -> None:
    """Write the blank self-assessment workbook and print its path.

    \b
    Example:
        lsp-xlsx build --partnership "North Shire Partnership" \\
            --deadline 31/03/2027 --contact "Jo Bloggs, jo.bloggs@northshire.gov.uk"
    """
    from lsp_xlsx.build import BuildSettings, build_workbook, save_workbook

    framework = _load(framework_dir)
    settings = BuildSettings(title, partnership, deadline, contact)
    with _our_errors():
        path = save_workbook(build_workbook(framework, settings=settings), output)
    click.echo(str(path))


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


def partners_option(required: bool = False) -> Callable[[F], F]:
    """The --partners option: the partners CSV."""
    return click.option(
        "--partners",
        "partners_csv",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        required=required,
        help="partners.csv (partner_id, name, sector, contact_name, email).",
    )


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


def main() -> None:
    """Entry point for the console script and ``python -m lsp_xlsx``."""
    cli(prog_name="lsp-xlsx")


if __name__ == "__main__":  # pragma: no cover
    main()
