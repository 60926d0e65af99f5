"""The ``lsp-xlsx`` command line: parse options, make one library call, print, exit.

Heavy imports (pandas, the reader) happen inside the commands that need them, so that
``lsp-xlsx build`` starts quickly.
"""

from __future__ import annotations

import datetime as dt
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


def main() -> None:
    """Entry point for the console script and ``python -m lsp_xlsx``."""
    cli(prog_name="lsp-xlsx")


if __name__ == "__main__":  # pragma: no cover
    main()
