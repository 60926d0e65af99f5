"""Findings: every problem found in an input file, as data.

A :class:`Finding` names the file, the sheet and the cell, and keeps the values that went
into its message (``params``), so JSON users get the rating that was typed and the labels
allowed, not only an English sentence. Messages come from the one catalogue
(:mod:`lsp_xlsx.core.catalogue`), so a message and its test are built from the same
template and never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lsp_xlsx.core.catalogue import Code, Severity

__all__ = ["Code", "Finding", "Severity", "finding", "place"]


@dataclass(frozen=True)
class Finding:
    """One problem in one place. ``message`` names the place first and the fix last."""

    severity: Severity
    code: Code
    file: str
    sheet: str
    cell: str
    message: str
    #: The values the message template was filled with, by placeholder name.
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON and tables; ``params`` values are JSON-safe."""
        return {
            "severity": str(self.severity),
            "code": str(self.code),
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "params": {k: _plain(v) for k, v in self.params.items()},
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def place(file: str, sheet: str = "", cell: str = "") -> str:
    """The words that start a message: 'return.xlsx, sheet '1 Outcomes', cell C5'."""
    parts = [file] if file else []
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if cell:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


def finding(
    code: Code,
    file: str,
    sheet: str = "",
    cell: str = "",
    *,
    where: str | None = None,
    **params: Any,
) -> Finding:
    """Build a finding from the catalogue: the place, then what is wrong, then the fix.

    ``where`` overrides the place words, e.g. "questions.csv, line 5, column 'text'" for CSV
    files, whose ``cell`` is still recorded in A1 form. ``params`` fill the template and are
    kept on the finding.
    """
    if where is None:
        where = place(file, sheet, cell)
    text = code.template.format(**params)
    message = f"{where}: {text}" if where else text
    return Finding(code.severity, code, file, sheet, cell, message, dict(params))
