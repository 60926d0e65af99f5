"""Exceptions that stop a whole operation.

A problem inside one returned workbook is never an exception: it is a
:class:`~lsp_xlsx.core.findings.Finding`. These are for what stops the run as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lsp_xlsx.core.findings import Finding


class LspXlsxError(Exception):
    """Base class of every error this package raises on purpose."""


class FindingsError(LspXlsxError):
    """An input file had one or more errors; every one is listed."""

    def __init__(self, what: str, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        lines = [f.message for f in self.findings]
        super().__init__(f"{what}:\n" + "\n".join(f"  - {line}" for line in lines))


class FrameworkError(FindingsError):
    """The framework folder could not be loaded."""


class PartnersError(FindingsError):
    """The partners CSV could not be loaded."""


class OutputExistsError(LspXlsxError):
    """Writing would overwrite files that may already have been sent."""


class ManifestError(LspXlsxError):
    """manifest.csv in the copies folder is missing a column or holds a value it cannot."""


class TemplateError(LspXlsxError):
    """An e-mail template is unreadable or uses an unknown placeholder."""


class MailError(LspXlsxError):
    """Mail could not be sent at all (connection or authentication failed)."""
