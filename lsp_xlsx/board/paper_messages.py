"""What the board paper says in words: its Key messages, its Recommendations and the digest
of the proposed actions, each sentence built from the comparison's figures.

Each sentence is a template (:mod:`lsp_xlsx.board.paper_templates`) the coordinator may
reword in the framework folder. Every figure is rounded by
:func:`~lsp_xlsx.compare.rules.shown_figure`, as the comparison workbook shows it, and comes
from the same table the workbook's sheets are written from: the theme means of the Summary
sheet, the agreement and the "who is where" of the Agenda sheet, the group means of the
Groups sheet, the counts of the Returns sheet. The scale's words are the framework's own.

Partners are named through ``names`` (partner id -> the name to show), so the anonymous
paper says "Partner A" where the board's paper names the partner.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lsp_xlsx.board.paper_templates import PaperTemplates
from lsp_xlsx.compare.rules import (
    GROUP_MIN_SIZE,
    disagrees,
    round_half_up,
    shown_figure,
    where_partners_are,
)
from lsp_xlsx.compare.scores import GROUP_GAP
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.model import Framework

#: How many of the agenda's questions the recommendations name for the workshop.
WORKSHOP_QUESTIONS = 3
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Messages:
    """The paper's Key messages and Recommendations, as sentences."""

    key_messages: list[str]
    recommend_intro: str
    recommendations: list[str]


def theme_words(sheet_name: str) -> str:
    """A theme as a sentence names it: "Use of resources" for the sheet "2 Use of resources"."""
    return re.sub(r"^\d+\s*[.:)-]?\s*", "", sheet_name).strip() or sheet_name


def scale_words(mean: float, framework: Framework) -> str:
    """The framework's words for the score nearest ``mean`` (rounded half up): "performs
    well" for 2.9 on the shipped scale, from its label "3 - Performs well"."""
    nearest = round_half_up(mean, 0)
    for option in framework.scored_options:
        if option.score == nearest:
            bare = re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", option.label).strip() or option.label
            return bare[0].lower() + bare[1:] if bare != option.label else bare
    return shown_figure(mean)


