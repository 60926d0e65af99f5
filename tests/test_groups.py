"""Comparison by any group, and partial returns shown as partial: the numbers, checked from
responses.csv by a separate route."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.compare.rules import GROUP_MIN_SIZE, shown_change, shown_figure
from lsp_xlsx.framework.model import Framework


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("groups")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "12", "--seed", "5"])
    assert result.exit_code in (0, 1), result.output
    return out


def _expected(demo: Path, framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Partner theme scores from responses.csv, and which are thin, worked out afresh."""
    tidy = pd.read_csv(demo / "responses.csv")
    rated = tidy[tidy["rated"] == "yes"]
    # A partner with several respondents counts once, by its position: the median of its
    # respondents' ratings on each question (issue 25).
    rated = rated.groupby(["theme_id", "partner_id", "question_id"])["rating"].median()
    rated = rated.reset_index()
    means = rated.groupby(["theme_id", "partner_id"])["rating"].mean().unstack()
    scored = rated.groupby(["theme_id", "partner_id"])["rating"].count().unstack()
    needed = pd.Series({t.id: len(t.rated_questions) / 2 for t in framework.themes})
    thin = scored.lt(needed, axis=0)
    return means, thin


def _sheet_table(ws: object, title: str) -> pd.DataFrame:
    rows = [[c.value for c in r] for r in ws.iter_rows()]  # type: ignore[attr-defined]
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    header = rows[start]
    body = []
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        body.append(r)
    return pd.DataFrame(body, columns=header).set_index("Theme")


def test_level_means_on_the_summary_match_responses_csv(demo: Path, framework: Framework) -> None:
    means, thin = _expected(demo, framework)
    # One row per respondent in partners.csv (issue 25): the partner's level is its first row's.
    partners = pd.read_csv(demo / "partners.csv", dtype=str).drop_duplicates("partner_id")
    partners = partners.set_index("partner_id")
    table = _sheet_table(load_workbook(demo / "comparison.xlsx")["Summary"], "Mean score by level")
    for theme in framework.themes:
        for level in ("executive", "operational", "strategic"):
            ids = [p for p in partners.index[partners["level"] == level] if p in means.columns]
            kept = [means.loc[theme.id, p] for p in ids if not thin.loc[theme.id, p]]
            row = table.loc[theme.sheet_name]
            assert row[f"{level}: n"] == len(kept), (theme.id, level)
            if kept:
                assert row[level] == pytest.approx(sum(kept) / len(kept)), (theme.id, level)


def test_the_groups_sheet_gives_each_groups_mean_per_question(
    demo: Path, framework: Framework
) -> None:
    tidy = pd.read_csv(demo / "responses.csv")
    # Each partner once, by its position: the median of its respondents (issue 25).
    tidy = tidy.groupby(["partner_id", "question_id"], as_index=False)["rating"].median()
    partners = pd.read_csv(demo / "partners.csv", dtype=str).drop_duplicates("partner_id")
    tidy = tidy.merge(partners[["partner_id", "level"]], on="partner_id")
    ws = load_workbook(demo / "comparison.xlsx")["Groups"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Grouping")
    table = pd.DataFrame(rows[header + 1 :], columns=rows[header])
    level = table[table["Grouping"] == "level"].set_index("ID")
    for question in framework.rated_questions[:12]:
        scores = tidy[(tidy["question_id"] == question.id) & tidy["rating"].notna()]
        by_level = scores.groupby("level")["rating"].agg(["mean", "count"])
        shown = level.loc[question.id, "Groups: mean (n)"]
        for name, values in by_level.iterrows():
            # Issue 19: a group below GROUP_MIN_SIZE is shown with its n, marked, never compared.
            n = int(values["count"])
            mark = "" if n >= GROUP_MIN_SIZE else ", too few to compare"
            assert f"{name} {shown_figure(values['mean'])} (n={n}{mark})" in shown
        big = by_level[by_level["count"] >= GROUP_MIN_SIZE]
        if len(big) < 2:
            assert pd.isna(level.loc[question.id, "Gap"])
            assert pd.isna(level.loc[question.id, "Large gap"])
        else:
            # The gap shown is the difference of the two means as shown (issue 19).
            gap = shown_change(big["mean"].min(), big["mean"].max())
            assert level.loc[question.id, "Gap"] == pytest.approx(gap)
            assert (level.loc[question.id, "Large gap"] == "Yes") == (gap >= 1.0)
            for side in ("Lowest group", "Highest group"):
                assert int(by_level.loc[level.loc[question.id, side], "count"]) >= GROUP_MIN_SIZE


def test_a_partial_return_is_incomplete_everywhere(demo: Path, framework: Framework) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "check",
            str(demo / "returns"),
            "--partners",
            str(demo / "partners.csv"),
            "--format",
            "json",
        ],
    )
    files = {
        f["partner_id"]: f
        for f in json.loads(result.stdout)["files"]
        if f["status"] != "superseded"
    }
    partial = files["community-health"]
    assert partial["status"] == "incomplete" and partial["answered"] < partial["rated_total"]
    returns = load_workbook(demo / "comparison.xlsx")["Returns"]
    statuses = {r[0].value: r[3].value for r in returns.iter_rows() if r[0].value}
    assert statuses["community-health"] == "incomplete"
    summary = [
        [c.value for c in r] for r in load_workbook(demo / "comparison.xlsx")["Summary"].iter_rows()
    ]
    coverage = next(r for r in summary if r[0] == "Rated questions answered")
    assert f"{partial['answered']}/{partial['rated_total']}" in coverage
    # Its thin themes are starred and left out of the partnership mean.
    means, thin = _expected(demo, framework)
    theme = next(
        t
        for t in framework.themes
        if thin.loc[t.id, "community-health"] and not pd.isna(means.loc[t.id, "community-health"])
    )
    kept = [means.loc[theme.id, p] for p in means.columns if not thin.loc[theme.id, p]]
    ws = load_workbook(demo / "comparison.xlsx")["Summary"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Theme")
    col = {c.value: c.column for c in header}
    row = next(r[0].row for r in ws.iter_rows() if r[0].value == theme.sheet_name)
    partner = ws.cell(row=row, column=col["North Shire Community Health NHS Trust"])
    assert partner.number_format.endswith('" *"')
    assert ws.cell(row=row, column=col["Partnership mean"]).value == pytest.approx(
        sum(kept) / len(kept)
    )
    assert ws.cell(row=row, column=col["Partners (n)"]).value == len(kept)
