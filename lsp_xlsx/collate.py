"""Kept so that scripts written against earlier releases still work.

``from lsp_xlsx.collate import collate`` is the old documented path; the code lives in
:mod:`lsp_xlsx.compare`. New code should import from there, or use
``from lsp_xlsx import collate``.
"""

import sys
import types
from typing import Any

from lsp_xlsx.compare.tables import TIDY_COLUMNS, Comparison, collate, write_responses_csv

__all__ = ["TIDY_COLUMNS", "Comparison", "collate", "write_responses_csv"]


class _CallableModule(types.ModuleType):
    """``lsp_xlsx.collate`` is this module and, from ``from lsp_xlsx import collate``, also
    the function: importing the module sets the package attribute to the module, so the
    module must answer calls as the function does."""

    def __call__(self, *args: Any, **kwargs: Any) -> Comparison:
        return collate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
