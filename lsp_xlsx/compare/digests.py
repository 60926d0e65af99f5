"""What the board reads after the scores: the agenda, the action plan and the returns table."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from lsp_xlsx.compare.rules import PartnerColumn, disagrees, shown_figure, where_partners_are
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.model import Return

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
AGENDA_SIZE = 10
#: The agenda's order in words, for the Agenda sheet and the paper.
AGENDA_ORDER = (
    "Questions where partners disagree come first, the least agreement first; then the "
    "lowest mean score."
)


def agenda(
    stats: pd.DataFrame,
    framework: Framework,
    partners: list[PartnerColumn] | None = None,
    size: int = AGENDA_SIZE,
) -> pd.DataFrame:
    """The questions to discuss first: those where partners disagree (least agreement,
    r_wg, first), then the lowest mean. Each row's reason says who is where on the scale.
    The question is shown whole, with its stem."""
    scored = stats[stats["mean"].notna()].copy()
    if scored.empty:
        return scored.assign(reason=pd.Series(dtype=object))
    scored["order"] = range(len(scored))
    flagged = scored["agreement"].map(disagrees)
    scored["_rank"] = (~flagged).astype(int)
    scored["_agreement"] = scored["agreement"].where(flagged, 0.0)
    lowest_in_theme = scored.groupby("theme")["mean"].transform("min") == scored["mean"]
    ranked = scored.sort_values(["_rank", "_agreement", "mean", "order"], kind="mergesort").head(
        size
    )
    overall = scored["mean"].mean()
    ids = [p.partner_id for p in partners or [] if p.partner_id in stats.columns]
    names = {p.partner_id: p.name for p in partners or []}
    reasons = []
    for qid, row in ranked.iterrows():
        parts = []
        if disagrees(float(row["agreement"])):
            present = [(float(row[i]), names[i]) for i in ids if _is_score(row[i])]
            where = where_partners_are([v for v, _ in present], [n for _, n in present], framework)
            parts.append(f"split: {where}")
        if bool(lowest_in_theme.loc[str(qid)]):
            number = framework.theme_of[str(qid)].number
            parts.append(f"lowest-rated in theme {number}")
        if not parts:
            if row["mean"] < overall:
                mean, average = shown_figure(row["mean"]), shown_figure(overall)
                parts.append(f"mean {mean}, below the partnership's {average}")
            else:
                parts.append(f"mean {shown_figure(row['mean'])}; partners broadly agree")
        reasons.append("; ".join(parts))
    ranked = ranked.drop(columns=["order", "_rank", "_agreement"])
    ranked["question"] = ranked["question_whole"]
    ranked["reason"] = reasons
    return ranked


def _is_score(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(float(value))


def _sort_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def evidence_table(tidy: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The Evidence sheet's rows: one per answer (per respondent), each question whole."""
    keys = ["partner", "theme", "question_id", "question", "rating_label", "evidence"]
    # extra_text: what a partner wrote outside the answer columns (issue 23), never dropped.
    evidence = tidy[[*keys, "evidence_source", "extra_text"]].reset_index(drop=True)
    # The question with its stem: the Evidence sheet has no parent row beside it. Mapped
    # over the categories, so once per question, not per answer.
    evidence["question"] = evidence["question_id"].map(framework.whole_text)
    return evidence


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
    acts["question"] = acts["question_id"].map(framework.whole_text)  # with its stem
    return acts[list(ACTION_COLUMNS)].reset_index(drop=True)


def _respondent_order(ret: Return) -> tuple[str, str]:
    return (ret.respondent_id, ret.file)


def returns_table(
    returns: list[Return], columns: list[PartnerColumn], not_returned: list[PartnerColumn]
) -> pd.DataFrame:
    # A row per counted return: a partner with several respondents has a row for each.
    counted: dict[str, list[Return]] = {}
    for r in returns:
        if r.counts:
            counted.setdefault(r.partner_id.casefold(), []).append(r)
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
                "findings": ret.finding_total if ret else 0,
            }
        )

    order = {p.partner_id.casefold(): p for p in columns + not_returned}
    for partner in columns + not_returned:
        rets = sorted(counted.get(partner.partner_id.casefold(), []), key=_respondent_order)
        for ret in rets:
            add(partner, ret, str(ret.status))
        if not rets:
            add(partner, None, "not returned")
    for ret in returns:
        if not ret.counts:
            owner = order.get(ret.partner_id.casefold()) if ret.read else None
            add(owner, ret, str(ret.status))
    frame = pd.DataFrame(rows)
    for col in ("answered", "rated_total", "findings"):
        frame[col] = frame[col].astype("Int64")
    return frame