def joined(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _theme_means(c: Comparison) -> list[tuple[str, float]]:
    """(theme as words, partnership mean) of each scored theme, in framework order."""
    table = c.theme_scores.drop(index="ALL")
    pairs = [
        (theme_words(str(t)), float(m)) for t, m in zip(table["theme"], table["mean"], strict=True)
    ]
    return [(t, m) for t, m in pairs if not math.isnan(m)]


def _themes(c: Comparison, say: PaperTemplates) -> str:
    scored = _theme_means(c)
    if not scored:
        return say.say("themes_none")
    # The first of equal means, in framework order, as the chart's alt text picks them.
    best, worst = max(scored, key=lambda x: x[1]), min(scored, key=lambda x: x[1])
    low, high = c.framework.score_range
    return say.say(
        "themes",
        strongest=best[0],
        strongest_mean=shown_figure(best[1]),
        strongest_words=scale_words(best[1], c.framework),
        weakest=worst[0],
        weakest_mean=shown_figure(worst[1]),
        weakest_words=scale_words(worst[1], c.framework),
        low=low,
        high=high,
    )


def where_on_scale(c: Comparison, question_id: str, names: Mapping[str, str]) -> str:
    """Who is where on the scale on one question, as the Agenda sheet's reason says it."""
    row = c.question_stats.loc[question_id]
    present = [
        (_float(row[p.partner_id]), names.get(p.partner_id, p.name))
        for p in c.partners
        if p.partner_id in row.index and _is_score(row[p.partner_id])
    ]
    return where_partners_are([v for v, _ in present], [n for _, n in present], c.framework)


def _float(value: Any) -> float:
    return float(value)


def _is_score(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(float(value))


def _split(c: Comparison, say: PaperTemplates, names: Mapping[str, str]) -> str:
    flagged = int((c.question_stats["disagreement"] == "Yes").sum())
    top = c.agenda.head(1)
    if not flagged or top.empty or not disagrees(float(top.iloc[0]["agreement"])):
        return say.say("split_none")
    qid = str(top.index[0])
    return say.say(
        "split",
        split_count=counted(flagged, "question"),
        question_id=qid,
        question=str(top.iloc[0]["question"]),
        theme=_theme_of(c.framework, qid),
        where=where_on_scale(c, qid, names),
    )


def _theme_of(framework: Framework, question_id: str) -> str:
    theme = framework.theme_of.get(question_id)
    return theme_words(theme.sheet_name) if theme is not None else ""


def largest_gap(c: Comparison) -> dict[str, object] | None:
    """The largest gap between groups big enough to compare (the Groups sheet's row)."""
    gaps = c.group_gaps
    if gaps.empty or "large_gap" not in gaps:
        return None
    large = gaps[gaps["large_gap"] == "Yes"]
    if large.empty:
        return None
    top = large.sort_values("gap", ascending=False, kind="mergesort").iloc[0]
    return {str(k): v for k, v in top.to_dict().items()}


def _gap(c: Comparison, say: PaperTemplates) -> str | None:
    if not c.groups:
        return None  # partners.csv gives no groupings: nothing to say
    row = largest_gap(c)
    if row is None:
        return say.say("group_gap_none", min_size=GROUP_MIN_SIZE, gap=f"{GROUP_GAP:g}")
    qid = str(row["question_id"])
    return say.say(
        "group_gap",
        question_id=qid,
        question=c.framework.whole_text(qid),
        theme=_theme_of(c.framework, qid),
        grouping=str(row["grouping"]),
        lowest=str(row["lowest"]),
        lowest_mean=shown_figure(row["lowest_mean"]),
        highest=str(row["highest"]),
        highest_mean=shown_figure(row["highest_mean"]),
        gap=shown_figure(row["gap"]),
        min_size=GROUP_MIN_SIZE,
    )


def _missing(c: Comparison, say: PaperTemplates, public: bool) -> str:
    counts = c.return_counts
    if not counts.not_returned:
        return say.say("missing_none", partners=counted(counts.expected, "partner"))
    if public:
        return say.say("missing_public", missing=counts.not_returned, expected=counts.expected)
    names = joined([p.name for p in c.not_returned])
    return say.say("missing", missing=counts.not_returned, expected=counts.expected, names=names)


def due_actions(c: Comparison, today: dt.date) -> pd.DataFrame:
    """The proposed actions whose target date (a date, as the Action plan sheet sorts
    them) is on or before ``today``."""
    actions = c.actions
    if actions.empty:
        return actions
    dates = actions["target_date"].astype(str)
    on_time = dates.map(lambda d: bool(_ISO_DAY.match(d)) and d <= today.isoformat())
    return actions[on_time]


def _recommendations(c: Comparison, say: PaperTemplates, today: dt.date) -> list[str]:
    counts = c.return_counts
    scored = _theme_means(c)
    if scored:
        worst = min(scored, key=lambda x: x[1])
        note = say.say(
            "recommend_note",
            counted=counts.counted,
            expected=counts.expected,
            weakest=worst[0],
            weakest_mean=shown_figure(worst[1]),
        )
    else:
        note = say.say("recommend_note_none", counted=counts.counted, expected=counts.expected)
    ids = [str(q) for q in c.agenda.head(WORKSHOP_QUESTIONS).index]
    questions = (
        say.say("recommend_questions", questions=joined(ids))
        if ids
        else say.say("recommend_questions_none")
    )
    due = due_actions(c, today)
    day = today.strftime("%d %B %Y").lstrip("0")
    if c.actions.empty:
        actions = say.say("recommend_actions_none")
    elif due.empty:
        actions = say.say(
            "recommend_actions_later", actions=counted(len(c.actions), "action"), today=day
        )
    else:
        theme, n = Counter(due["theme"]).most_common(1)[0]
        actions = say.say(
            "recommend_actions",
            due=len(due),
            actions=counted(len(c.actions), "action"),
            today=day,
            due_theme=f"{theme_words(str(theme))} ({n})",
        )
    return [note, questions, actions]


def paper_messages(
    c: Comparison,
    say: PaperTemplates,
    today: dt.date,
    names: Mapping[str, str] | None = None,
    public: bool = False,
) -> Messages:
    """The Key messages (three to five sentences) and the Recommendations of the paper."""
    names = names if names is not None else {p.partner_id: p.name for p in c.partners}
    sentences = [_themes(c, say), _split(c, say, names), _gap(c, say), _missing(c, say, public)]
    return Messages(
        [s for s in sentences if s],
        say.say("recommend_intro"),
        _recommendations(c, say, today),
    )


def actions_digest(c: Comparison, today: dt.date, public: bool = False) -> str:
    """The proposed actions in words: how many on each theme (most first), how many are due
    by ``today`` and on which theme most, and (in the board's paper) the leads named most.
    In words, not a table: the paper has four pages for everything."""
    actions = c.actions
    due = due_actions(c, today)
    by_theme = Counter(actions["theme"])
    order = [t.sheet_name for t in c.framework.themes if t.sheet_name in by_theme]
    order += sorted(str(t) for t in by_theme if t not in order)
    most = sorted(order, key=lambda t: -by_theme[t])  # stable: framework order among equals
    parts = [f"{by_theme[t]:,} on {theme_words(t)}" for t in most]
    text = f"Partners proposed {counted(len(actions), 'action')}: {joined(parts)}."
    day = today.strftime("%d %B %Y").lstrip("0")
    n = len(due)
    if not n:
        text += f" No action is due by {day}."
    else:
        theme, on = Counter(due["theme"]).most_common(1)[0]
        text += (
            f" {counted(n, 'action')} {'is' if n == 1 else 'are'} due by {day} (the target date "
            f"has come), most of them on {theme_words(str(theme))} ({on})."
        )
    if not public:
        leads = Counter(a for a in actions["lead"] if a)
        if leads:
            top = [f"{lead} ({counted(k, 'action')})" for lead, k in leads.most_common(3)]
            text += f" The leads named most often: {joined(top)}."
    return text + " The Action plan sheet of the comparison workbook lists every action."
