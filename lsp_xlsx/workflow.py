"""The coordinator's steps end to end, each one library call for the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lsp_xlsx.collate import Comparison, collate, write_responses_csv
from lsp_xlsx.framework import Framework
from lsp_xlsx.ingest import CheckResult, Return, check
from lsp_xlsx.partners import Partner
from lsp_xlsx.report import save_comparison
from lsp_xlsx.sniff import Limits


@dataclass
class CollateOutcome:
    """What collate read and wrote. ``comparison`` is None when no return could be read."""

    check: CheckResult
    comparison: Comparison | None
    workbook: Path | None
    responses: Path | None

    @property
    def exit_code(self) -> int:
        """The same rule as check: 1 when a file was refused or a counted return has errors."""
        return self.check.exit_code


def collate_paths(
    paths: Iterable[str | Path],
    framework: Framework,
    output: Path,
    responses: Path | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
    limits: Limits | None = None,
    progress: Callable[[Return], None] | None = None,
) -> CollateOutcome:
    """Read every return as check does; when at least one was read, write the comparison
    workbook to ``output`` and the tidy CSV to ``responses`` (default: beside it)."""
    result = check(paths, framework, limits, partners, partners_file, progress=progress)
    if not result.counted:
        return CollateOutcome(result, None, None, None)
    responses = responses or output.with_name("responses.csv")
    comparison = collate(result.returns, framework, partners, responses_name=responses.name)
    workbook = save_comparison(comparison, output)
    responses.parent.mkdir(parents=True, exist_ok=True)
    write_responses_csv(comparison, responses)
    return CollateOutcome(result, comparison, workbook, responses)
