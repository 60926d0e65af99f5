"""Many returns: find them in folders, read them (in parallel when there are many), and decide
which one counts when a partner sent more than one."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from lsp_xlsx.core.files import OWN_WORKBOOK_MARK
from lsp_xlsx.core.findings import Code, finding
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.isolation import IsolatedReader, default_workers
from lsp_xlsx.returns.model import CheckResult, Return, Status
from lsp_xlsx.returns.overrides import Overrides, apply_overrides, is_overrides_file
from lsp_xlsx.returns.respondents import assign_respondents, respondent_key, shown_as
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.returns.verify import IssuedCopies, check_round, hold_unverified, verify_identity
from lsp_xlsx.workbook.manifest import ManifestEntry

#: Files no partner sends: operating-system clutter, whatever the folder.
SYSTEM_FILES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", ".directory"}
#: The tool's own outputs, recognised by name and first line, never read as returns.
OWN_CSV_HEADERS = {
    "responses.csv": b"partner_id,partner,sector,theme_id,",
    "manifest.csv": b"partner_id,partner,file,sha256,",
    "sent.csv": b"partner_id,partner,email,time,",
    "collected.csv": b"account,folder,uidvalidity,uid,",  # collect's ledger (issue 24)
}


def is_clutter(name: str) -> bool:
    """Editor lock files and hidden system files: never a return, never reported."""
    lowered = name.casefold()
    return (
        lowered in SYSTEM_FILES
        or lowered.startswith(("~$", "._"))  # Office lock files, macOS resource forks
        or (lowered.startswith(".~lock.") and lowered.endswith("#"))  # LibreOffice locks
    )


def is_own_output(path: Path) -> bool:
    """True for a comparison workbook, tidy table, manifest or send log this tool wrote."""
    header = OWN_CSV_HEADERS.get(path.name.casefold())
    try:
        if header is not None:
            with path.open("rb") as handle:
                return handle.read(len(header) + 3).lstrip(b"\xef\xbb\xbf").startswith(header)
        if path.suffix.casefold() == ".xlsx":
            # The mark is the zip's comment, the file's last bytes: one small read a file,
            # where opening each return as a zip cost a second a thousand returns.
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - len(OWN_WORKBOOK_MARK)))
                return handle.read() == OWN_WORKBOOK_MARK
    except OSError:
        return False
    return False


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Every file to read, and the tool's own outputs found in the folders (not read).

    Every regular file under a folder is read (or refused with a reason) whatever it is
    called, except lock files and system clutter (:func:`is_clutter`) and the tool's own
    outputs (:func:`is_own_output`). Hidden folders are not searched. An Apple Numbers
    package (a folder ending in .numbers) is one file. Files named directly are always
    read. The order is stable: sorted by path.
    """
    files: list[Path] = []
    own: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir() or path.suffix.casefold() == ".numbers":
            files.append(path)
            continue
        for root, dirs, names in os.walk(path):
            packages = [d for d in dirs if d.casefold().endswith(".numbers")]
            files.extend(Path(root) / d for d in packages)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in packages)
            for name in sorted(names):
                candidate = Path(root) / name
                if is_clutter(name) or is_overrides_file(root, path, name):
                    continue  # overrides.csv: the coordinator's decisions, not a return
                if not candidate.is_file():
                    continue
                (own if is_own_output(candidate) else files).append(candidate)
    unique = list(dict.fromkeys(files))
    return sorted(unique, key=lambda p: str(p)), sorted(own, key=lambda p: str(p))


def _newest_key(ret: Return) -> tuple[dt.date, str, float, str]:
    return (ret.respondent.completed or dt.date.min, ret.built_at, ret.mtime, ret.file)


def resolve_duplicates(returns: list[Return]) -> None:
    """Mark all but the newest return from each respondent as superseded, with a finding.

    A respondent is a partner, or one person of a partner with several (``respondent_id``,
    see :mod:`~lsp_xlsx.returns.respondents`): two people's returns never supersede each
    other. Newest means: latest "Date completed", then latest build time, then latest file
    modification time. Returns are never merged.
    """
    groups: dict[tuple[str, str], list[Return]] = {}
    for ret in returns:
        if ret.counts:  # a held return never supersedes, and is never superseded
            groups.setdefault(respondent_key(ret), []).append(ret)
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
                    partner=shown_as(keeper),
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
    resolve: bool = True,
) -> list[Return]:
    """Read many returns, each in an isolated worker process, then (unless ``resolve`` is
    False) resolve duplicates.

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
    assign_respondents(results, partners)
    if resolve:
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
    issued: Mapping[str, ManifestEntry] | None = None,
    round_label: str | None = None,
    overrides: Overrides | None = None,
    found: tuple[list[Path], list[Path]] | None = None,
) -> CheckResult:
    """Find the returns under ``paths`` and read them all: what ``lsp-xlsx check`` reports.

    ``issued`` (from :func:`~lsp_xlsx.workbook.manifest.issued_copies`) verifies that each
    return comes from a copy issued to the partner it claims to be. ``found`` is what
    :func:`discover` found under ``paths``, when the caller already looked.
    """
    files, ignored = found if found is not None else discover(paths)
    returns = read_returns(
        files, framework, limits, partners, partners_file, workers, progress, resolve=False
    )
    notes = verify_identity(returns, issued)
    chosen = check_round(returns, round_label)
    hold_unverified(returns, manifest=issued is not None)
    applied = apply_overrides(returns, overrides, partners) if overrides else None
    returns = applied.returns if applied else returns
    resolve_duplicates(returns)
    listed = list(partners) if partners is not None else None
    run = issued.findings() if isinstance(issued, IssuedCopies) else []
    result = CheckResult(returns, ignored, listed, notes, chosen, run)
    if applied:  # the coordinator's decisions (returns/overrides.py)
        result.run_findings += applied.findings
        result.decisions += applied.decisions
    return result
