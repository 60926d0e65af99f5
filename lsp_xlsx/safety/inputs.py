"""Every file a command reads is an input, and no output may land on one, by any route.

The same path, a symlink to it, a hard link to it, a default name in the chosen folder
(``-o board-2027/comparison.xlsx`` puts the tidy table at ``board-2027/responses.csv``),
an output inside a folder being read, or an input inside a folder being written: each is
refused before anything is read, naming both files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lsp_xlsx.core.errors import UsageProblem

#: How the refusal names an input that is one of the returns.
RETURNS = "one of the returns being read"


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's (device, inode): the same for every hard link to it."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat.st_ino else None


def _same(output: Path, target: Path, given: Path, source: Path) -> bool:
    if target == source:
        return True
    mine, theirs = _identity(output), _identity(given)
    return mine is not None and mine == theirs


def check_outputs(
    returns: Sequence[str | Path],
    outputs: Mapping[str, Path],
    others: Mapping[str, Path | None] | None = None,
    folders: Sequence[str] = (),
) -> None:
    """Refuse, before anything is read, outputs that would land on an input or on each other.

    ``returns`` are the files and folders of returns; ``others`` every other input, by
    what it is ("last round's tidy table given with --previous", ...). An output inside a
    returns folder would overwrite a return, or be read as one next time. Raises
    :class:`UsageProblem` naming both paths. ``folders`` names the outputs that are
    folders (the partnerships' folders of a split run): no input may be inside one.
    """
    inputs = [(Path(p), RETURNS) for p in returns]
    inputs += [(p, what) for what, p in (others or {}).items() if p is not None]
    seen: dict[Path, str] = {}
    for what, path in outputs.items():
        target = path.resolve()
        if target in seen:
            raise UsageProblem(
                f"{seen[target]} and {what} would both be written to {path}. Give them "
                "different names (see -o and --responses)."
            )
        seen[target] = what
        for given, role in inputs:
            _check_one(what, path, target, given, role)
            if what in folders and given.resolve().is_relative_to(target):
                raise UsageProblem(
                    f"{what} ({path}) would be written where {given}, {role}, is. "
                    "Write this run's outputs to a new folder (see -o)."
                )


def _check_one(what: str, path: Path, target: Path, given: Path, role: str) -> None:
    source = given.resolve()
    fix = "Write it elsewhere, e.g. -o outputs/comparison.xlsx."
    if role != RETURNS:
        fix = "Write this run's outputs elsewhere (see -o), so the input stays as it is."
    if _same(path, target, given, source):
        if str(path) == str(given):
            raise UsageProblem(f"{what} would be written over {given}, which is {role}. {fix}")
        raise UsageProblem(
            f"{what} would be written over {given} ({role}): {path} is {given} by another "
            f"name. {fix}"
        )
    if source.is_dir() and target.is_relative_to(source):
        if role == RETURNS:
            where = "the folder of returns being read, where it could replace a return or be "
            where += "read as one next time"
        else:
            where = f"{role}, where it could replace one of its files"
        raise UsageProblem(f"{what} ({path}) would be written inside {given}, {where}. {fix}")
