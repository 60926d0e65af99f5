"""The comparison's rules, in one place: how figures are rounded, when partners disagree,
how large a group must be to compare, and the words for each state of a return.

Every sheet, the board paper and the terminal take their rules and words from here, so a
figure or a rule shown in two places is made and said one way. :class:`PartnerColumn`,
the partner as every table shows it, lives here too. This module sits below
:mod:`~lsp_xlsx.compare.tables` and :mod:`~lsp_xlsx.compare.digests`, which both use it.

**Disagreement** is measured with r_wg (James, Demaree and Wolf, 1984), the agreement
index most used for raters on one ordinal item: 1 minus the variance of the partners'
scores over the variance they would have if each partner picked a score at random from
the scale (for A scored options, (A² − 1) / 12). It does not grow with the number of
partners (the sample variance estimates the same thing at 6 partners as at 60), it is
relative to the framework's own scale (1–3, 1–4 or 1–5), and it tells a question where
half say 1 and half say 4 (r_wg below 0) from one where most say 3 and a few say 2 or 4
(r_wg about 0.8). The range (max − min), used before, reaches the ends of the scale as
soon as one partner in many differs, so it flags nearly everything in a large partnership.
A question is flagged when r_wg is :data:`WEAK_AGREEMENT` or less: LeBreton and Senter
(2008) call 0.31–0.50 weak agreement and below that a lack of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np

from lsp_xlsx.core.words import counted

if TYPE_CHECKING:
    from lsp_xlsx.framework.model import Framework
    from lsp_xlsx.returns.model import Return


@dataclass(frozen=True)
class PartnerColumn:
    """A partner as it appears across the comparison, in display order."""

    partner_id: str
    name: str
    sector: str
    #: The partner's values in the other columns of partners.csv, e.g. ("level", "strategic").
    extra: tuple[tuple[str, str], ...] = ()

    def value(self, column: str) -> str:
        """The partner's value in a column of partners.csv ('' when none)."""
        return self.sector if column == "sector" else dict(self.extra).get(column, "")


#: r_wg at or below this is weak agreement or none: partners disagree on the question.
WEAK_AGREEMENT = 0.5
#: A group's mean is compared with other groups' only when at least this many partners
#: are behind it: a mean of one or two partners is one organisation's view (or two), and
#: one partner's unusual rating would make a "gap" between whole sectors.
GROUP_MIN_SIZE = 3
#: The fewest respondents a partner's own figures may rest on in an anonymous round
#: (compare/anonymity.py).
MIN_RESPONDENTS = 3
#: How many partners a reason names in each part of the scale before "…".
NAMED = 2


def round_half_up(value: float, places: int = 1) -> float:
    """``value`` rounded as Excel shows it with a format such as 0.0: to 15 significant
    digits first (as Excel stores and shows a number), then half away from zero, so the
    mean 2.25 shows as 2.3 everywhere (Python's ``round`` gives 2.2)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    try:
        exact = Decimal(f"{float(value):.15g}")
    except InvalidOperation:
        return float(value)
    quantum = Decimal(1).scaleb(-places)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP)) + 0.0  # no -0.0


def shown_figure(value: object, places: int = 1) -> str:
    """A number as the workbook shows it with ``places`` decimals ('' when there is none)."""
    if value is None:
        return ""
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    return f"{round_half_up(number, places):.{places}f}"


def shown_change(last: float, now: float, places: int = 1) -> float:
    """The change from ``last`` to ``now`` as shown beside them: the difference of the two
    rounded figures, so "2.6 to 2.8" always comes with "+0.2"."""
    if math.isnan(last) or math.isnan(now):
        return math.nan
    high, low = Decimal(shown_figure(now, places)), Decimal(shown_figure(last, places))
    return float(high - low) + 0.0


# --- Disagreement -------------------------------------------------------------------


def null_variance(framework: Framework) -> float:
    """The variance of scores picked at random from the scale's scored options."""
    options = len(framework.scored_options)
    return (options * options - 1) / 12


def agreement(scores: np.ndarray, framework: Framework) -> np.ndarray:
    """r_wg of each row of ``scores`` (questions × partners, NaN for no score); NaN where
    fewer than two partners scored the question."""
    with np.errstate(all="ignore"):
        counts = np.sum(~np.isnan(scores), axis=1)
        variance = np.full(scores.shape[0], np.nan)
        enough = counts >= 2
        if enough.any():
            variance[enough] = np.nanvar(scores[enough], axis=1, ddof=1)
    return 1 - variance / null_variance(framework)


