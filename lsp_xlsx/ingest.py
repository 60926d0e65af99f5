"""Kept so that scripts written against earlier releases still work.

``from lsp_xlsx.ingest import check, read_return`` is the old documented path; the code
lives in :mod:`lsp_xlsx.returns`. New code should import from there, or use
``from lsp_xlsx import check``.
"""

from lsp_xlsx.returns.batch import check, discover, read_returns, resolve_duplicates
from lsp_xlsx.returns.model import CheckResult, Respondent, Response, Return, Status
from lsp_xlsx.returns.reader import read_return

__all__ = [
    "CheckResult",
    "Respondent",
    "Response",
    "Return",
    "Status",
    "check",
    "discover",
    "read_return",
    "read_returns",
    "resolve_duplicates",
]
