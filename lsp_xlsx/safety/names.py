"""The names of the tool's outputs, and the dated names it keeps a person's file under."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

COMPARISON_NAME = "comparison.xlsx"
RESPONSES_NAME = "responses.csv"
BOARD_PAPER_NAME = "board-paper.docx"
AGREED_CSV_NAME = "agreed.csv"
PLAN_NAME = "improvement-plan.xlsx"
#: What the tool wrote into a folder, and which run wrote it (see :mod:`.written`).
STATE_NAME = ".lsp-xlsx-written.json"


def dated_name(
    path: Path,
    today: dt.date | None = None,
    tag: str = "",
    usable: Callable[[Path], bool] = lambda p: not p.exists(),
) -> Path:
    """``board-paper-2026-12-01.docx`` (with ``tag``: ``comparison-previous-2026-12-01.xlsx``)
    beside ``path``: the first of it, ``...-2``, ``...-3`` that ``usable`` accepts (by
    default, one that does not exist)."""
    day = (today or dt.date.today()).isoformat()
    stem = f"{path.stem}-{tag}-{day}" if tag else f"{path.stem}-{day}"
    candidate, n = path.with_name(f"{stem}{path.suffix}"), 2
    while not usable(candidate):
        candidate, n = path.with_name(f"{stem}-{n}{path.suffix}"), n + 1
    return candidate
