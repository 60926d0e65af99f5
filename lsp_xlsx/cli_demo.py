"""``lsp-xlsx demo``: the whole workflow on synthetic returns (its own module, as collect
has, so that :mod:`lsp_xlsx.cli` stays small)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lsp_xlsx import workflow
from lsp_xlsx.cli_collate_options import (
    anonymous_option,
)
from lsp_xlsx.cli_options import (
    framework_option,
    our_errors,
)
from lsp_xlsx.cli_output import print_collated
from lsp_xlsx.core.errors import UsageProblem


@click.command("demo")
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
    default=workflow.DEMO_DIR,
    show_default=True,
    help="Folder for everything the demo writes.",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1, max=2),
    default=1,
    show_default=True,
    help="2: a second round a year on, pre-filled from the first, compared with it.",
)
@anonymous_option(
    "Show an anonymous round: nobody named, small partners merged (see collate --anonymous)."
)
def demo_command(
    framework: Any, count: int, seed: int, out: Path, rounds: int, anonymous: bool
) -> None:
    """See the whole workflow on synthetic returns, then open the comparison workbook.

    Builds the blank workbook, writes partners.csv and one filled return per partner
    (a council, police, NHS, fire, the voluntary sector and so on), including a late
    partner, a partial return, a typed-over rating and a superseded draft. Then
    collates them, exactly as collate would, and prints what it wrote. Seeded: the same
    seed gives the same returns and the same tables.

    \b
    Example:
        lsp-xlsx demo --partners 20 --seed 7 -o outputs/demo
        lsp-xlsx demo --rounds 2      # and a second year, with the Progress sheets
        lsp-xlsx demo --anonymous     # an anonymous round: see respondent-keys.csv
    """
    with our_errors():
        if anonymous and rounds == 2:
            raise UsageProblem("demo --anonymous shows one round: leave out --rounds 2.")
        if anonymous:
            from lsp_xlsx.demo_anonymous import demo_anonymous

            outcome = demo_anonymous(framework, out, count, seed)
        else:
            outcome = workflow.demo(framework, out, count, seed, rounds)
    print_collated(outcome.collated)
    if outcome.first_round is not None:
        click.echo("")
        click.echo(f"Round one (2027):    {outcome.first_round.workbook}")
        click.echo(f"Round two (2028):    {outcome.collated.workbook}  (see its Progress sheets)")
        return
    files = outcome.files
    click.echo("")
    click.echo(f"Blank workbook:      {files.blank}")
    click.echo(f"Partners:            {files.partners_csv}")
    click.echo(f"Returns:             {files.returns_dir}/ ({len(files.returns)} files)")
    if files.late:
        click.echo(f"Not returned (late): {', '.join(p.name for p in files.late)}")
    if outcome.mailed is not None:
        mailed, folder = outcome.mailed, files.returns_dir.parent
        click.echo(
            f"Collected by mail:   {folder / 'collected'}/ ({mailed.count('return')} returns "
            f"from {mailed.messages} e-mails in {folder / 'mail'}/; see collected.csv)"
        )
