"""The tool's version, below every stage, so that a stage names it without importing the
package's own ``__init__`` (an arrow back up the pipeline). ``lsp_xlsx.__version__`` is
this same value."""

from __future__ import annotations

__version__ = "0.1.0"
