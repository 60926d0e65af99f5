"""The warning ``build`` gives for a deadline already past (issue 23): the workbooks are
built as asked, since a coordinator may mean it, but never silently."""

from __future__ import annotations

import datetime as dt


def past_deadline(deadline: dt.date | None, today: dt.date) -> list[str]:
    """The warning for a deadline before ``today`` (none for one today or later)."""
    if deadline is None or deadline >= today:
        return []
    return [
        f"the deadline {deadline.day} {deadline:%B %Y} is already past (today is "
        f"{today.day} {today:%B %Y}), and every workbook built says it. If that is not "
        "meant, build again with a later --deadline (with --force for copies not yet sent)."
    ]
