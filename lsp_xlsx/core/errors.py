"""Exceptions that stop a whole operation.

A problem inside one returned workbook is never an exception: it is a
:class:`~lsp_xlsx.core.findings.Finding`. These are for what stops the run as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsp_xlsx.core.words import counted

if TYPE_CHECKING:
    from lsp_xlsx.core.findings import Finding


class LspXlsxError(Exception):
    """Base class of every error this package raises on purpose."""


class FindingsError(LspXlsxError):
    """An input file had one or more errors; every finding is listed, errors first.

    The heading counts exactly what is listed: "partners.csv has 4 errors and 1 warning".
    """

    def __init__(self, subject: str, findings: Sequence[Finding]) -> None:
        order = {"error": 0, "warning": 1, "info": 2}
        self.findings = sorted(findings, key=lambda f: order.get(str(f.severity), 3))
        # Each severity counted under its own word: a note is never counted as a warning.
        words = (("error", "error"), ("warning", "warning"), ("info", "note"))
        parts = [
            counted(n, word)
            for severity, word in words
            if (n := sum(1 for f in self.findings if f.severity == severity)) or word == "error"
        ]
        counts = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        lines = [f"  - {f.severity}: {f.message}" for f in self.findings]
        super().__init__(f"{subject} has {counts}:\n" + "\n".join(lines))


class FrameworkError(FindingsError):
    """The framework folder could not be loaded."""


class PartnersError(FindingsError):
    """The partners CSV could not be loaded."""


class UsageProblem(LspXlsxError):
    """The command was asked to do something unsafe, e.g. to write over one of its inputs.

    Found before anything is read or written; the command line exits with status 2.
    """


class OutputError(LspXlsxError):
    """An output file could not be written; the command line exits with status 3."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"Could not write {path}: {reason}. Check the folder exists and is writable, "
            "that the disk has room, and that the file is not open in another program."
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from (path, reason), so that it crosses back from a worker process.
        return (type(self), (self.path, self.reason))


class OutputBlocked(OutputError):
    """An output cannot be written now: open in another program, or another run is writing
    into its folder. Exit status 3, with a message that says who and what to do."""

    def __init__(self, path: object, message: str) -> None:
        LspXlsxError.__init__(self, message)
        self.path = path
        self.reason = message

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.reason))


class SendLogError(LspXlsxError):
    """The send log cannot be read, or holds more than the limits allow."""


class OutputExistsError(LspXlsxError):
    """Writing would overwrite files that may already have been sent."""


class TidyTableError(LspXlsxError):
    """Last round's tidy table (responses.csv or .parquet) cannot be read or lacks a column."""


class ManifestError(LspXlsxError):
    """manifest.csv in the copies folder is missing a column or holds a value it cannot."""


class TemplateError(LspXlsxError):
    """An e-mail template is unreadable or uses an unknown placeholder."""


class MailError(LspXlsxError):
    """Mail could not be sent at all (connection or authentication failed)."""