def disagrees(value: float) -> bool:
    """True when an r_wg value is weak agreement or none."""
    return not math.isnan(value) and value <= WEAK_AGREEMENT


def disagreement_rule(framework: Framework) -> str:
    """The disagreement rule in words, for every sheet and the paper."""
    low, high = framework.score_range
    most = (1 - WEAK_AGREEMENT) * null_variance(framework)
    return (
        "Partners disagree on a question when their scores vary at least "
        f"{1 - WEAK_AGREEMENT:.0%} as much as scores picked at random from the scale would "
        f"(agreement r_wg of {WEAK_AGREEMENT:g} or less; on this {low} to {high} scale, a "
        f"variance of {most:.2f} or more), so one partner a step away from the rest is not "
        "disagreement, and partners split between the ends of the scale are."
    )


def halves(framework: Framework) -> list[tuple[int, int]]:
    """The scale's bottom half, middle score (on a scale with an odd number of scores) and
    top half, as (lowest, highest) score: 1–2 and 3–4 on a 1–4 scale; 1–2, 3, 4–5 on 1–5."""
    scores = sorted(o.score for o in framework.scored_options if o.score is not None)
    half = len(scores) // 2
    parts = [scores[:half], scores[half : len(scores) - half], scores[len(scores) - half :]]
    return [(p[0], p[-1]) for p in parts if p]


def _span(low: int, high: int) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


def where_partners_are(scores: Sequence[float], names: Sequence[str], framework: Framework) -> str:
    """Who is where on the scale: '5 partners at 1–2 (Police, Health, Fire…), 9 at 3–4'."""
    parts: list[str] = []
    for low, high in halves(framework):
        who = [n for s, n in zip(scores, names, strict=True) if low <= s <= high]
        if not who:
            continue
        named = ", ".join(who[:NAMED]) + ("…" if len(who) > NAMED else "")
        noun = " partners" if not parts else ""
        if len(who) == 1 and not parts:
            noun = " partner"
        parts.append(f"{len(who)}{noun} at {_span(low, high)} ({named})")
    return ", ".join(parts)


# --- Groups -------------------------------------------------------------------------


def group_rule(gap: float) -> str:
    """The group rule in words, for the Groups sheet, Notes and the paper."""
    return (
        f"A gap between groups is called large when the highest and lowest group's means "
        f"differ by {gap:g} point or more; only groups of at least {GROUP_MIN_SIZE} partners "
        "are compared, since a smaller group's mean is one or two organisations' view. "
        "Smaller groups are shown with their n."
    )


# --- Returns by state ---------------------------------------------------------------

#: The words for each state of a return, defined once.
STATE_WORDS = {
    "counted": "returned a workbook that counts",
    "complete": "complete",
    "incomplete": "incomplete (some rated questions unanswered)",
    "with_errors": "with errors (counted; see Findings)",
    "refused": "refused (not read; see Findings)",
    "superseded": "superseded by a later file",
    "held": "held until the sender is confirmed",
    "not_returned": "not returned",
}


@dataclass(frozen=True)
class ReturnCounts:
    """One count of returns by state, for the Returns sheet, Summary, Contents, the paper
    and the terminal. ``expected`` is partners listed in partners.csv (or, without it, the
    partners whose returns count)."""

    expected: int
    counted: int
    incomplete: int
    with_errors: int
    refused: int
    superseded: int
    held: int
    not_returned: int
    #: Respondents whose returns count (issue 25): more than ``counted`` when a partner
    #: has several.
    respondents: int = 0

    def sentence(self) -> str:
        """The counts in one sentence, in the words of :data:`STATE_WORDS`."""
        listed = counted(self.expected, "partner")
        text = f"{self.counted} of {listed} {STATE_WORDS['counted']}"
        if self.respondents > self.counted:
            text += f", from {self.respondents} respondents"
        inside = [
            f"{n} {STATE_WORDS[k].split(' (')[0]}"
            for k, n in (("incomplete", self.incomplete), ("with_errors", self.with_errors))
            if n
        ]
        if inside:
            text += f" ({', '.join(inside)})"
        text += f"; {self.not_returned} {STATE_WORDS['not_returned']}."
        files = [
            f"{n} {STATE_WORDS[k].split(' (')[0]}"
            for k, n in (
                ("refused", self.refused),
                ("superseded", self.superseded),
                ("held", self.held),
            )
            if n
        ]
        if files:
            text += f" Files set aside: {', '.join(files)}."
        return text


