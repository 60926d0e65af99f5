"""What the commands print, beside cli.py: the collate and agree summaries.

Only the command line imports Click (ARCHITECTURE rule 3); this module is part of it. It
turns the workflow's outcomes into lines and prints nothing a workflow did not return.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lsp_xlsx import workflow
from lsp_xlsx.core.words import counted


def print_collated(outcome: workflow.CollateOutcome) -> None:
    """The check report, the run's notes, then where each output went."""
    from lsp_xlsx.returns.console import format_table

    click.echo(format_table(outcome.check))
    print_notes(outcome.notes)
    if outcome.split is not None:
        _print_split(outcome.split, outcome.responses)
        return
    if outcome.comparison is None:
        click.echo("No return could be read, so nothing was written.", err=True)
        return
    click.echo("")
    # The one count of returns by state, as the Returns sheet, Summary and paper give it.
    click.echo(outcome.comparison.return_counts.sentence())
    click.echo(f"Comparison workbook: {outcome.workbook}")
    from lsp_xlsx.core.tidy_files import kind

    table = kind(outcome.responses or "")
    click.echo(f"Every answer ({table}):{' ' * (5 - len(table))}{outcome.responses}")
    if outcome.board_paper is not None:
        click.echo(f"Board paper (Word):  {outcome.board_paper}")
    for copy in outcome.paper_copies:  # the anonymous paper, the PDFs
        what = "Anonymous paper" if copy.stem.endswith("-public") else "Board paper"
        kind_of = "PDF" if copy.suffix == ".pdf" else "Word"
        click.echo(f"{what} ({kind_of}):{' ' * max(1, 20 - len(what) - len(kind_of) - 3)}{copy}")


def print_notes(notes: list[str]) -> None:
    """What the run did to keep a person's files: entries carried, files kept, locks."""
    from lsp_xlsx.core.text import visible

    for note in notes:
        click.echo(f"note: {visible(note)}", err=True)


def _print_split(split: Any, responses: Path | None) -> None:
    click.echo("")
    for part in split.parts:
        where = part.workbook if part.workbook else "no return counts: nothing written"
        click.echo(f"{part.name}: {where}")
    click.echo("")
    click.echo(f"Overview workbook:   {split.overview}")
    click.echo(f"Every answer:        {responses}")


def print_agreed(outcome: Any) -> None:
    """The workshop's findings, how much was agreed, and where agreed.csv and the plan went."""
    from lsp_xlsx.core.text import visible

    print_notes(outcome.notes)
    for f in outcome.agreed.findings:
        click.echo(f"  {f.severity.upper():<7}  {visible(f.message)}")
    if outcome.empty:
        from lsp_xlsx.board.agree_words import nothing_agreed_message

        click.echo(visible(nothing_agreed_message(outcome.agreed)))
    if outcome.csv is not None:
        every = outcome.agreed.rows + outcome.agreed.unmatched
        chosen = sum(1 for r in every if r.agreed_label)
        actions = sum(1 for r in every if r.action.strip())
        click.echo(f"{counted(chosen, 'agreed rating')} and {counted(actions, 'action')} read.")
        if outcome.agreed.unmatched:
            n = len(outcome.agreed.unmatched)
            click.echo(
                f"{counted(n, 'row')} {'matches' if n == 1 else 'match'} no question; kept in "
                "agreed.csv after the questions (see the errors above)."
            )
        click.echo(f"Agreed position (CSV): {outcome.csv}")
        click.echo(f"Improvement plan:      {outcome.plan}")
