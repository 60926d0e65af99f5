"""What ``agree`` says in the workshop's words: the Agreed sheet is the board's, filled in at
the workshop, so a message never tells the coordinator to "ask the partner" about it, and
a sheet with nothing on it is said to be so (issue 23)."""

from __future__ import annotations

import dataclasses

from lsp_xlsx.board.agree import Agreed
from lsp_xlsx.core.findings import Finding

#: The partner's words in the shared templates (a return's refusals and ratings), and the
#: workshop's words for the same fix on the Agreed sheet.
_WORKSHOP_WORDS = (
    ("Ask the partner to send the workbook itself", "Give agree the comparison workbook itself"),
    ("Ask the partner to save and send it again", "Save the workshop's copy again"),
    ("Ask the partner to send it again", "Save the workshop's copy again"),
    ("Ask the partner for a copy without", "Save the workshop's copy without"),
    ("Ask the partner to ", "Open the workshop's copy and "),
    ("Ask the partner", "Check the workshop's copy"),
    ("ask the partner", "check the workshop's copy"),
    ("the partner's", "the workshop's"),
    ("the partner", "the workshop"),
)


def in_workshop_words(finding: Finding) -> Finding:
    """The finding with its message about the workshop's copy, not a partner's return."""
    message = finding.message
    for partner, workshop in _WORKSHOP_WORDS:
        message = message.replace(partner, workshop)
    return finding if message == finding.message else dataclasses.replace(finding, message=message)


def nothing_agreed(agreed: Agreed) -> bool:
    """True when the Agreed sheet was read but holds no agreed rating and no action."""
    if agreed.refused:
        return False
    every = agreed.rows + agreed.unmatched
    return not any(r.agreed_label or r.agreed_raw or r.action.strip() for r in every)


def nothing_agreed_message(agreed: Agreed) -> str:
    """The one line ``agree`` prints for an empty Agreed sheet."""
    return (
        f"{agreed.path}: nothing agreed yet: the Agreed sheet has no agreed rating and no "
        "action, so agreed.csv and the plan list the questions with nothing agreed. Fill in "
        "the sheet at the workshop, save it, and run agree again."
    )
