"""Collate returns into pandas tables: the tidy table and every summary the board sees.

:func:`collate` returns a :class:`Comparison` whose DataFrames are what the comparison
workbook shows, so analysts get the same numbers from Python.

How the numbers are made:

* Only scored answers count in means; the scale's unscored answers (in the 2009
  framework, "Don't know" and "Not applicable") are counted in their own columns;
  unrecognised ratings are left out (and listed in Findings); unrated stems are never
  scored.
* A partner's theme score is the mean of its scores on the theme's rated questions.
* The partnership's theme mean is the mean of the partners' theme scores, so each partner
  counts once whatever it answered. Min, max and spread (max − min) are over partners.
* Question statistics are over the partners' scores; the standard deviation is the
  sample one (n − 1), empty when fewer than two partners scored the question.
* A question is flagged for disagreement when its agreement (r_wg) is weak or none (see
  :mod:`lsp_xlsx.compare.rules`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from lsp_xlsx.compare.anonymity import (
    Anonymity,
    anonymise,
    mask_thin,
    without_authors,
    without_merged,
)

# Re-exported: these were defined here first, and scripts may import them from here.
from lsp_xlsx.compare.digests import ACTION_COLUMNS as ACTION_COLUMNS
from lsp_xlsx.compare.digests import AGENDA_SIZE as AGENDA_SIZE
from lsp_xlsx.compare.digests import (
    actions_table,
    agenda,
    evidence_table,
    returns_table,
)
from lsp_xlsx.compare.grid import AnswerGrid, answer_grid, row_means
from lsp_xlsx.compare.progress import Progress
from lsp_xlsx.compare.rollup import RollUp, roll_up, with_spread
from lsp_xlsx.compare.rules import (
    MIN_RESPONDENTS,
    ReturnCounts,
    agreement,
    count_returns,
    disagrees,
)
from lsp_xlsx.compare.rules import PartnerColumn as PartnerColumn
from lsp_xlsx.compare.scores import (
    GROUPING_SIZES,
    GroupScores,
    group_scores,
    question_gaps,
    theme_scores,
)
from lsp_xlsx.compare.text_columns import may_need_fixes, text_columns
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT, needs_cleaning, safe_text, unsafe_count
from lsp_xlsx.core.tidy_files import write_tidy
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import Response, Return
from lsp_xlsx.workbook import contract as C

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
    "round",
    # Added by issue 25, after the older columns so that their order is kept.
    "respondent_id",
    # Issue 23: what the partner wrote outside the answer columns (returns/extra_text.py).
    "extra_text",
)
TEXT_COLUMNS = ("rating_raw", *C.TEXT_KEYS, "target_date", "extra_text")


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
    #: True where a partner's theme score rests on too few answers to count (see scores).
    thin: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Theme means by group, for each grouping (sector, level, ...), in order.
    groups: list[GroupScores] = field(default_factory=list)
    #: Per question and grouping: each group's mean and n, and the gap between groups.
    group_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The round collated ('' when the returns do not say).
    round: str = ""
    #: What changed since last round, when last round's responses.csv was given.
    progress: Progress | None = None
    #: Problems found while preparing the output (text cut or characters replaced).
    output_findings: list[Finding] = field(default_factory=list)
    #: The workshop's entries carried from the comparison this one replaces: question id ->
    #: Agreed column key (agreed_rating, action, lead, target_date) -> value.
    agreed_entries: dict[str, dict[str, object]] = field(default_factory=dict)
    #: Partners' positions and the spread within partners with several respondents.
    rollup: RollUp | None = None
    #: How an anonymous round was published (None when the round is not anonymous).
    anonymity: Anonymity | None = None
    #: Partners with a return that counts, where ``returns`` no longer say (anonymous).
    partners_counted: int | None = None
    #: The coordinator's decisions (ratings map, overrides), each in a sentence: About sheet.
    decisions: list[str] = field(default_factory=list)

    @property
    def counted(self) -> list[Return]:
        """Returns that count: read and not superseded."""
        return [r for r in self.returns if r.counts]

    @cached_property
    def return_counts(self) -> ReturnCounts:
        """Returns by state: the one count every sheet, the paper and the terminal show
        (made once: at 11,000 returns, counting the incomplete reads every answer)."""
        return count_returns(self.returns, len(self.not_returned), self.partners_counted)

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


def partner_columns(
    counted: list[Return], partners: Sequence[Partner] | None
) -> tuple[list[PartnerColumn], list[PartnerColumn]]:
    """The partners whose returns count (``partners`` order, then by name); those missing."""
    returned = {r.partner_id.casefold() for r in counted}
    if partners is not None:
        listed = [PartnerColumn(p.partner_id, p.name, p.sector, p.extra) for p in partners]
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


def tidy_table(
    counted: list[Return], columns: list[PartnerColumn], framework: Framework
) -> pd.DataFrame:
    """The tidy table :func:`collate` makes, without the findings about text it had to fix."""
    return _tidy(counted, columns, framework, "responses.csv")[0]


def _repeated(values: Sequence[object], times: int, tile: bool) -> pd.Categorical:
    """A column that repeats a few values: codes, not a Python object per row."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), use_na_sentinel=False)
    codes = np.tile(codes, times) if tile else np.repeat(codes, times)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _tidy(
    counted: list[Return], columns: list[PartnerColumn], framework: Framework, full_in: str
) -> tuple[pd.DataFrame, list[Finding]]:
    """The tidy table, partner by partner, each in framework question order.

    Columns that repeat a partner's or a question's values are categorical (codes, not a
    Python object per row): at 11,000 returns that is the difference between megabytes and
    hundreds of megabytes. The answers are joined from each return's packed columns."""
    # A partner's respondents one after another (issue 25), in a fixed order.
    by_id: dict[str, list[Return]] = {}
    for r in counted:
        by_id.setdefault(r.partner_id.casefold(), []).append(r)
    owners = [
        (p, r)
        for p in columns
        for r in sorted(by_id[p.partner_id.casefold()], key=lambda r: (r.respondent_id, r.file))
    ]
    rets = [r for _, r in owners]
    questions = framework.questions
    n, count = len(questions), len(rets)
    themes = [framework.theme_of[q.id] for q in questions]
    per_question = {
        "theme_id": [t.id for t in themes],
        "theme": [t.sheet_name for t in themes],
        "question_id": [q.id for q in questions],
        "parent_id": [q.parent_id or "" for q in questions],
        "question": [q.text for q in questions],
        "rated": ["yes" if q.rated else "no" for q in questions],
    }
    per_partner = {
        "partner_id": [p.partner_id for p, _ in owners],
        "partner": [p.name for p, _ in owners],
        "sector": [p.sector for p, _ in owners],
        "respondent": [r.respondent.name for r in rets],
        "source_file": [r.file for r in rets],
        "source_sha256": [r.sha256 for r in rets],
        "framework_id": [r.framework_id for r in rets],
        "framework_version": [r.framework_version for r in rets],
        "round": [r.round for r in rets],
        "respondent_id": [r.respondent_id for r in rets],
    }
    data: dict[str, object] = {k: _repeated(v, count, tile=True) for k, v in per_question.items()}
    data |= {k: _repeated(v, n, tile=False) for k, v in per_partner.items()}
    ratings = pd.array([x for r in rets for x in r.column("rating")], dtype="Int64")
    ratings[~np.tile([q.rated for q in questions], count)] = pd.NA  # stems are never scored
    data["rating"] = ratings
    labels = [x for r in rets for x in r.column("rating_label")]
    data["rating_label"] = pd.Categorical(labels)
    # Over the returns' own packed text, not a copy: held once, as UTF-8 (issue 26).
    data |= text_columns(rets, TEXT_COLUMNS)
    fixes = [f for r in rets for f in (*_meta_fixes(r, full_in), *_fixes_in(r, full_in))]
    frame = pd.DataFrame(data, columns=list(TIDY_COLUMNS), index=pd.RangeIndex(n * count))
    return frame, fixes


