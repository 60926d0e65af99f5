"""Last round's agreed position, followed up: each agreed action with its lead, target date,
status and whether it is due or overdue on the day of the board pack (``--today``).

The agreed position comes from last round's ``agreed.csv`` (what ``lsp-xlsx agree`` wrote);
the statuses from the improvement plan beside it as the coordinator last saved it (read by
:mod:`lsp_xlsx.board.plan_read`, in an isolated worker) or, without one, from the status
columns of ``agreed.csv``. This module only reads the CSV and works out the table; it knows
nothing of workbooks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lsp_xlsx.compare.rules import shown_figure
from lsp_xlsx.core.tidy_files import read_tidy_text

#: The states an agreed action can be in, in the order the plan's dropdown offers them.
STATUSES = ("not started", "in progress", "done", "dropped")
#: Statuses that close an action: it is neither due nor overdue.
CLOSED = ("done", "dropped")
#: An open action whose target date falls within this many days of --today is "due".
DUE_WITHIN_DAYS = 31
#: agreed.csv's follow-up columns, after the agreed position's own (see board/plan.py).
STATUS_COLUMNS = ("owner", "status", "progress_note", "updated")

#: The columns of agreed.csv that the follow-up reads.
NEEDED = ("theme_id", "question_id", "question", "agreed_label", "action", "lead", "target_date")

FOLLOWUP_COLUMNS = (
    "question_id",
    "theme",
    "question",
    "action",
    "lead",
    "owner",
    "target_date",
    "status",
    "due",
    "days",
    "agreed_then",
    "mean_then",
    "mean_now",
    "progress_note",
    "updated",
)


@dataclass(frozen=True)
class PlanStatus:
    """What the coordinator wrote against one agreed action in the improvement plan."""

    owner: str = ""
    status: str = ""
    progress_note: str = ""
    updated: str = ""


def read_agreed_csv(path: Path) -> pd.DataFrame:
    """Last round's agreed.csv, every column as text ('' for empty), with the follow-up
    columns ('' when an older agree wrote it). Raises TidyTableError naming the file."""
    advice = "Give --previous-agreed the agreed.csv that lsp-xlsx agree wrote last round."
    frame = read_tidy_text(path, NEEDED, advice)
    for column in STATUS_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame


def status_key(question_id: str, action: str) -> tuple[str, str]:
    """How a plan row and an agreed.csv row are matched: the question's id and the action
    (whitespace and case aside), so a row with no id, or two actions, still match."""
    return question_id.strip().casefold(), " ".join(action.split()).casefold()


def normal_status(text: str) -> str:
    """The status as one of :data:`STATUSES`, or '' when it is none of them."""
    folded = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    return folded if folded in STATUSES else ""


def _due(status: str, target: str, today: dt.date) -> tuple[str, int | None]:
    """'done', 'dropped', 'overdue', 'due', 'not yet due' or 'no target date', and the days
    to go (negative: overdue by) when there is a date."""
    try:
        when = dt.date.fromisoformat(target)
    except ValueError:
        when = None
    days = (when - today).days if when is not None else None
    if status in CLOSED:
        return status, days
    if days is None:
        return "no target date", None
    if days < 0:
        return "overdue", days
    return ("due" if days <= DUE_WITHIN_DAYS else "not yet due"), days


def followup(
    agreed: pd.DataFrame,
    statuses: dict[tuple[str, str], PlanStatus],
    means: tuple[dict[str, float], dict[str, float]],
    themes: dict[str, str],
    today: dt.date,
) -> pd.DataFrame:
    """Each agreed action of last round (a row of ``agreed`` with an action), with its
    status (from ``statuses``, else agreed.csv's own columns, else 'not started'), due or
    overdue against ``today``, the agreed rating then and the partnership's mean then and
    now (``means``: question id -> mean, last round and this)."""
    rows = []
    then_m, now_m = means
    for record in agreed.to_dict("records"):
        action = str(record["action"])
        if not action.strip():
            continue
        qid = str(record["question_id"])
        own = PlanStatus(*(str(record[c]) for c in STATUS_COLUMNS))
        chosen = statuses.get(status_key(qid, action), own)
        status = normal_status(chosen.status) or ("not started" if not chosen.status else "")
        shown_status = status or chosen.status  # an unrecognised one kept as typed
        due, days = _due(status, str(record["target_date"]), today)
        rows.append(
            {
                "question_id": qid,
                "theme": themes.get(str(record["theme_id"]), str(record["theme_id"])),
                "question": record["question"],
                "action": action,
                "lead": record["lead"],
                "owner": chosen.owner,
                "target_date": record["target_date"],
                "status": shown_status,
                "due": due if status or chosen.status == "" else "status not recognised",
                "days": days,
                "agreed_then": record["agreed_label"],
                "mean_then": then_m.get(qid, math.nan),
                "mean_now": now_m.get(qid, math.nan),
                "progress_note": chosen.progress_note,
                "updated": chosen.updated,
            }
        )
    frame = pd.DataFrame(rows, columns=list(FOLLOWUP_COLUMNS))
    frame["days"] = frame["days"].astype("Int64")
    return frame


@dataclass(frozen=True)
class FollowupCounts:
    """How last round's agreed actions stand: the one count the sheet, the change section
    of the paper and any sentence about them use."""

    total: int
    done: int
    in_progress: int
    not_started: int
    dropped: int
    #: Open (not done or dropped) and past the target date.
    late: int
    #: Open and due within DUE_WITHIN_DAYS.
    due: int
    #: A status typed that is none of STATUSES (kept as typed).
    unrecognised: int

    def sentence(self) -> str:
        """'Of 9 agreed actions, 3 are done, 2 are late and 1 was dropped.'"""
        if not self.total:
            return "Last round's agreed position had no actions."
        action = "action" if self.total == 1 else "actions"

        def say(n: int, one: str, many: str, what: str) -> str:
            # "none is late", not "0 are late": a count a board member reads aloud.
            return f"none {one} {what}" if n == 0 else f"{n} {one if n == 1 else many} {what}"

        parts = [say(self.done, "is", "are", "done"), say(self.late, "is", "are", "late")]
        parts.append(say(self.dropped, "was", "were", "dropped"))
        return f"Of {self.total} agreed {action}, {', '.join(parts[:-1])} and {parts[-1]}."


def followup_counts(table: pd.DataFrame) -> FollowupCounts:
    """The counts of a :func:`followup` table."""
    status, due = list(table["status"]), list(table["due"])
    return FollowupCounts(
        total=len(table),
        done=status.count("done"),
        in_progress=status.count("in progress"),
        not_started=status.count("not started"),
        dropped=status.count("dropped"),
        late=due.count("overdue"),
        due=due.count("due"),
        unrecognised=due.count("status not recognised"),
    )


def shown_days(days: object) -> str:
    """'overdue by 12 days', 'in 5 days', 'today' or ''."""
    if days is None or days is pd.NA or (isinstance(days, float) and math.isnan(days)):
        return ""
    n = int(days)  # type: ignore[call-overload]
    if n == 0:
        return "today"
    word = "day" if abs(n) == 1 else "days"
    return f"overdue by {-n} {word}" if n < 0 else f"in {n} {word}"


def mean_text(value: object) -> str:
    """A mean as the sheets show it, '' for none (one rounding: rules.shown_figure)."""
    return shown_figure(value)
