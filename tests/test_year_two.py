"""Issue 22: the year closes its loop. Last round's agreed position is the baseline of the
next comparison; the improvement plan is followed (and read back); Progress reads signal,
not noise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.board.plan_read import read_plan
from lsp_xlsx.cli import cli
from lsp_xlsx.compare.followup import DUE_WITHIN_DAYS, followup, followup_counts
from lsp_xlsx.compare.progress import Baseline, progress
from lsp_xlsx.compare.progress_partners import movement_lines
from lsp_xlsx.compare.rules import CHANGE_THRESHOLD, change_direction
from lsp_xlsx.demo_rounds import ROUND_TWO_TODAY
from lsp_xlsx.framework.model import Framework
from tests.accessibility import problems
from tests.libreoffice import convert


def _rows(ws: Any, first: str) -> tuple[list[Any], list[list[Any]]]:
    """The header row (found by its first cell) and the rows of the table below it."""
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == first)
    return rows[header], [r for r in rows[header + 1 :] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year-two")
    result = CliRunner().invoke(cli, ["demo", "--rounds", "2", "-o", str(out), "--partners", "6"])
    assert result.exit_code in (0, 1), result.output
    return out


def _plan_statuses(plan: Path) -> dict[str, tuple[str, str]]:
    """Question id -> (status, owner), as the updated plan holds them (read by openpyxl)."""
    ws = load_workbook(plan)["Improvement plan"]
    header = [c.value for c in ws[3]]
    out = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        record = dict(zip(header, row, strict=True))
        if record["Agreed action"]:
            out[str(record["ID"])] = (str(record["Status"] or ""), str(record["Owner"] or ""))
    return out


def _expected_due(status: str, target: str, today: dt.date) -> str:
    if status in ("done", "dropped"):
        return status
    if not target:
        return "no target date"
    days = (dt.date.fromisoformat(target) - today).days
    return "overdue" if days < 0 else "due" if days <= DUE_WITHIN_DAYS else "not yet due"


def test_round_two_shows_round_ones_agreed_position_and_follows_up_its_actions(
    demo: Path,
) -> None:
    first, second = demo / "round-1", demo / "round-2"
    agreed = pd.read_csv(first / "agreed.csv", dtype=str, keep_default_na=False)
    plan = _plan_statuses(first / "improvement-plan.xlsx")
    # The demo's coordinator set two statuses in the plan after agree wrote agreed.csv.
    assert sorted(s for s, _ in plan.values() if s != "not started") == ["done", "in progress"]
    wb = load_workbook(second / "comparison.xlsx")

    header, rows = _rows(wb["Agreed"], "Theme")
    col = {label: i for i, label in enumerate(header)}
    shown = {r[col["ID"]]: r for r in rows}
    for record in agreed.to_dict("records"):
        row = shown[record["question_id"]]
        assert row[col["Agreed last round"]] == (record["agreed_label"] or None)
        assert row[col["Action last round"]] == (record["action"] or None)
        assert row[col["Agreed rating"]] is None  # this year's workshop still to come
    ws = wb["Agreed"]
    first_row = ws[ws.max_row]
    locked = {h: c.protection.locked for h, c in zip(header, first_row, strict=True)}
    assert locked["Agreed last round"] and locked["Action last round"]  # read-only
    assert not locked["Agreed rating"]

    header, rows = _rows(wb["Progress by question"], "ID")
    col = {label: i for i, label in enumerate(header)}
    assert header.index("Agreed then") == header.index("This round") - 1  # beside it
    by_id = {r[0]: r for r in rows}
    for record in agreed.to_dict("records"):
        assert by_id[record["question_id"]][col["Agreed then"]] == (record["agreed_label"] or None)

    header, rows = _rows(wb["Agreed actions"], "ID")
    col = {label: i for i, label in enumerate(header)}
    acted = agreed[agreed["action"] != ""]
    assert len(rows) == len(acted) == 6
    followed = {r[col["ID"]]: r for r in rows}
    for record in acted.to_dict("records"):
        row = followed[record["question_id"]]
        status, owner = plan[record["question_id"]]
        assert row[col["Agreed action"]] == record["action"]
        assert row[col["Lead (post)"]] == record["lead"]
        assert row[col["Status"]] == status  # the plan's latest, not agreed.csv's
        assert (row[col["Owner"]] or "") == owner
        target = row[col["Target date"]]
        target_text = target.date().isoformat() if target else ""
        assert target_text == record["target_date"]
        assert row[col["Due"]] == _expected_due(status, target_text, ROUND_TWO_TODAY)
        assert row[col["Agreed rating then"]] == record["agreed_label"]
    dues = [r[col["Due"]] for r in rows]
    assert {"overdue", "due", "not yet due", "done", "no target date"} <= set(dues)
    subtitle = " ".join(str(r[0]) for r in wb["Agreed actions"].iter_rows(max_row=6) if r[0].value)
    assert "20 April 2028" in " ".join(
        str(c.value) for r in wb["Agreed actions"].iter_rows(max_row=6) for c in r if c.value
    ), subtitle
    assert problems(second / "comparison.xlsx") == []


def test_an_invited_but_silent_partner_is_not_new_and_the_grid_reads_by_partner(
    demo: Path,
) -> None:
    wb = load_workbook(demo / "round-2" / "comparison.xlsx")
    ws = wb["Progress"]
    text = " ".join(str(c.value) for r in ws.iter_rows(max_row=12) for c in r if c.value)
    # Round one's late partner (invited, no return) returns in round two.
    late = "North Shire Fire and Rescue Service"
    assert f"did not return then: {late}." in text
    assert "Returned for the first time: North Shire Community Safety Partnership." in text
    assert late not in text.split("Returned for the first time:")[1].split(".")[0]
    header, rows = _rows(ws, "Partner")
    assert header[1:4] == ["T1 then", "T1 now", "T1 change"]
    assert rows[0][0] == "Partnership mean"
    for row in rows:
        for change in row[3 : len(header) - 1 : 3]:
            assert change is None or change[0] in "▲▼≈", change
            assert "-0.0" not in str(change)


def test_agree_reads_an_updated_plan_back_and_keeps_it(demo: Path, tmp_path: Path) -> None:
    work = tmp_path / "board"
    shutil.copytree(demo / "round-1", work)
    plan = work / "improvement-plan.xlsx"
    wb = load_workbook(plan)
    ws = wb["Improvement plan"]
    header = {c.value: c.column for c in ws[3]}
    ws.cell(row=5, column=header["Status"]).value = "Finished"  # not on the list: kept
    ws.cell(row=6, column=header["Status"]).value = "dropped"
    wb.save(plan)
    edited = plan.read_bytes()
    result = CliRunner().invoke(
        cli, ["agree", str(work / "comparison.xlsx"), "--today", "2028-02-02"]
    )
    assert result.exit_code == 0, result.output
    assert "the status 'Finished' is not one of not started, in progress, done" in result.output
    assert plan.read_bytes() == edited  # the coordinator's plan stays as it is
    new = work / "improvement-plan-2028-02-02.xlsx"  # dated by --today
    assert new.is_file(), result.output
    assert _plan_statuses(new) == _plan_statuses(plan)  # every status carried
    agreed = pd.read_csv(work / "agreed.csv", dtype=str, keep_default_na=False)
    statuses = dict(zip(agreed["question_id"], agreed["status"], strict=True))
    for qid, (status, _) in _plan_statuses(plan).items():
        assert statuses[qid] == status
    assert "Finished" in statuses.values() and "dropped" in statuses.values()
    fresh = load_workbook(new)["Improvement plan"]
    labels = [c.value for c in fresh[3]]
    for label in ("Owner", "Status", "Progress note", "Updated"):
        assert not fresh.cell(row=4, column=labels.index(label) + 1).protection.locked
    assert fresh.cell(row=4, column=labels.index("Agreed action") + 1).protection.locked
    assert fresh.protection.sheet
    [status_list] = [dv for dv in fresh.data_validations.dataValidation if dv.type == "list"]
    assert status_list.formula1 == '"not started,in progress,done,dropped"'
    assert problems(new) == []


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_plan_resaved_by_libreoffice_reads_back_with_its_statuses(
    demo: Path, tmp_path: Path
) -> None:
    plan = demo / "round-1" / "improvement-plan.xlsx"
    resaved = convert(plan, "xlsx", tmp_path / "lo")
    read = read_plan(resaved)
    assert not read.refused
    expected = {qid: status for qid, (status, _) in _plan_statuses(plan).items()}
    got = {qid.upper(): s.status for (qid, _), s in read.statuses.items()}
    assert got == expected
    updated = {s.updated for s in read.statuses.values() if s.status != "not started"}
    assert updated == {"2028-02-01"}


# --- Progress: signal, not noise (designed tidy tables) --------------------------------


def _tidy(framework: Framework, ratings: dict[str, int], round_label: str) -> pd.DataFrame:
    """A tidy table in which each partner gives every rated question the same score."""
    labels = {o.score: o.label for o in framework.scale if o.score is not None}
    rows = [
        {
            "partner_id": pid,
            "partner": pid.title(),
            "theme_id": framework.theme_of[q.id].id,
            "theme": framework.theme_of[q.id].sheet_name,
            "question_id": q.id,
            "rated": "yes",
            "rating": str(score),
            "rating_label": labels[score],
            "improvement_action": "",
            "lead": "",
            "target_date": "",
            "round": round_label,
        }
        for pid, score in ratings.items()
        for q in framework.rated_questions
    ]
    frame = pd.DataFrame(rows)
    frame["score"] = pd.to_numeric(frame["rating"])
    return frame


def test_a_move_below_the_threshold_is_no_clear_change(framework: Framework) -> None:
    assert (
        change_direction(0.1) == "no clear change" and change_direction(-0.1) == "no clear change"
    )
    assert change_direction(CHANGE_THRESHOLD) == "▲ up"
    assert change_direction(-CHANGE_THRESHOLD) == "▼ down"
    partners = [f"p{i:02d}" for i in range(10)]
    before = _tidy(framework, dict.fromkeys(partners, 2), "2027")
    one_up = _tidy(framework, {p: 3 if p == "p00" else 2 for p in partners}, "2028")
    result = progress(one_up, before, framework, dt.date(2028, 4, 1))
    mean = result.themes[result.themes["partner"] == "Partnership mean"]
    assert set(mean["shown_change"]) == {0.1}  # one partner in ten, one step: 0.1
    assert set(mean["direction"]) == {"no clear change"}
    assert set(result.questions["direction"]) == {"no clear change"}
    assert set(result.questions["movement"]) == {""}  # nothing flagged as an improvement
    two_up = _tidy(framework, {p: 3 if p in ("p00", "p01") else 2 for p in partners}, "2028")
    result = progress(two_up, before, framework, dt.date(2028, 4, 1))
    assert set(result.questions["direction"]) == {"▲ up"}
    down = _tidy(framework, {p: 1 if p == "p00" else 2 for p in partners}, "2028")
    changes = progress(down, before, framework, dt.date(2028, 4, 1)).questions["shown_change"]
    assert all(not (math.copysign(1, c) < 0 and c == 0) for c in changes)  # no -0.0
    assert set(changes) == {-0.1}


def test_a_partner_that_copied_last_years_ratings_is_noted(framework: Framework) -> None:
    before = _tidy(framework, {"police": 2, "fire": 3}, "2027")
    now = _tidy(framework, {"police": 2, "fire": 4}, "2028")
    result = progress(now, before, framework, dt.date(2028, 4, 1))
    assert result.moved.unchanged == ["Police"]
    lines = movement_lines(result.moved, result.previous_round)
    assert "Police: ratings unchanged from 2027: check they were reviewed." in lines
    assert not any(line.startswith("Fire:") for line in lines)


def test_a_partner_invited_but_silent_last_year_is_not_new(framework: Framework) -> None:
    before = _tidy(framework, {"police": 2}, "2027")
    now = _tidy(framework, {"police": 3, "fire": 3, "nhs": 2}, "2028")
    # Last round invited police and fire (fire did not return); nhs was not a partner.
    invited = {"police": "ok", "fire": "not returned"}
    baseline = Baseline(invited=invited, partners_now={"police", "fire", "nhs"})
    result = progress(now, before, framework, dt.date(2028, 4, 1), baseline)
    assert result.partners_new == ["Nhs"]
    assert result.moved.invited_silent == ["Fire"]
    lines = " ".join(movement_lines(result.moved, "2027"))
    assert "Returned for the first time: Nhs." in lines
    assert "Invited in round 2027 but did not return then: Fire." in lines


def test_followup_counts_done_late_and_dropped_against_today() -> None:
    agreed = pd.DataFrame(
        {
            "theme_id": ["T1"] * 5,
            "question_id": ["A", "B", "C", "D", "E"],
            "question": ["q"] * 5,
            "agreed_label": ["2"] * 5,
            "action": ["a", "b", "c", "d", "e"],
            "lead": [""] * 5,
            "target_date": ["2028-01-01", "2028-01-01", "2028-04-10", "2028-06-30", ""],
            "owner": [""] * 5,
            "status": ["done", "in progress", "", "dropped", "not started"],
            "progress_note": [""] * 5,
            "updated": [""] * 5,
        }
    )
    today = dt.date(2028, 3, 31)
    table = followup(agreed, {}, ({}, {}), {}, today)
    assert list(table["due"]) == ["done", "overdue", "due", "dropped", "no target date"]
    counts = followup_counts(table)
    assert (counts.done, counts.late, counts.dropped, counts.due) == (1, 1, 1, 1)
    assert counts.sentence() == "Of 5 agreed actions, 1 is done, 1 is late and 1 was dropped."
    none = dataclasses.replace(counts, done=0, late=2, dropped=0)
    assert none.sentence() == "Of 5 agreed actions, none is done, 2 are late and none was dropped."
    later = followup(agreed, {}, ({}, {}), {}, dt.date(2028, 4, 11))
    assert followup_counts(later).late == 2  # C is now overdue: the day decides


def test_progress_takes_a_partner_with_several_respondents_at_its_position(
    framework: Framework,
) -> None:
    """Designed data: the council's respondents score 2 and 3 on one question, so Progress
    has the council once, at 2.5 (rules.partner_position, the Summary's figure), labelled by
    the figure; the police's one respondent is kept as it was."""
    from lsp_xlsx.compare.progress import partner_level
    from lsp_xlsx.compare.rules import partner_position

    q = framework.rated_questions[0].id
    tidy = pd.DataFrame(
        {
            "partner_id": ["council", "council", "police"],
            "question_id": [q, q, q],
            "score": [2.0, 3.0, 4.0],
            "rating": [2, 3, 4],
            "rating_label": ["2 - Performs adequately", "3 - Performs well", "4"],
        }
    )
    one = partner_level(tidy, framework)
    assert list(one["partner_id"]) == ["council", "police"]
    expected = float(partner_position(pd.DataFrame([[2.0, 3.0]]).to_numpy())[0])
    assert list(one["score"]) == [expected, 4.0] and expected == 2.5
    assert list(one["rating_label"]) == ["2.5", "4"]