def count_returns(
    returns: Sequence[Return], not_returned: int, partners: int | None = None
) -> ReturnCounts:
    """Count returns by state: counted partners (with a return read, not superseded or
    held: ``partners`` when given, else the partners the counted returns name, so a
    partner with several respondents counts once), and of the returns the incomplete ones
    and those with errors; refused, superseded and held files; partners with no return
    that counts."""
    from lsp_xlsx.returns.model import Status

    counted = [r for r in returns if r.counts]
    partners_counted = (
        partners if partners is not None else len({r.partner_id.casefold() for r in counted})
    )
    return ReturnCounts(
        expected=partners_counted + not_returned,
        counted=partners_counted,
        # One state a return, as check's summary line counts them: a return with errors
        # is counted 'with errors' even when it is also incomplete.
        incomplete=sum(1 for r in counted if r.status is Status.INCOMPLETE),
        with_errors=sum(1 for r in counted if r.status is Status.ERRORS),
        refused=sum(1 for r in returns if r.status is Status.REFUSED),
        superseded=sum(1 for r in returns if r.status is Status.SUPERSEDED),
        held=sum(1 for r in returns if r.status is Status.HELD),
        not_returned=not_returned,
        respondents=len(counted),
    )


# --- A partner's position (issue 25) --------------------------------------------------

#: How a partner with several respondents is given one position per question.
ROLL_UPS = ("median", "mean")


def partner_position(scores: np.ndarray, method: str = "median") -> np.ndarray:
    """Each row's position (rows: questions; columns: one partner's respondents; NaN for no
    score): the median, or the mean, of the scores given, rounded half up to one decimal
    (:func:`round_half_up`) so the figure used is the figure shown. The median of an even
    count is the mean of the middle two (2 and 3 give 2.5). NaN where nobody scored."""
    if method not in ROLL_UPS:
        raise ValueError(f"roll-up must be one of {', '.join(ROLL_UPS)}, not {method!r}")
    with np.errstate(all="ignore"):
        present = ~np.isnan(scores)
        counts = present.sum(axis=1)
        values = np.full(scores.shape[0], np.nan)
        some = counts > 0
        if some.any():
            pick = np.nanmedian if method == "median" else np.nanmean
            values[some] = pick(scores[some], axis=1)
    return np.array([round_half_up(float(v)) for v in values], dtype=np.float64)


def position_rule(method: str) -> str:
    """The roll-up in words, for the Notes, every sheet that uses positions and the paper."""
    how = (
        "the median of its respondents' scores (with an even number, the mean of the middle "
        "two, so 2 and 3 give 2.5)"
        if method == "median"
        else "the mean of its respondents' scores"
    )
    return (
        f"A partner with several respondents counts once: its position on each question is "
        f"{how}, rounded half up to one decimal, and every figure built on partners uses it."
    )


# --- Change since last round (issue 22) ---------------------------------------------

#: A change is called up or down only when the change as shown (the difference of the two
#: rounded figures) is at least this many points; a smaller move is "no clear change". On
#: a 1 to 4 scale one partner in ten moving one step moves a mean by 0.1: noise, not news.
CHANGE_THRESHOLD = 0.2


def change_direction(change: float) -> str:
    """'▲ up', '▼ down' or 'no clear change' for a change as shown ('' for none)."""
    if change is None or math.isnan(change):
        return ""
    size = round_half_up(abs(change), 2)
    if size < CHANGE_THRESHOLD:
        return "no clear change"
    return "▲ up" if change > 0 else "▼ down"


def change_rule() -> str:
    """The threshold in words, for the Notes and the paper."""
    return (
        f"A change is called up or down only when it is {CHANGE_THRESHOLD:.1f} points or "
        "more (the difference of the two figures as shown); a smaller move is 'no clear "
        "change'."
    )
