"""Collate returns into pandas tables: the tidy table and every summary the board sees.

:func:`collate` returns a :class:`Comparison` whose DataFrames are what the comparison
workbook shows, so analysts get the same numbers from Python.

How the numbers are made:

* Only scored answers count in means; unscored answers ("Don't know", "Not applicable")
  are counted in their own columns; unrecognised ratings are left out (and listed in
  Findings); unrated stems are never scored.
* A partner's theme score is the mean of its scores on the theme's rated questions.
* The partnership's theme mean is the mean of the partners' theme scores, so each partner
  counts once whatever it answered. Min, max and spread (max − min) are over partners.
* Question statistics are over the partners' scores; the standard deviation is the
  sample one (n − 1), empty when fewer than two partners scored the question.
* A question is flagged for disagreement when its spread is 2 points or more.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from lsp_xlsx import contract as C
from lsp_xlsx.findings import Code, Finding, finding
from lsp_xlsx.framework import Framework
from lsp_xlsx.ingest import Return, Status
from lsp_xlsx.partners import Partner
from lsp_xlsx.safetext import safe_text

#: The tidy table's columns, in order. A contract: scripts rely on them.
TIDY_COLUMNS = (
    "partner_id",
    "partner",
    "sector",
    "theme_id",
    "theme",
    "question_id",
    "parent_id",
    "question",
    "rated",
    "rating",
    "rating_label",
    "rating_raw",
    "evidence",
    "evidence_source",
    "improvement_action",
    "lead",
    "target_date",
    "respondent",
    "source_file",
    "source_sha256",
    "framework_id",
    "framework_version",
)
TEXT_COLUMNS = ("rating_raw", *C.TEXT_KEYS, "target_date")
#: Spread at which partners are said to disagree on a question.
DISAGREEMENT_SPREAD = 2
AGENDA_SIZE = 10


@dataclass(frozen=True)
class PartnerColumn:
    """A partner as it appears across the comparison, in display order."""

    partner_id: str
    name: str
    sector: str


@dataclass
class Comparison:
    """Everything the comparison workbook shows, as data."""

    framework: Framework
    returns: list[Return]
    partners: list[PartnerColumn]
    #: Partners from partners.csv with no return that counts.
    not_returned: list[PartnerColumn]
    responses: pd.DataFrame
    theme_scores: pd.DataFrame
    sector_scores: pd.DataFrame
    question_stats: pd.DataFrame
    agenda: pd.DataFrame
    evidence: pd.DataFrame
    actions: pd.DataFrame
    returns_table: pd.DataFrame
    made_at: str
    responses_name: str = "responses.csv"
    partners_given: bool = False
    #: Problems found while preparing the output (text cut or characters replaced).
    output_findings: list[Finding] = field(default_factory=list)

    @property
    def counted(self) -> list[Return]:
        """Returns that count: read and not superseded."""
        return [r for r in self.returns if r.status not in (Status.REFUSED, Status.SUPERSEDED)]

    @property
    def findings(self) -> list[Finding]:
        """Every finding: from reading, then from preparing the output."""
        return [f for r in self.returns for f in r.findings] + self.output_findings


def made_at_now() -> str:
    """The time of making, in UTC; SOURCE_DATE_EPOCH fixes it for reproducible outputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    ).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _partner_columns(
    counted: list[Return], partners: Sequence[Partner] | None
) -> tuple[list[PartnerColumn], list[PartnerColumn]]:
    returned = {r.partner_id.casefold() for r in counted}
    if partners is not None:
        listed = [PartnerColumn(p.partner_id, p.name, p.sector) for p in partners]
        known = {p.partner_id.casefold() for p in listed}
        present = [p for p in listed if p.partner_id.casefold() in returned]
        missing = [p for p in listed if p.partner_id.casefold() not in returned]
        # Returns from partners not in the file still count; they follow, by name.
        extra = sorted(
            {
                r.partner_id.casefold(): PartnerColumn(r.partner_id, r.partner_name, "")
                for r in counted
                if r.partner_id.casefold() not in known
            }.values(),
            key=lambda p: (p.name.casefold(), p.partner_id),
        )
        return present + extra, missing
    columns = {
        r.partner_id.casefold(): PartnerColumn(r.partner_id, r.partner_name, "") for r in counted
    }
    ordered = sorted(columns.values(), key=lambda p: (p.name.casefold(), p.partner_id))
    return ordered, []


