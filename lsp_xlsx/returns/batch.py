"""Many returns: find them in folders, read them (in parallel when there are many), and decide
which one counts when a partner sent more than one."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from lsp_xlsx.core.findings import Code, finding
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.isolation import IsolatedReader, default_workers
from lsp_xlsx.returns.model import CheckResult, Return, Status
from lsp_xlsx.returns.sniff import Limits

#: File endings searched for in folders. A file named on the command line is always read.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files to read, and other files seen in folders but not read.

    Folders are searched recursively for spreadsheet files; hidden files and lock files
    (``~$x.xlsx``, ``.~lock.x.xlsx#``) are skipped. Files named directly are always read.
    The order is stable: sorted by path.
    """
    files: list[Path] = []
    ignored: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    candidate = Path(root) / name
                    if name.startswith((".", "~$")):
                        continue
                    if candidate.suffix.casefold() in SPREADSHEET_SUFFIXES:
                        files.append(candidate)
                    else:
                        ignored.append(candidate)
        else:
            files.append(path)
    unique = list(dict.fromkeys(files))
    return sorted(unique, key=lambda p: str(p)), sorted(ignored, key=lambda p: str(p))


def _newest_key(ret: Return) -> tuple[dt.date, str, float, str]:
    return (ret.respondent.completed or dt.date.min, ret.built_at, ret.mtime, ret.file)


def resolve_duplicates(returns: list[Return]) -> None:
    """Mark all but the newest return from each partner as superseded, with a finding.

    Newest means: latest "Date completed", then latest build time, then latest file
    modification time. Returns are never merged.
    """
    groups: dict[str, list[Return]] = {}
    for ret in returns:
        if ret.read:
            groups.setdefault(ret.partner_id.casefold(), []).append(ret)
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=_newest_key, reverse=True)
        keeper = ordered[0]
        for old in ordered[1:]:
            if old.sha256 == keeper.sha256:
                why = "an identical copy"
            elif (
                keeper.respondent.completed
                and keeper.respondent.completed != old.respondent.completed
            ):
                why = f"completed {keeper.respondent.completed.isoformat()}"
            elif keeper.built_at != old.built_at:
                why = f"built {keeper.built_at}"
            else:
                why = "saved later"
            old.findings.append(
                finding(
                    Code.SUPERSEDED,
                    old.file,
                    partner=keeper.partner_name,
                    newer=keeper.file,
                    why=why,
                )
            )
            old.status = Status.SUPERSEDED
            old.superseded_by = keeper.path


def read_returns(
    files: Sequence[Path],
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
    workers: int | None = None,
    progress: Callable[[Return], None] | None = None,
) -> list[Return]:
    """Read many returns, each in an isolated worker process, then resolve duplicates.

    A file that crashes, hangs or exhausts its worker is refused with the reason; every
    other file is read as usual. The result is in the order of ``files``, whatever order
    the workers finish in.
    """
    reader = IsolatedReader(
        framework,
        limits or Limits(),
        partners,
        partners_file,
        workers if workers is not None else default_workers(),
    )
    results = reader.read_all([Path(f) for f in files], progress)
    resolve_duplicates(results)
    return results


def check(
    paths: Iterable[str | Path],
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
    workers: int | None = None,
    progress: Callable[[Return], None] | None = None,
) -> CheckResult:
    """Find the returns under ``paths`` and read them all: what ``lsp-xlsx check`` reports."""
    files, ignored = discover(paths)
    returns = read_returns(files, framework, limits, partners, partners_file, workers, progress)
    return CheckResult(returns, ignored, list(partners) if partners is not None else None)
