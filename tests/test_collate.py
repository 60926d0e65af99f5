"""collate(): known returns give exact statistics, and the tidy table keeps every answer."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lsp_xlsx.compare.tables import TIDY_COLUMNS, Comparison, collate, write_responses_csv
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from tests.fill import make_return

A = Partner("a", "Alpha Council", "Local government")
B = Partner("b", "Beta Police", "Police")
C = Partner("c", "Gamma Trust", "Health")
D = Partner("d", "Delta Forum", "Voluntary sector")  # never returns

R1, R2, R3, R4 = (
    "1 - Performs poorly",
    "2 - Performs adequately",
    "3 - Performs well",
    "4 - Performs excellently",
)
DK, NA = "Don't know", "Not applicable"

# T1 has six rated questions. Scores chosen so every statistic is easy to check by hand.
KNOWN: dict[Partner, dict[str, dict[str, Any]]] = {
    A: {
        "T1.Q1": {
            "rating": R4,
            "improvement_action": "Act later",
            "target_date": dt.datetime(2027, 6, 1),
        },
        "T1.Q2": {"rating": R3},
        "T1.Q3": {
            "rating": R2,
            "evidence": '=HYPERLINK("http://evil")',
            "evidence_source": "@once",
        },
        "T7.Q8": {"rating": R1},
    },
    B: {
        "T1.Q1": {
            "rating": R1,
            "improvement_action": "Act first",
            "target_date": dt.datetime(2027, 1, 5),
        },
        "T1.Q2": {"rating": R3},
        "T1.Q3": {"rating": DK},
        "T7.Q8": {"rating": R2, "improvement_action": "No date yet"},
    },
    C: {
        "T1.Q1": {"rating": R2},
        "T1.Q2": {"rating": NA},
        "T1.Q3": {"rating": "Good"},
        "T7.Q8": {"rating": R3},
    },
}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Comparison:
    folder = tmp_path_factory.mktemp("known")
    paths = [
        make_return(folder / f"{p.partner_id}.xlsx", framework, answers, p)
        for p, answers in KNOWN.items()
    ]
    returns = read_returns(paths, framework)
    return collate(returns, framework, [C, A, D, B], made_at="2027-04-01T00:00:00Z")


def test_partner_order_follows_the_partners_file(comparison: Comparison) -> None:
    assert [p.partner_id for p in comparison.partners] == ["c", "a", "b"]
    assert [p.partner_id for p in comparison.not_returned] == ["d"]


def test_partner_order_without_a_partners_file_is_by_name(
    comparison: Comparison, framework: Framework
) -> None:
    again = collate(comparison.returns, framework)
    assert [p.name for p in again.partners] == ["Alpha Council", "Beta Police", "Gamma Trust"]
    assert again.not_returned == []


def test_question_statistics_are_exact(comparison: Comparison) -> None:
    q = comparison.question_stats
    q1 = q.loc["T1.Q1"]
    assert [q1["c"], q1["a"], q1["b"]] == [2, 4, 1]
    assert (q1["answered"], q1["mean"], q1["median"], q1["min"], q1["max"], q1["spread"]) == (
        3,
        7 / 3,
        2,
        1,
        4,
        3,
    )
    assert q1["std"] == pytest.approx(
        math.sqrt(((2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2 + (1 - 7 / 3) ** 2) / 2)
    )
    assert q1["disagreement"] == "Yes"
    q2 = q.loc["T1.Q2"]
    assert (q2["answered"], q2["mean"], q2["spread"], q2["Not applicable"], q2["Don't know"]) == (
        3,
        3,
        0,
        1,
        0,
    )
    assert q2["c"] == NA and math.isnan(q2["std"]) is False  # two scores of 3: std 0
    assert q2["std"] == 0 and q2["disagreement"] == ""
    q3 = q.loc["T1.Q3"]
    # Gamma typed "Good": not valid, not answered, not scored.
    assert (q3["c"], q3["a"], q3["b"]) == ("not valid", 2, DK)
    assert (q3["answered"], q3["mean"], q3["Don't know"]) == (2, 2, 1)
    assert math.isnan(q3["std"])
    q4 = q.loc["T1.Q4"]
    assert q4["answered"] == 0 and math.isnan(q4["mean"])


def test_unrated_stems_are_never_scored(comparison: Comparison) -> None:
    assert "T7.Q5" not in comparison.question_stats.index
    stems = comparison.responses[comparison.responses["rated"] == "no"]
    assert stems["rating"].isna().all()


def test_theme_scores_are_means_of_scored_answers(comparison: Comparison) -> None:
    t = comparison.theme_scores
    assert t.loc["T1", "a"] == pytest.approx((4 + 3 + 2) / 3)
    assert t.loc["T1", "b"] == pytest.approx((1 + 3) / 2)
    assert t.loc["T1", "c"] == 2  # only T1.Q1 is scored for Gamma
    # T1 has 6 rated questions: Alpha scored 3 (half), Beta 2 and Gamma 1, so Beta's and
    # Gamma's scores are thin: shown, marked, and left out of the partnership's numbers.
    thin = comparison.thin
    assert (thin.loc["T1", "a"], thin.loc["T1", "b"], thin.loc["T1", "c"]) == (False, True, True)
    assert t.loc["T1", "mean"] == pytest.approx((4 + 3 + 2) / 3) and t.loc["T1", "n"] == 1
    assert (t.loc["T1", "min"], t.loc["T1", "max"], t.loc["T1", "spread"]) == (3, 3, 0)
    assert t.loc["T7", "a"] == 1 and bool(thin.loc["T7", "a"])  # 1 of 12: thin
    assert math.isnan(t.loc["T7", "mean"]) and t.loc["T7", "n"] == 0
    assert math.isnan(t.loc["T3", "mean"])
    assert t.loc["ALL", "a"] == pytest.approx((4 + 3 + 2 + 1) / 4)
    assert (
        list(t["theme"])[:2] == ["1 Outcomes", "2 Use of resources"]
        and t["theme"].iloc[-1] == "All themes"
    )


def test_sector_scores(comparison: Comparison) -> None:
    s = comparison.sector_scores
    assert list(s.columns) == ["theme", "Health", "Local government", "Police"]
    [sector] = [g for g in comparison.groups if g.grouping == "sector"]
    t, thin = comparison.theme_scores, comparison.thin
    for p in comparison.partners:  # one partner per sector here: its score, unless thin
        kept = t.loc["T1", p.partner_id] if not thin.loc["T1", p.partner_id] else None
        mean = sector.means.loc["T1", p.sector]
        assert (mean == kept) if kept is not None else math.isnan(mean), p.sector
        assert sector.n.loc["T1", p.sector] == (1 if kept is not None else 0)


def test_agenda_order_and_reasons(comparison: Comparison) -> None:
    agenda = comparison.agenda
    # Issue 19: least agreement (r_wg) first: T1.Q1 (4, 1, 2: r_wg -0.87), then T7.Q8
    # (1, 2, 3: r_wg 0.2), then the lowest mean; each reason names who is where.
    assert list(agenda.index[:3]) == ["T1.Q1", "T7.Q8", "T1.Q3"]
    assert agenda.loc["T1.Q1", "reason"] == (
        "split: 2 partners at 1–2 (Gamma Trust, Beta Police), 1 at 3–4 (Alpha Council)"
    )
    assert agenda.loc["T7.Q8", "reason"] == (
        "split: 2 partners at 1–2 (Alpha Council, Beta Police), 1 at 3–4 (Gamma Trust); "
        "lowest-rated in theme 7"
    )
    assert agenda.loc["T1.Q3", "reason"] == "lowest-rated in theme 1"


def test_action_plan_sorted_by_date_undated_last(comparison: Comparison) -> None:
    actions = comparison.actions
    assert list(actions["improvement_action"]) == ["Act first", "Act later", "No date yet"]
    assert list(actions["target_date"]) == ["2027-01-05", "2027-06-01", ""]


def test_tidy_table_columns_rows_and_values(comparison: Comparison, framework: Framework) -> None:
    tidy = comparison.responses
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert len(tidy) == 3 * len(framework.questions)
    row = tidy[(tidy["partner_id"] == "a") & (tidy["question_id"] == "T1.Q3")].iloc[0]
    assert row["evidence"] == '=HYPERLINK("http://evil")'
    assert (row["rating"], row["rating_label"], row["sector"]) == (2, R2, "Local government")
    bad = tidy[(tidy["partner_id"] == "c") & (tidy["question_id"] == "T1.Q3")].iloc[0]
    assert pd.isna(bad["rating"]) and bad["rating_raw"] == "Good" and bad["rating_label"] == ""
    dk = tidy[(tidy["partner_id"] == "b") & (tidy["question_id"] == "T1.Q3")].iloc[0]
    assert pd.isna(dk["rating"]) and dk["rating_label"] == DK


def test_superseded_returns_are_not_in_the_tidy_table(tmp_path: Path, framework: Framework) -> None:
    old = make_return(
        tmp_path / "old.xlsx",
        framework,
        {"T1.Q1": {"rating": R1}},
        A,
        start={"completed": dt.datetime(2027, 1, 1)},
    )
    new = make_return(
        tmp_path / "new.xlsx",
        framework,
        {"T1.Q1": {"rating": R4}},
        A,
        start={"completed": dt.datetime(2027, 2, 1)},
    )
    comparison = collate(read_returns([old, new], framework), framework)
    assert set(comparison.responses["source_file"]) == {str(new)}
    assert comparison.question_stats.loc["T1.Q1", "a"] == 4
    statuses = list(comparison.returns_table["status"])
    assert statuses == ["incomplete", "superseded"]  # it answers T1.Q1 only


def test_returns_table_lists_partners_not_returned(comparison: Comparison) -> None:
    table = comparison.returns_table.set_index("partner_id")
    assert table.loc["d", "status"] == "not returned"
    assert table.loc["a", "answered"] == 4 and table.loc["a", "rated_total"] == 59
    assert table.loc["a", "percent"] == pytest.approx(4 / 59)
    assert table.loc["c", "status"] == "errors" and table.loc["c", "findings"] == 1


def test_csv_is_utf8_pandas_and_holds_everything(comparison: Comparison, tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    write_responses_csv(comparison, path)
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(back.columns) == TIDY_COLUMNS
    assert back.loc[
        (back["partner_id"] == "a") & (back["question_id"] == "T1.Q3"), "evidence"
    ].item() == ('=HYPERLINK("http://evil")')
    assert (
        back.loc[(back["partner_id"] == "a") & (back["question_id"] == "T1.Q1"), "rating"].item()
        == "4"
    )


def test_same_inputs_give_the_same_tables(comparison: Comparison, framework: Framework) -> None:
    again = collate(list(reversed(comparison.returns)), framework, [C, A, D, B], made_at="x")
    pd.testing.assert_frame_equal(again.responses, comparison.responses)
    pd.testing.assert_frame_equal(again.question_stats, comparison.question_stats)
    pd.testing.assert_frame_equal(again.agenda, comparison.agenda)


def test_collate_of_no_return_that_counts_says_so(framework: Framework, tmp_path: Path) -> None:
    # The commands stop before collate when nothing counts; a library caller is told why.
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_bytes(b"this is not a workbook")
    refused = read_returns([bad], framework)
    assert refused and not any(r.counts for r in refused)
    for returns in ([], refused):
        with pytest.raises(ValueError, match="at least one return that counts"):
            collate(returns, framework)
