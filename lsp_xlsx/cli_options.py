"""Option groups the commands share, each built once and handed to the command as one object.

``@framework_option`` gives a command a loaded :class:`Framework`, ``@limits_options`` a
:class:`Limits`, ``@settings_options`` the :class:`BuildSettings` and
``@delivery_options`` the :class:`DeliveryOptions`, so a command takes a handful of
parameters, not eighteen. Only the command line imports Click.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from lsp_xlsx.core.errors import LspXlsxError, OutputError, UsageProblem
from lsp_xlsx.core.text import visible
from lsp_xlsx.framework.loader import DEFAULT_FRAMEWORK, load_framework
from lsp_xlsx.returns.sniff import Limits

F = TypeVar("F", bound=Callable[..., Any])
#: The type of an option naming a file that must already exist (not a folder).
EXISTING_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


class CouldNotWrite(click.ClickException):
    """Exit status 3, "could not write the outputs", apart from 1, "a return has problems"."""

    exit_code = 3


@contextmanager
def our_errors() -> Iterator[None]:
    """Turn this package's own errors into a one-line-per-problem message.

    Exit status 3 when an output could not be written, 2 for an unsafe request (such as an
    output over an input), 1 for anything else of ours.

    Anything else is a bug and keeps its traceback.
    """
    try:
        yield
    except OutputError as exc:
        raise CouldNotWrite(str(exc)) from exc
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except LspXlsxError as exc:
        raise click.ClickException(str(exc)) from exc


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Click callback: a date as the UK writes it (day first): 31/03/27, 31.3.2027,
    31st March 2027, 31 Mar 27 or 2027-03-31 (see :mod:`lsp_xlsx.core.dates`)."""
    if value is None:
        return None
    from lsp_xlsx.core.dates import parse_date as parse

    parsed = parse(value)
    if parsed is None:
        raise click.BadParameter(
            f"'{value}' is not a date. Use 2027-03-31 or 31/03/2027. Day first, these are "
            "read too: 31/03/27, 31.3.2027, 31st March 2027, 31 Mar 27."
        )
    return parsed


def _group(
    options: list[Callable[[Any], Any]], make: Callable[[dict[str, Any]], tuple[str, Any]]
) -> Callable[[F], F]:
    """A decorator adding ``options`` to a command and passing them on as one object.

    ``make`` takes the group's own keyword arguments (removed from the rest) and returns
    the name and value of the one argument the command receives instead.
    """

    def decorator(f: F) -> F:
        names: list[str] = []

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            mine = {name: kwargs.pop(name) for name in names}
            key, value = make(mine)
            return f(*args, **{key: value}, **kwargs)

        before = len(getattr(wrapper, "__click_params__", []))
        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        names.extend(p.name for p in decorated.__click_params__[before:] if p.name)
        return decorated  # type: ignore[no-any-return]

    return decorator


def _load_framework(values: dict[str, Any]) -> tuple[str, Any]:
    with our_errors():
        framework = load_framework(values["framework_dir"])
    show_warnings(list(framework.warnings))
    return "framework", framework


framework_option = _group(
    [
        click.option(
            "--framework",
            "framework_dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=DEFAULT_FRAMEWORK,
            show_default="the shipped 2009 framework",
            help="Framework folder (questions.csv, themes.csv, scale.csv, framework.toml).",
        )
    ],
    _load_framework,
)


def show_warnings(findings: list[Any]) -> None:
    """Warnings and notes about the coordinator's own files, on stderr, every time."""
    for warning in findings:
        click.echo(f"{warning.severity}: {visible(warning.message)}", err=True)


def _load_partners(ctx: click.Context, param: click.Parameter, value: Path | None) -> Any:
    if value is None:
        return None
    from lsp_xlsx.framework.partners import load_partners

    with our_errors():
        partners = load_partners(value)
    # Notes (no action needed: extra columns kept, headings read as standard ones) are shown
    # once, by build, which starts the round; every command shows the warnings (issue 23).
    notes_too = ctx.info_name in NOTES_SHOWN_BY
    show_warnings([w for w in partners.warnings if notes_too or w.severity != "info"])
    return partners


#: The commands that show the partners list's notes, not only its warnings.
NOTES_SHOWN_BY = ("build",)


def partners_option(required: bool = False) -> Callable[[F], F]:
    """The --partners option: partners.csv, loaded and checked, its warnings shown."""
    return click.option(
        "--partners",
        "partners",
        type=EXISTING_FILE,
        required=required,
        callback=_load_partners,
        help="partners.csv (partner_id, name, sector, contact_name, email, and any "
        "columns of your own), or the .xlsx or .ods you keep it in, e.g. --partners "
        "partners.xlsx.",
    )


