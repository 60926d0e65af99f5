"""Limits on the small files the tool reads back from disk: the manifest, the send log and
e-mail templates.

A file the tool wrote may since have been edited, re-saved by Excel or replaced, so it
is read as untrusted input: at most so many bytes, rows and characters per field, far
beyond real use. Each limit can be raised through the environment variable named in
:data:`ENVIRONMENT`, for the rare run that needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: (environment variable, default) for each limit.
ENVIRONMENT = {
    "max_bytes": ("LSP_XLSX_MAX_TABLE_BYTES", 64 * 1024 * 1024),
    "max_rows": ("LSP_XLSX_MAX_TABLE_ROWS", 500_000),
    "max_field": ("LSP_XLSX_MAX_TABLE_FIELD", 32_767),
    "max_template_bytes": ("LSP_XLSX_MAX_TEMPLATE_BYTES", 65_536),
}


@dataclass(frozen=True)
class InputLimits:
    """How much of the manifest, the send log or a template is read at most."""

    max_bytes: int
    max_rows: int
    max_field: int
    max_template_bytes: int

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> InputLimits:
        """The defaults, each raised (or lowered) by its environment variable when set."""
        env = os.environ if environ is None else environ
        values = {}
        for key, (variable, default) in ENVIRONMENT.items():
            text = env.get(variable, "").strip()
            values[key] = int(text) if text.isdigit() and int(text) > 0 else default
        return cls(**values)


def variable(key: str) -> str:
    """The environment variable that raises the limit ``key``."""
    return ENVIRONMENT[key][0]
