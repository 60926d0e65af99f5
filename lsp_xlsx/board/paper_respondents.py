"""The board paper's lines on partners with several respondents, and on anonymity (issue 25).

One call from :mod:`lsp_xlsx.board.paper`: a short section saying that each partner counts
once, by its position, and, for each partner whose respondents disagree strongly, one line
with counts only (never a person, never a rating). In an anonymous round it says what was
merged and why, so the reader knows why a partner has no column.
"""

from __future__ import annotations

from typing import Any

from lsp_xlsx.board import docx_tables
from lsp_xlsx.compare.rollup import disagreement_lines
from lsp_xlsx.compare.rules import position_rule
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.text import xml_safe


def respondents_section(doc: Any, c: Comparison) -> None:
    """'Respondents within partners': added only when a partner has several respondents
    or the round is anonymous."""
    several = c.rollup is not None and c.rollup.several
    if not several and c.anonymity is None:
        return
    docx_tables.heading(doc, "Respondents within partners", 1)
    if several and c.rollup is not None:
        rule = position_rule(c.rollup.method)
        lines = disagreement_lines(c.rollup)
        if len(lines) == 1:  # one partner: a sentence, not a list of one
            doc.add_paragraph(
                xml_safe(f"{rule} Where a partner's own people disagree strongly: {lines[0]}")
            )
        elif lines:
            doc.add_paragraph(xml_safe(f"{rule} Where a partner's own people disagree strongly:"))
            for line in lines:
                docx_tables.styled(doc, xml_safe(line), "List Bullet")
        else:
            doc.add_paragraph(
                xml_safe(f"{rule} No partner's respondents disagree strongly on any question.")
            )
    if c.anonymity is not None:
        doc.add_paragraph(xml_safe(c.anonymity.note()))