_LIMITS = Limits()
limits_options = _group(
    [
        click.option(
            "--max-file-size",
            type=click.IntRange(min=1),
            default=_LIMITS.max_file_size,
            show_default=True,
            help="Refuse a file larger than this many bytes.",
        ),
        click.option(
            "--max-unzipped-size",
            type=click.IntRange(min=1),
            default=_LIMITS.max_unzipped_size,
            show_default=True,
            help="Refuse a workbook whose parts unpack to more than this many bytes.",
        ),
        click.option(
            "--max-ratio",
            type=click.FloatRange(min=1),
            default=_LIMITS.max_ratio,
            show_default=True,
            help="Refuse a zip part (over 1 MiB) compressed more than this many to one.",
        ),
        click.option(
            "--max-cells",
            type=click.IntRange(min=1),
            default=_LIMITS.max_cells,
            show_default=True,
            help="Refuse a sheet whose used area has more cells than this.",
        ),
        click.option(
            "--max-seconds",
            type=click.FloatRange(min=0.1),
            default=_LIMITS.max_seconds,
            show_default=True,
            help="Refuse a file that takes longer than this to read.",
        ),
        click.option(
            "--max-memory",
            type=click.IntRange(min=64 * 1024 * 1024),
            default=_LIMITS.max_memory,
            show_default=True,
            help="Refuse a file whose reading needs more memory than this many bytes.",
        ),
        click.option(
            "--max-sheets",
            type=click.IntRange(min=1),
            default=_LIMITS.max_sheets,
            show_default=True,
            help="Refuse a workbook that names more sheets than this.",
        ),
        click.option(
            "--max-result-size",
            type=click.IntRange(min=1024 * 1024),
            default=_LIMITS.max_result_size,
            show_default=True,
            help="Refuse a file whose contents, as read, take more than this many bytes.",
        ),
    ],
    lambda v: ("limits", Limits(**v)),
)


def _round_label(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from lsp_xlsx.workbook.contract import ROUND_MAX

    value = " ".join(value.split())
    if len(value) > ROUND_MAX:
        raise click.BadParameter(f"'{value}' is longer than {ROUND_MAX} characters.")
    return value


def round_option(f: F) -> F:
    """--round for check and collate: the round being collated."""
    return click.option(
        "--round",
        "round_label",
        default=None,
        callback=lambda ctx, param, value: _round_label(ctx, param, value) if value else None,
        help="Count only returns from this round; others are reported as other-round.  "
        "[default: the round most returns carry]",
    )(f)


def _settings(values: dict[str, Any]) -> tuple[str, Any]:
    from lsp_xlsx.workbook.build import BuildSettings

    return "settings", BuildSettings(**values)


settings_options = _group(
    [
        click.option("--title", default="LSP governance self-assessment", show_default=True),
        click.option(
            "--partnership", default="", help="The partnership's name, shown on 'Start here'."
        ),
        click.option(
            "--deadline",
            callback=parse_date,
            help="Return deadline, day first: 31/03/2027, 31/03/27, 31 March 2027 or 2027-03-31.",
        ),
        click.option(
            "--contact", default="", help="Who to send it to and ask, shown on 'Start here'."
        ),
        click.option(
            "--round",
            default="",
            callback=_round_label,
            help="The round, e.g. 2027 or 2026-27 (at most 20 characters).  [default: the "
            "year of --deadline, else this year]",
        ),
        click.option(
            "--anonymous",
            is_flag=True,
            help="Build for an anonymous round: collate then publishes it as collate "
            "--anonymous does, whoever runs it.",
        ),
    ],
    _settings,
)


def _delivery(values: dict[str, Any]) -> tuple[str, Any]:
    from lsp_xlsx.outreach.mail import DeliveryOptions

    if values["smtp_host"] is not None and not values["sender"]:
        raise click.UsageError("--from is needed to send over SMTP.")
    return "delivery", DeliveryOptions(**values)


def _delivery_list(security: tuple[str, ...], token: tuple[str, ...]) -> list[Callable[[Any], Any]]:
    return [
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
            help="Log in as this user; the password comes from $LSP_XLSX_SMTP_PASSWORD, "
            "never an option.",
        ),
        click.option(
            *token,
            default=None,
            help="A command that prints an OAuth2 access token, for AUTH XOAUTH2 (Microsoft "
            "365, Gmail); or put the token in $LSP_XLSX_SMTP_OAUTH2_TOKEN.",
        ),
        click.option(
            *security,
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
            "--smtp-timeout",
            type=click.FloatRange(min=0.1),
            default=120.0,
            show_default=True,
            help="Seconds the connection, and then each message, may take at most, however "
            "slowly the server answers.",
        ),
        click.option(
            "--dry-run", is_flag=True, help="Show what would be sent; send and write nothing."
        ),
        click.option(
            "--log",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="The send log CSV.  [default: DIR/sent.csv]",
        ),
    ]


def _delivery_smtp_security(values: dict[str, Any]) -> tuple[str, Any]:
    values["security"] = values.pop("smtp_security")
    values["oauth2_token_command"] = values.pop("smtp_oauth2_token_command")
    return _delivery(values)


delivery_options = _group(_delivery_list(("--security",), ("--oauth2-token-command",)), _delivery)
#: The same options for a command that has its own --security (collect's, for IMAP): SMTP's
#: is --smtp-security there.
smtp_delivery_options = _group(
    _delivery_list(
        ("--smtp-security", "smtp_security"),
        ("--smtp-oauth2-token-command", "smtp_oauth2_token_command"),
    ),
    _delivery_smtp_security,
)


def copies_dir_option(help_text: str, must_exist: bool = False) -> Callable[[F], F]:
    """--dir: the folder from build --partners (a usage error if it must exist and does not)."""
    from lsp_xlsx.workflow import COPIES_DIR

    return click.option(
        "--dir",
        "folder",
        type=click.Path(path_type=Path, file_okay=False, exists=must_exist),
        default=COPIES_DIR,
        show_default=True,
        help=help_text,
    )


def manifest_option(f: F) -> F:
    """--manifest: verify each return against the copies build --partners issued."""
    return click.option(
        "--manifest",
        type=EXISTING_FILE,
        default=None,
        help="manifest.csv from build --partners: verify each return came from the copy "
        "sent to the partner it claims to be.",
    )(f)


class ProgressBar:
    """A progress bar on stderr, shown only on a terminal and only for more than 20 files."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total > 20 and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="Reading returns", file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(1)
            if done == total:
                self.bar.__exit__(None, None, None)
