"""What the board reads after the scores: the agenda, the action plan and the returns table."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.model import Return

if TYPE_CHECKING:
    from lsp_xlsx.compare.tables import PartnerColumn

#: The action plan's columns, in the order the Action plan sheet shows them.
ACTION_COLUMNS = (
    "target_date",
    "partner",
    "theme",
    "question_id",
    "question",
    "improvement_action",
    "lead",
    "rating_label",
)
#: Spread at which partners are said to disagree on a question.
DISAGREEMENT_SPREAD = 2
AGENDA_SIZE = 10


def agenda(stats: pd.DataFrame, framework: Framework, size: int = AGENDA_SIZE) -> pd.DataFrame:
    """The questions to discuss first: largest spread, then lowest mean."""
    scored = stats[stats["mean"].notna()].copy()
    if scored.empty:
        return scored.assign(reason=pd.Series(dtype=object))
    scored["order"] = range(len(scored))
    lowest_in_theme = scored.groupby("theme")["mean"].transform("min") == scored["mean"]
    ranked = scored.sort_values(
        ["spread", "mean", "order"], ascending=[False, True, True], kind="mergesort"
    ).head(size)
    reasons = []
    overall = scored["mean"].mean()
    for qid, row in ranked.iterrows():
        parts = []
        if row["spread"] >= DISAGREEMENT_SPREAD:
            parts.append(f"partners differ by {row['spread']:g} points")
        if bool(lowest_in_theme.loc[str(qid)]):
            number = framework.theme_of[str(qid)].number
            parts.append(f"lowest-rated in theme {number}")
        if not parts:
            if row["mean"] < overall:
                parts.append(f"mean {row['mean']:.1f}, below the partnership's {overall:.1f}")
            else:
                parts.append(f"partners differ by {row['spread']:g} point(s)")
        reasons.append("; ".join(parts))
    ranked = ranked.drop(columns=["order"])
    ranked["reason"] = reasons
    return ranked


def _sort_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def actions_table(
    tidy: pd.DataFrame, columns: list[PartnerColumn], framework: Framework
) -> pd.DataFrame:
    acts = tidy[tidy["improvement_action"] != ""].copy()
    partner_rank = {p.partner_id: i for i, p in enumerate(columns)}
    question_rank = {q.id: i for i, q in enumerate(framework.questions)}
    acts["_date"] = acts["target_date"].map(_sort_date)
    acts["_undated"] = acts["_date"].isna()
    acts["_date"] = acts["_date"].map(lambda d: d or dt.date.max)
    acts["_p"] = acts["partner_id"].map(partner_rank)
    acts["_q"] = acts["question_id"].map(question_rank)
    acts = acts.sort_values(["_undated", "_date", "_p", "_q"], kind="mergesort")
    return acts[list(ACTION_COLUMNS)].reset_index(drop=True)


def returns_table(
    returns: list[Return], columns: list[PartnerColumn], not_returned: list[PartnerColumn]
) -> pd.DataFrame:
    counted = {r.partner_id.casefold(): r for r in returns if r.counts}
    rows: list[dict[str, object]] = []

    def add(partner: PartnerColumn | None, ret: Return | None, status: str) -> None:
        rated_total = ret.rated_total if ret else None
        answered = ret.answered if ret and ret.read else None
        rows.append(
            {
                "partner_id": partner.partner_id if partner else (ret.partner_id if ret else ""),
                "partner": partner.name if partner else (ret.partner_name if ret else ""),
                "sector": partner.sector if partner else "",
                "file": ret.file if ret else "",
                "respondent": ret.respondent.name if ret else "",
                "completed": (
                    ret.respondent.completed.isoformat()
                    if ret and ret.respondent.completed
                    else (ret.respondent.completed_raw if ret else "")
                ),
                "answered": answered,
                "rated_total": rated_total if ret and ret.read else None,
                "percent": (answered / rated_total)
                if answered is not None and rated_total
                else None,
                "status": status,
                "findings": len(ret.findings) if ret else 0,
            }
        )

    order = {p.partner_id.casefold(): p for p in columns + not_returned}
    for partner in columns + not_returned:
        ret = counted.get(partner.partner_id.casefold())
        add(partner, ret, str(ret.status) if ret else "not returned")
    for ret in returns:
        if not ret.counts:
            owner = order.get(ret.partner_id.casefold()) if ret.read else None
            add(owner, ret, str(ret.status))
    frame = pd.DataFrame(rows)
    for col in ("answered", "rated_total", "findings"):
        frame[col] = frame[col].astype("Int64")
    return frame
