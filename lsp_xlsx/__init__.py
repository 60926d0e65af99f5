"""lsp-xlsx: run a governance self-assessment across a partnership by spreadsheet.

The stable Python API::

    from lsp_xlsx import load_framework, check, collate

    framework = load_framework()
    comparison = collate(check(["returns/"], framework).returns, framework)

The names are imported on first use, so ``import lsp_xlsx`` (and ``lsp-xlsx --help``)
stays fast: pandas is only loaded when a comparison is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsp_xlsx.core.version import __version__

__all__ = ["__version__", "check", "collate", "load_framework", "read_return"]

if TYPE_CHECKING:
    from lsp_xlsx.compare.tables import collate
    from lsp_xlsx.framework.loader import load_framework
    from lsp_xlsx.returns.batch import check
    from lsp_xlsx.returns.reader import read_return

_LAZY = {
    "load_framework": "lsp_xlsx.framework.loader",
    "check": "lsp_xlsx.returns.batch",
    "read_return": "lsp_xlsx.returns.reader",
    "collate": "lsp_xlsx.compare.tables",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lsp_xlsx' has no attribute {name!r}")
