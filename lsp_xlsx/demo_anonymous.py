"""``lsp-xlsx demo --anonymous``: the demo's round, collated as an anonymous round.

Kept beside :func:`lsp_xlsx.workflow.demo` rather than inside it, so the workflow module
stays small: the same synthetic partners and returns, collated with
``BoardOptions(anonymous=True)``, and the private key map ``respondent-keys.csv`` beside
the tidy table. The mail-and-collect part of the demo is left out: it shows the
coordinator's side, which an anonymous round does not change.
"""

from __future__ import annotations

from pathlib import Path

from lsp_xlsx.collate_outputs import BoardOptions
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import load_partners
from lsp_xlsx.safety.inputs import check_outputs
from lsp_xlsx.workflow import DEMO_DIR, DemoOutcome, collate_returns


def demo_anonymous(
    framework: Framework, out: Path = DEMO_DIR, count: int = 12, seed: int = 2009
) -> DemoOutcome:
    """Write the demo's partners and returns under ``out`` and collate them anonymously."""
    from lsp_xlsx.demo import make_demo

    mine = {"the demo's folder": out}
    check_outputs([], mine, {"the framework folder": framework.path}, folders=list(mine))
    files = make_demo(framework, out, count, seed)
    partners = load_partners(files.partners_csv)
    collated = collate_returns(
        [files.returns_dir],
        framework,
        out / "comparison.xlsx",
        partners=partners,
        board=BoardOptions(anonymous=True),
    )
    return DemoOutcome(files, collated)