def _tidy(
    counted: list[Return], columns: list[PartnerColumn], framework: Framework, full_in: str
) -> tuple[pd.DataFrame, list[Finding]]:
    by_id = {r.partner_id.casefold(): r for r in counted}
    rows: list[dict[str, object]] = []
    fixes: list[Finding] = []
    for partner in columns:
        ret = by_id[partner.partner_id.casefold()]
        for question in framework.questions:
            theme = framework.theme_of[question.id]
            r = ret.responses[question.id]
            row: dict[str, object] = {
                "partner_id": partner.partner_id,
                "partner": partner.name,
                "sector": partner.sector,
                "theme_id": theme.id,
                "theme": theme.sheet_name,
                "question_id": question.id,
                "parent_id": question.parent_id or "",
                "question": question.text,
                "rated": "yes" if question.rated else "no",
                "rating": r.rating if question.rated else None,
                "rating_label": r.rating_label,
                "rating_raw": r.rating_raw,
                "evidence": r.evidence,
                "evidence_source": r.evidence_source,
                "improvement_action": r.improvement_action,
                "lead": r.lead,
                "target_date": r.target_date,
                "respondent": ret.respondent.name,
                "source_file": ret.file,
                "source_sha256": ret.sha256,
                "framework_id": ret.framework_id,
                "framework_version": ret.framework_version,
            }
            rows.append(row)
            for key in TEXT_COLUMNS:
                text = str(row[key])
                if not text:
                    continue
                _, fix = safe_text(text)
                if fix.changed:
                    cell = r.cells.get("rating" if key == "rating_raw" else key, "")
                    if fix.truncated_from:
                        fixes.append(
                            finding(
                                Code.TEXT_TRUNCATED,
                                ret.file,
                                r.sheet,
                                cell,
                                length=f"{fix.truncated_from:,}",
                                full_in=full_in,
                            )
                        )
                    if fix.replaced:
                        fixes.append(
                            finding(
                                Code.TEXT_CHARACTERS_REPLACED,
                                ret.file,
                                r.sheet,
                                cell,
                                count=fix.replaced,
                                full_in=full_in,
                            )
                        )
    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    frame["rating"] = frame["rating"].astype("Int64")
    return frame, fixes


def _theme_scores(
    tidy: pd.DataFrame, columns: list[PartnerColumn], framework: Framework
) -> pd.DataFrame:
    """Themes as rows (plus 'All themes'), partners as columns, then mean/min/max/spread."""
    names = [p.partner_id for p in columns]
    rated = tidy[tidy["rated"] == "yes"]
    by_theme = rated.groupby(["theme_id", "partner_id"])["rating"].mean().unstack("partner_id")
    overall = rated.groupby("partner_id")["rating"].mean()
    index = [t.id for t in framework.themes]
    table = by_theme.reindex(index=index, columns=names).astype("float64")
    table.loc["ALL"] = overall.reindex(names).astype("float64")
    partner_part = table[names]
    table["mean"] = partner_part.mean(axis=1)
    table["min"] = partner_part.min(axis=1)
    table["max"] = partner_part.max(axis=1)
    table["spread"] = table["max"] - table["min"]
    labels = {t.id: t.sheet_name for t in framework.themes} | {"ALL": "All themes"}
    table.insert(0, "theme", [labels[i] for i in table.index])
    table.index.name = "theme_id"
    return table


def _sector_scores(theme_scores: pd.DataFrame, columns: list[PartnerColumn]) -> pd.DataFrame:
    sectors = sorted({p.sector for p in columns if p.sector}, key=str.casefold)
    if not sectors:
        return pd.DataFrame()
    out = pd.DataFrame(index=theme_scores.index)
    out.insert(0, "theme", theme_scores["theme"])
    for sector in sectors:
        ids = [p.partner_id for p in columns if p.sector == sector]
        out[sector] = theme_scores[ids].mean(axis=1)
    return out


