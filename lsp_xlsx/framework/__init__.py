"""Stage 1, the coordinator's inputs: the framework folder and partners.csv, validated.

:func:`load_framework` reads a framework folder into a :class:`Framework`;
:func:`load_partners` reads partners.csv into a list of :class:`Partner`. Both read CSV
through :mod:`lsp_xlsx.framework.csvfile`, so every CSV problem is reported the same way.
"""

from lsp_xlsx.framework.loader import DEFAULT_FRAMEWORK, load_framework
from lsp_xlsx.framework.model import Framework, Question, ScaleOption, Theme, iter_intro_blocks
from lsp_xlsx.framework.partners import Partner, load_partners

__all__ = [
    "DEFAULT_FRAMEWORK",
    "Framework",
    "Partner",
    "Question",
    "ScaleOption",
    "Theme",
    "iter_intro_blocks",
    "load_framework",
    "load_partners",
]