def _meta_fixes(ret: Return, full_in: str) -> list[Finding]:
    """The same finding for the partner's name in the meta sheet, and the respondent's on
    'Start here': shown in every output, and kept as typed in the tidy table (issue 21)."""
    named = ((C.META_SHEET, ret.partner_name), (C.START_SHEET, ret.respondent.name))
    return [
        finding(
            Code.TEXT_CHARACTERS_REPLACED,
            ret.file,
            sheet,
            count=unsafe_count(text),
            full_in=full_in,
        )
        for sheet, text in named
        if needs_cleaning(text)
    ]


def _fixes_in(ret: Return, full_in: str) -> list[Finding]:
    """Findings for a return's text that a cell cannot hold as it is (checked at once: a
    search over all its text, and the longest, before looking answer by answer)."""
    if not may_need_fixes(ret, TEXT_COLUMNS):
        return []
    found = []
    for r in ret.responses.values():
        for key in TEXT_COLUMNS:
            text = getattr(r, key)
            if text and (len(text) > EXCEL_CELL_LIMIT or needs_cleaning(text)):
                found.extend(_text_fixes(ret, r, key, text, full_in))
    return found


def _text_fixes(ret: Return, r: Response, key: str, text: str, full_in: str) -> list[Finding]:
    """Findings for text the workbook cannot hold as it is."""
    _, fix = safe_text(text)
    cell = r.cells.get("rating" if key == "rating_raw" else key, "")
    found = []
    if fix.truncated_from:
        found.append(
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
        found.append(
            finding(
                Code.TEXT_CHARACTERS_REPLACED,
                ret.file,
                r.sheet,
                cell,
                count=fix.replaced,
                full_in=full_in,
            )
        )
    return found


def default_groupings(partners: Sequence[Partner] | None) -> list[str]:
    """Sector (when any partner has one), then every other column of partners.csv with 2 to
    12 different values: the groupings compared when none are asked for."""
    if not partners:
        return []
    chosen = ["sector"] if any(p.sector for p in partners) else []
    for column in dict.fromkeys(c for p in partners for c, _ in p.extra):
        values = {p.value(column) for p in partners if p.value(column)}
        if len(values) in GROUPING_SIZES:
            chosen.append(column)
    return chosen


def _members(columns: list[PartnerColumn], grouping: str) -> dict[str, list[str]]:
    values = sorted({p.value(grouping) for p in columns if p.value(grouping)}, key=str.casefold)
    return {v: [p.partner_id for p in columns if p.value(grouping) == v] for v in values}


def _groupings(
    grid: AnswerGrid,
    table: pd.DataFrame,
    thin: pd.DataFrame,
    columns: list[PartnerColumn],
    group_by: Sequence[str],
    framework: Framework,
) -> tuple[list[GroupScores], pd.DataFrame]:
    groups, gaps = [], []
    for grouping in group_by:
        members = _members(columns, grouping)
        if not members:
            continue
        groups.append(group_scores(table, thin, members, grouping))
        gaps.append(question_gaps(grid, members, grouping, framework))
    return groups, (pd.concat(gaps, ignore_index=True) if gaps else pd.DataFrame())


def _sector_scores(table: pd.DataFrame, groups: list[GroupScores]) -> pd.DataFrame:
    """Theme means by sector (the older table; ``groups`` has it with n)."""
    sector = next((g for g in groups if g.grouping == "sector"), None)
    if sector is None:
        return pd.DataFrame()
    return pd.concat([table[["theme"]], sector.means], axis=1)


def _question_stats(grid: AnswerGrid, framework: Framework) -> pd.DataFrame:
    names = grid.partners
    unscored = [o.label for o in framework.scale if o.score is None]
    order = grid.questions
    score, label, raw = grid.score, grid.label, grid.raw
    scores = pd.DataFrame(score, index=order, columns=names)
    # Each partner's cell: the score, else the unscored label chosen, else "not valid" when
    # something was typed that is not on the scale, else empty.
    nothing = np.full(raw.shape, None, dtype=object)
    words = np.where(label != "", label, np.where(raw != "", "not valid", nothing))
    shown = pd.DataFrame(
        np.where(np.isnan(score), words, score.astype(object)), index=order, columns=names
    )
    stats: dict[str, object] = {
        "theme": [framework.theme_of[q].sheet_name for q in order],
        "question": [framework.by_id[q].text for q in order],
        #: The question with its stem, for every table without the parent's row beside it.
        "question_whole": [framework.whole_text(q) for q in order],
        "depth": [framework.by_id[q].depth for q in order],
    }
    spread = scores.max(axis=1) - scores.min(axis=1)
    mean, _ = row_means(score)
    rwg = agreement(score, framework)
    stats_after: dict[str, object] = {
        "answered": (label != "").sum(axis=1),
        "mean": mean,
        "median": scores.median(axis=1),
        "min": scores.min(axis=1),
        "max": scores.max(axis=1),
        "spread": spread,
        "std": scores.std(axis=1, ddof=1),
        **{text: (label == text).sum(axis=1) for text in unscored},
        "agreement": rwg,
        "disagreement": ["Yes" if disagrees(v) else "" for v in rwg],
    }
    index = pd.Index(order, name="question_id")
    return pd.concat(
        [pd.DataFrame(stats, index=index), shown, pd.DataFrame(stats_after, index=index)], axis=1
    )


def collate(
    returns: list[Return],
    framework: Framework,
    partners: Sequence[Partner] | None = None,
    made_at: str | None = None,
    responses_name: str = "responses.csv",
    group_by: Sequence[str] | None = None,
    roll_up_method: str = "median",
    anonymous: bool = False,
    k: int = MIN_RESPONDENTS,
) -> Comparison:
    """Collate read returns (from :func:`lsp_xlsx.returns.reader.read_returns`) into a Comparison.

    Partner order follows ``partners`` when given, else partner name. ``responses_name`` is
    the tidy CSV's name, which findings about cut text point to. ``group_by`` names the
    columns of partners.csv to compare groups by (default: :func:`default_groupings`).

    A partner with several respondents counts once, by its position on each question
    (``roll_up_method``: median or mean; see :mod:`~lsp_xlsx.compare.rollup`). With
    ``anonymous``, the round is published as :mod:`~lsp_xlsx.compare.anonymity` says:
    partners below ``k`` respondents merged, and nobody named.
    """
    counted = [r for r in returns if r.counts]
    if not counted:  # the commands check first; a caller of the library gets words, not a KeyError
        raise ValueError("collate needs at least one return that counts; none of these does.")
    columns, not_returned = partner_columns(counted, partners)
    partners_counted, anonymity = len(columns), None
    if anonymous:
        # Before anything is computed: no figure of a small partner is ever made.
        returns, anonymity = anonymise(returns, columns, k)
        counted, columns = [r for r in returns if r.counts], anonymity.units
    tidy, fixes = _tidy(counted, columns, framework, responses_name)
    rolled = roll_up(tidy, columns, framework, roll_up_method)
    if anonymity is not None:
        mask_thin(rolled.positions, rolled.n, anonymity.k)
    grid = answer_grid(rolled.positions, [p.partner_id for p in columns], framework)
    rolled = with_spread(rolled, tidy, columns, framework, grid.score)
    if anonymity is not None:  # a merged column is many organisations: no spread "within"
        rolled = without_merged(rolled)
    table, thin = theme_scores(grid, framework)
    chosen = list(group_by) if group_by is not None else default_groupings(partners)
    groups, gaps = _groupings(grid, table, thin, columns, chosen, framework)
    stats = _question_stats(grid, framework)
    evidence, actions = evidence_table(tidy, framework), actions_table(tidy, columns, framework)
    if anonymity is not None:
        order, qids = [p.name for p in columns], [q.id for q in framework.questions]
        evidence = without_authors(evidence, order, qids)
        actions = without_authors(actions, order, qids)
    return Comparison(
        framework=framework,
        returns=returns,
        partners=columns,
        not_returned=not_returned,
        responses=tidy,
        theme_scores=table,
        sector_scores=_sector_scores(table, groups),
        question_stats=stats,
        agenda=agenda(stats, framework, columns),
        evidence=evidence,
        actions=actions,
        returns_table=returns_table(returns, columns, not_returned),
        made_at=made_at or made_at_now(),
        responses_name=responses_name,
        partners_given=partners is not None,
        output_findings=fixes,
        thin=thin,
        groups=groups,
        group_gaps=gaps,
        rollup=rolled,
        anonymity=anonymity,
        partners_counted=partners_counted,
    )


def write_responses_csv(comparison: Comparison, path: str | os.PathLike[str]) -> Path:
    """The tidy table, full text, nothing cut, written atomically: CSV (UTF-8), or Parquet
    when the name ends in .parquet (see :mod:`lsp_xlsx.core.tidy_files`)."""
    return write_tidy(comparison.responses, path)