def _question_stats(
    tidy: pd.DataFrame, columns: list[PartnerColumn], framework: Framework
) -> pd.DataFrame:
    names = [p.partner_id for p in columns]
    unscored = [o.label for o in framework.scale if o.score is None]
    rated = tidy[tidy["rated"] == "yes"]
    scores = rated.pivot(index="question_id", columns="partner_id", values="rating")
    labels = rated.pivot(index="question_id", columns="partner_id", values="rating_label")
    raws = rated.pivot(index="question_id", columns="partner_id", values="rating_raw")
    order = [q.id for q in framework.rated_questions]
    scores = scores.reindex(index=order, columns=names).astype("Float64").astype("float64")
    labels = labels.reindex(index=order, columns=names)
    raws = raws.reindex(index=order, columns=names)
    out = pd.DataFrame(index=pd.Index(order, name="question_id"))
    out["theme"] = [framework.theme_of[q].sheet_name for q in order]
    out["question"] = [framework.by_id[q].text for q in order]
    out["depth"] = [framework.by_id[q].depth for q in order]
    for pid in names:
        # The score, or the unscored label chosen, or a note that what was typed is not valid.
        col = scores[pid].astype(object)
        label = labels[pid].fillna("")
        raw = raws[pid].fillna("")
        col = col.where(col.notna(), label.where(label != "", raw.where(raw == "", "not valid")))
        out[pid] = col.where(col != "", None)
    valid = labels.fillna("") != ""
    out["answered"] = valid.sum(axis=1)
    out["mean"] = scores.mean(axis=1)
    out["median"] = scores.median(axis=1)
    out["min"] = scores.min(axis=1)
    out["max"] = scores.max(axis=1)
    out["spread"] = out["max"] - out["min"]
    out["std"] = scores.std(axis=1, ddof=1)
    for label_text in unscored:
        out[label_text] = (labels == label_text).sum(axis=1)
    out["disagreement"] = (out["spread"] >= DISAGREEMENT_SPREAD).map({True: "Yes", False: ""})
    return out


def _agenda(stats: pd.DataFrame, framework: Framework, size: int = AGENDA_SIZE) -> pd.DataFrame:
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


def _actions(
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
    cols = [
        "partner",
        "theme",
        "question_id",
        "question",
        "improvement_action",
        "lead",
        "target_date",
        "rating_label",
    ]
    return acts[cols].reset_index(drop=True)


def _returns_table(
    returns: list[Return], columns: list[PartnerColumn], not_returned: list[PartnerColumn]
) -> pd.DataFrame:
    counted = {
        r.partner_id.casefold(): r
        for r in returns
        if r.status not in (Status.REFUSED, Status.SUPERSEDED)
    }
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
        if ret.status in (Status.REFUSED, Status.SUPERSEDED):
            owner = order.get(ret.partner_id.casefold()) if ret.read else None
            add(owner, ret, str(ret.status))
    frame = pd.DataFrame(rows)
    for col in ("answered", "rated_total", "findings"):
        frame[col] = frame[col].astype("Int64")
    return frame


def collate(
    returns: list[Return],
    framework: Framework,
    partners: Sequence[Partner] | None = None,
    made_at: str | None = None,
    responses_name: str = "responses.csv",
) -> Comparison:
    """Collate read returns (from :func:`lsp_xlsx.ingest.read_returns`) into a Comparison.

    Partner order follows ``partners`` when given, else partner name. ``responses_name`` is
    the tidy CSV's name, which findings about cut text point to.
    """
    counted = [r for r in returns if r.status not in (Status.REFUSED, Status.SUPERSEDED)]
    columns, not_returned = _partner_columns(counted, partners)
    tidy, fixes = _tidy(counted, columns, framework, responses_name)
    theme_scores = _theme_scores(tidy, columns, framework)
    stats = _question_stats(tidy, columns, framework)
    evidence = tidy[
        [
            "partner",
            "theme",
            "question_id",
            "question",
            "rating_label",
            "evidence",
            "evidence_source",
        ]
    ].reset_index(drop=True)
    return Comparison(
        framework=framework,
        returns=returns,
        partners=columns,
        not_returned=not_returned,
        responses=tidy,
        theme_scores=theme_scores,
        sector_scores=_sector_scores(theme_scores, columns),
        question_stats=stats,
        agenda=_agenda(stats, framework),
        evidence=evidence,
        actions=_actions(tidy, columns, framework),
        returns_table=_returns_table(returns, columns, not_returned),
        made_at=made_at or made_at_now(),
        responses_name=responses_name,
        partners_given=partners is not None,
        output_findings=fixes,
    )


def write_responses_csv(comparison: Comparison, path: str | os.PathLike[str]) -> None:
    """The tidy table as UTF-8 CSV, written by pandas, full text, nothing cut."""
    comparison.responses.to_csv(path, index=False, encoding="utf-8")
