"""collate's own option groups (and agree's and the demo's, where they share one): the
coordinator's decisions, the outputs, the roll-up and anonymity, the paper's copies. Apart
from :mod:`lsp_xlsx.cli_options`, which every command uses, so that each stays small."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from lsp_xlsx.cli_options import EXISTING_FILE, F, parse_date


def ratings_map_option(f: F) -> F:
    """--ratings-map: the coordinator's rules for ratings the scale cannot read."""
    return click.option(
        "--ratings-map",
        type=EXISTING_FILE,
        default=None,
        help="A CSV of typed,rating[,partner_id,note]: what a typed rating means, e.g. "
        "'Good,3 - Performs well' (a partner's own rules win). Listed on the About sheet.",
    )(f)


def overrides_option(f: F) -> F:
    """--overrides: the coordinator's decisions about returns (see returns/overrides.py)."""
    return click.option(
        "--overrides",
        type=EXISTING_FILE,
        default=None,
        help="A CSV of action,file,partner_id,respondent_id,typed,rating,note: accept-as, "
        "exclude, accept-late, map-rating.  [default: overrides.csv in the returns folder]",
    )(f)


def collate_output_options(f: F) -> F:
    """collate's outputs: -o, --responses, --split-by, the board paper, --previous and
    --group-by."""
    from lsp_xlsx.workflow import COMPARISON

    options = [
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help=f"The comparison workbook to write (with --split-by, the overview).  [default: "
            f"{COMPARISON}; with --split-by, outputs/overview.xlsx]",
        ),
        click.option(
            "--responses",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="The tidy table of every answer: CSV, or Parquet when the name ends in .parquet.  "
            "[default: responses.csv beside --output]",
        ),
        click.option(
            "--split-by",
            default=None,
            metavar="COLUMN",
            help="A column of partners.csv, such as partnership: write a comparison workbook (and "
            "board paper and tidy table) per value into a folder named after the column beside "
            "--output, and an overview workbook comparing them theme by theme at --output.",
        ),
        click.option(
            "--board-paper",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="The board paper (Word) to write.  [default: board-paper.docx beside --output]",
        ),
        click.option("--no-board-paper", is_flag=True, help="Do not write the board paper."),
        click.option(
            "--previous",
            type=click.Path(path_type=Path, exists=True),
            default=None,
            help="Last round's output folder (or its responses.csv): add the Progress sheets, "
            "what changed since, and follow up the actions in its agreed.csv, e.g. "
            "--previous board-2027/",
        ),
        click.option(
            "--previous-agreed",
            type=EXISTING_FILE,
            default=None,
            help="Last round's agreed.csv, when --previous names its responses.csv, e.g. "
            "--previous-agreed board-2027/agreed.csv  [default: agreed.csv in the --previous "
            "folder]",
        ),
        click.option(
            "--today",
            callback=parse_date,
            help="The day of the board pack: every output is dated by it and actions due "
            "and overdue are counted from it, e.g. --today 2028-04-15  [default: today]",
        ),
        click.option(
            "--group-by",
            default=None,
            help="Columns of partners.csv to compare groups by, e.g. level,sector.  "
            "[default: sector and every other column with 2 to 12 different values]",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def respondents_options(f: F) -> F:
    """collate's --roll-up and --anonymous (issue 25)."""
    from lsp_xlsx.compare.rules import MIN_RESPONDENTS, ROLL_UPS

    f = anonymous_option(
        "Publish the round anonymously: nobody named, no one person's rating shown, and a "
        f"partner's own figures only when {MIN_RESPONDENTS} or more of its people answered "
        "(smaller partners merged). The key to who is who goes to respondent-keys.csv: "
        "keep it private.  e.g. lsp-xlsx collate returns/ --anonymous"
    )(f)
    return click.option(
        "--roll-up",
        "roll_up",
        type=click.Choice(ROLL_UPS),
        default="median",
        show_default=True,
        help="How a partner with several respondents gets one position per question.  "
        "e.g. --roll-up mean",
    )(f)


def anonymous_option(text: str) -> Callable[[F], F]:
    """--anonymous, for collate and the demo."""
    return click.option("--anonymous", is_flag=True, help=text)


def paper_copies_options(f: F) -> F:
    """collate's copies of the board paper (issue 22): --board-paper-anonymous and --pdf."""
    f = click.option(
        "--pdf",
        is_flag=True,
        help="Also write each paper as PDF for the agenda pack (board-paper.pdf), through "
        "LibreOffice.  Example: lsp-xlsx collate returns/ --pdf --board-paper-anonymous",
    )(f)
    return click.option(
        "--board-paper-anonymous",
        is_flag=True,
        help="Also write board-paper-public.docx, fit to publish: partners are not named "
        "(Partner A, B, ...) and no group of fewer than 3 partners is shown.",
    )(f)
