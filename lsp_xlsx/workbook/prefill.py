"""Last round's answers, to pre-fill this round's workbooks: partners update, not retype.

:func:`load_prefill` reads last round's tidy table (``responses.csv``) into a
:class:`Prefill` per partner. The builder puts the rating label in a read-only "Last
rating" column and the texts in the answer cells; "Rating" is left empty, so that every
partner re-rates deliberately. A question new in this framework version gets nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.core.errors import LspXlsxError, TidyTableError

#: What is carried over: the tidy table's column -> the theme sheet's column key.
CARRIED = {
    "rating_label": "last_rating",
    "evidence": "evidence",
    "evidence_source": "evidence_source",
    "improvement_action": "improvement_action",
    "lead": "lead",
    "target_date": "target_date",
}


class PrefillError(LspXlsxError):
    """Last round's responses.csv cannot be used to pre-fill."""


@dataclass(frozen=True)
class Prefill:
    """One partner's answers from last round, by question id and column key."""

    round: str
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The table's column names and rows, from CSV or (a name ending .parquet) Parquet."""
    if path.suffix.casefold() == ".parquet":
        # Imported here: pyarrow is large, and most builds pre-fill from nothing or a CSV.
        from lsp_xlsx.core.tidy_files import read_tidy_text

        advice = "Give --prefill last round's responses.csv (or .parquet), as collate wrote it."
        frame = read_tidy_text(path, advice=advice)
        return list(frame.columns), frame.to_dict("records")  # type: ignore[return-value]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def load_prefill(path: Path) -> dict[str, Prefill]:
    """Last round's answers, by partner id (case as written), from its responses.csv."""
    try:
        fields, rows = _rows(path)
    except TidyTableError as exc:
        raise PrefillError(str(exc)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PrefillError(
            f"{path}: cannot read it ({exc}). Give --prefill last round's responses.csv."
        ) from exc
    missing = [c for c in ("partner_id", "question_id", *CARRIED) if c not in fields]
    if missing:
        raise PrefillError(
            f"{path}, line 1: the column(s) {', '.join(missing)} are missing. Give "
            "--prefill the responses.csv that last round's collate wrote."
        )
    answers: dict[str, dict[str, dict[str, str]]] = {}
    rounds: dict[str, str] = {}
    for row in rows:
        pid = row["partner_id"]
        carried = {key: row.get(column) or "" for column, key in CARRIED.items()}
        answers.setdefault(pid, {})[row["question_id"]] = carried
        rounds.setdefault(pid, row.get("round") or "")
    return {pid: Prefill(rounds[pid] or "last round", qs) for pid, qs in answers.items()}
