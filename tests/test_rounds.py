"""Rounds: a round label, last year's file kept out, and workbooks pre-filled from last round."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.fill import fill_answers
from tests.accessibility import problems
from tests.fill import full_answers


def _meta(path: Path) -> dict[str, object]:
    ws = load_workbook(path)[C.META_SHEET]
    return {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}


def test_build_writes_the_round_into_the_meta_and_start_here(tmp_path: Path) -> None:
    out = tmp_path / "blank.xlsx"
    result = CliRunner().invoke(cli, ["build", "-o", str(out), "--deadline", "31/03/2028"])
    assert result.exit_code == 0, result.output
    assert _meta(out)["round"] == "2028"  # the deadline's year
    start = [[c.value for c in r] for r in load_workbook(out)[C.START_SHEET].iter_rows()]
    assert [v for v in next(r for r in start if r[0] == "Round") if v] == ["Round", "2028"]
    CliRunner().invoke(cli, ["build", "-o", str(out), "--round", "2027-28"])
    assert _meta(out)["round"] == "2027-28"
    too_long = CliRunner().invoke(cli, ["build", "-o", str(out), "--round", "x" * 21])
    assert too_long.exit_code == 2


def _return(folder: Path, framework: Framework, pid: str, round_label: str) -> Path:
    wb = build_workbook(framework, Partner(pid, pid.title()), BuildSettings(round=round_label))
    fill_answers(wb, framework, full_answers(framework))
    return save_workbook(wb, folder / f"{pid}-{round_label}.xlsx")


def test_last_years_file_is_reported_and_not_counted(tmp_path: Path, framework: Framework) -> None:
    folder = tmp_path / "returns"
    _return(folder, framework, "police", "2027")
    _return(folder, framework, "fire", "2027")
    _return(folder, framework, "police", "2026")  # last year's, dropped in by mistake
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    data = json.loads(result.stdout)
    status = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert status == {"fire-2027.xlsx": "ok", "police-2026.xlsx": "held", "police-2027.xlsx": "ok"}
    [other] = [f for f in data["findings"] if f["code"] == "other-round"]
    assert other["params"] == {"found": "2026", "expected": "2027"}
    assert "from round 2026, not round 2027" in other["message"]
    asked = CliRunner().invoke(cli, ["check", str(folder), "--round", "2026", "--format", "json"])
    held = [f["file"] for f in json.loads(asked.stdout)["files"] if f["status"] == "held"]
    assert sorted(Path(f).name for f in held) == ["fire-2027.xlsx", "police-2027.xlsx"]


def test_responses_csv_has_the_round_last(tmp_path: Path, framework: Framework) -> None:
    folder = tmp_path / "returns"
    _return(folder, framework, "police", "2027")
    out = tmp_path / "board"
    CliRunner().invoke(cli, ["collate", str(folder), "-o", str(out / "c.xlsx")])
    tidy = pd.read_csv(out / "responses.csv", dtype=str)
    assert list(tidy.columns)[-4:] == ["framework_version", "round", "respondent_id", "extra_text"]
    assert set(tidy["round"]) == {"2027"}
    about = [[c.value for c in r] for r in load_workbook(out / "c.xlsx")["About"].iter_rows()]
    assert ["Round", "2027"] in about


@pytest.fixture
def last_round(tmp_path: Path, framework: Framework) -> Path:
    """Last round's responses.csv, for two partners, with texts worth carrying over."""
    folder = tmp_path / "2027"
    for pid in ("police", "fire"):
        answers = full_answers(framework, "2 - Performs adequately")
        first = framework.rated_questions[0].id
        answers[first] |= {
            "improvement_action": f"=Refresh the plan ({pid})",
            "evidence_source": "Board minutes\nMarch 2027",
            "target_date": dt.datetime(2027, 9, 30),
        }
        wb = build_workbook(framework, Partner(pid, pid.title()), BuildSettings(round="2027"))
        fill_answers(wb, framework, answers)
        save_workbook(wb, folder / "returns" / f"{pid}.xlsx")
    result = CliRunner().invoke(
        cli, ["collate", str(folder / "returns"), "-o", str(folder / "c.xlsx")]
    )
    assert result.exit_code == 0, result.output
    return folder / "responses.csv"


def _prefilled(tmp_path: Path, last_round: Path) -> Path:
    partners = tmp_path / "partners.csv"
    partners.write_text(
        "partner_id,name\npolice,Police\nfire,Fire\nnhs,NHS Trust\n", encoding="utf-8"
    )
    out = tmp_path / "to-send"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--partners",
            str(partners),
            "--out-dir",
            str(out),
            "--round",
            "2028",
            "--prefill",
            str(last_round),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_each_prefilled_workbook_holds_last_rounds_answers(
    tmp_path: Path, framework: Framework, last_round: Path
) -> None:
    out = _prefilled(tmp_path, last_round)
    tidy = pd.read_csv(last_round, dtype=str, keep_default_na=False)
    for pid, name in (("police", "police.xlsx"), ("fire", "fire.xlsx")):
        wb = load_workbook(out / name)
        assert _meta(out / name)["prefilled_from"] == "2027"
        mine = tidy[(tidy["partner_id"] == pid) & (tidy["rated"] == "yes")].set_index("question_id")
        for theme in framework.themes:
            ws = wb[theme.sheet_name]
            header = [c.value for c in ws[C.HEADER_ROW]]
            assert header[header.index("Rating") + 1] == "Last rating"
            col = {label: i for i, label in enumerate(header)}
            for row in ws.iter_rows(min_row=C.FIRST_DATA_ROW, values_only=True):
                qid = row[col["ID"]]
                if qid not in mine.index:
                    continue
                last = mine.loc[qid]
                assert row[col["Rating"]] is None  # every partner re-rates deliberately
                assert row[col["Last rating"]] == last["rating_label"]
                for label, key in (
                    ("Evidence", "evidence"),
                    ("Evidence source", "evidence_source"),
                    ("Improvement action", "improvement_action"),
                    ("Lead (post)", "lead"),
                ):
                    assert (row[col[label]] or "") == last[key], (pid, qid, label)
                when = row[col["Target date"]]
                assert (when.date().isoformat() if when else "") == last["target_date"]
    assert problems(out / "police.xlsx") == []  # a pre-filled workbook is accessible too
    # A partner new this round gets a blank workbook, without the Last rating column.
    new = load_workbook(out / "nhs-trust.xlsx")["1 Outcomes"]
    assert "Last rating" not in [c.value for c in new[C.HEADER_ROW]]
    assert _meta(out / "nhs-trust.xlsx")["prefilled_from"] in ("", None)


def test_a_prefilled_return_reads_and_last_rating_is_passed_over(
    tmp_path: Path, framework: Framework, last_round: Path
) -> None:
    out = _prefilled(tmp_path, last_round)
    wb = load_workbook(out / "police.xlsx")
    fill_answers(
        wb, framework, {q.id: {"rating": "3 - Performs well"} for q in framework.rated_questions}
    )
    path = save_workbook(wb, tmp_path / "police-2028.xlsx")
    ret = read_return(path, framework)
    assert ret.status.value == "ok", ret.findings
    assert ret.round == "2028"
    first = ret.responses[framework.rated_questions[0].id]
    assert first.rating_label == "3 - Performs well"
    assert first.improvement_action == "=Refresh the plan (police)"
    assert first.evidence_source == "Board minutes\nMarch 2027"
    assert first.target_date == "2027-09-30"


@pytest.mark.libreoffice
def test_a_libreoffice_resave_of_a_prefilled_workbook_reads_the_same(
    tmp_path: Path, framework: Framework, last_round: Path
) -> None:
    from tests.libreoffice import convert

    out = _prefilled(tmp_path, last_round)
    direct = read_return(out / "fire.xlsx", framework)
    resaved = read_return(convert(out / "fire.xlsx", "xlsx", tmp_path / "lo"), framework)
    assert {
        q: (r.evidence, r.improvement_action, r.target_date) for q, r in direct.responses.items()
    } == {
        q: (r.evidence, r.improvement_action, r.target_date) for q, r in resaved.responses.items()
    }


def test_the_fill_helper_follows_the_header_in_a_prefilled_workbook(
    tmp_path: Path, framework: Framework, last_round: Path
) -> None:
    out = _prefilled(tmp_path, last_round)
    wb = load_workbook(out / "fire.xlsx")
    first = framework.rated_questions[0].id
    fill_answers(wb, framework, {first: {"rating": "4", "evidence": "New evidence"}})
    ret = read_return(save_workbook(wb, tmp_path / "fire.xlsx"), framework)
    assert (ret.responses[first].rating, ret.responses[first].evidence) == (4, "New evidence")
    ws = wb[framework.themes[0].sheet_name]
    header = [c.value for c in ws[C.HEADER_ROW]]
    last = ws.cell(row=C.FIRST_DATA_ROW, column=header.index("Last rating") + 1).value
    assert last == "2 - Performs adequately"  # the read-only column was not typed over


def _round(folder: Path, framework: Framework, label: str, ratings: dict[str, str]) -> Path:
    for pid, rating in ratings.items():
        wb = build_workbook(framework, Partner(pid, pid.title()), BuildSettings(round=label))
        answers = full_answers(framework, rating)
        first = framework.rated_questions[0].id
        answers[first] |= {
            "improvement_action": f"Fix it ({pid})",
            "target_date": dt.datetime(2026, 6, 30),  # passed by the time of round 2028,
        }
        fill_answers(wb, framework, answers)
        save_workbook(wb, folder / "returns" / f"{pid}.xlsx")
    return folder / "returns"


def test_the_progress_sheets_show_what_changed_since_last_round(
    tmp_path: Path, framework: Framework
) -> None:
    last = _round(
        tmp_path / "2027",
        framework,
        "2027",
        {
            "police": "2 - Performs adequately",
            "fire": "1 - Performs poorly",
            "vcs": "2 - Performs adequately",
        },
    )
    now = _round(
        tmp_path / "2028",
        framework,
        "2028",
        {
            "police": "3 - Performs well",
            "fire": "1 - Performs poorly",
            "nhs": "4 - Performs excellently",
        },
    )
    for folder in (last, now):
        extra = ["--previous", str(tmp_path / "2027" / "responses.csv")] if folder == now else []
        result = CliRunner().invoke(
            cli, ["collate", str(folder), "-o", str(folder.parent / "c.xlsx"), *extra]
        )
        assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "2028" / "c.xlsx")
    assert {"Progress", "Progress by question", "Actions due"} <= set(wb.sheetnames)
    then_t = pd.read_csv(tmp_path / "2027" / "responses.csv")
    now_t = pd.read_csv(tmp_path / "2028" / "responses.csv")

    def theme_mean(tidy: pd.DataFrame, pid: str, theme: str) -> float:
        rows = tidy[
            (tidy["partner_id"] == pid) & (tidy["theme_id"] == theme) & (tidy["rated"] == "yes")
        ]
        return float(rows["rating"].mean())

    ws = wb["Progress list"]  # issue 22: the long list moved here; Progress is the grid
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Partner")
    table = [r for r in rows[header + 1 :] if r[0]]
    police = {r[1]: r for r in table if r[0] == "Police"}
    assert police, table[:3]
    for theme in framework.themes:
        expected = theme_mean(now_t, "police", theme.id) - theme_mean(then_t, "police", theme.id)
        assert police[theme.sheet_name][4] == pytest.approx(expected)
        assert police[theme.sheet_name][5] == "▲ up"
    partnership = {r[1]: r for r in table if r[0] == "Partnership mean"}
    for theme in framework.themes:
        then_m = (
            theme_mean(then_t, "police", theme.id)
            + theme_mean(then_t, "fire", theme.id)
            + theme_mean(then_t, "vcs", theme.id)
        ) / 3
        now_m = (
            theme_mean(now_t, "police", theme.id)
            + theme_mean(now_t, "fire", theme.id)
            + theme_mean(now_t, "nhs", theme.id)
        ) / 3
        assert partnership[theme.sheet_name][4] == pytest.approx(now_m - then_m)
    questions = [[c.value for c in r] for r in wb["Progress by question"].iter_rows()]
    q_header = next(i for i, r in enumerate(questions) if r[0] == "ID")
    by_id = {r[0]: r for r in questions[q_header + 1 :] if r[0]}
    for question in framework.rated_questions[:10]:

        def q_mean(tidy: pd.DataFrame, qid: str = question.id) -> float:
            return float(
                tidy[(tidy["question_id"] == qid) & tidy["rating"].notna()]["rating"].mean()
            )

        assert by_id[question.id][5] == pytest.approx(q_mean(now_t) - q_mean(then_t))
    subtitle = " ".join(str(r[0]) for r in rows[1:header] if r[0])
    # issue 22: by return, not "new this round"; no partners list, so Vcs is "not this round".
    assert "Returned for the first time: Nhs." in subtitle
    assert "Returned in round 2027, not this round: Vcs." in subtitle
    due = [[c.value for c in r] for r in wb["Actions due"].iter_rows()]
    due_header = next(i for i, r in enumerate(due) if r[0] == "Partner")
    actions = {r[0]: r for r in due[due_header + 1 :] if r[0]}
    assert actions["Police"][6:8] == ["2 - Performs adequately", "3 - Performs well"]
    assert actions["Vcs"][7] == "not returned"
    summary = " ".join(
        str(c.value) for r in wb["Summary"].iter_rows(max_row=6) for c in r if c.value
    )
    assert "Since round 2027:" in summary and "the partnership improved" in summary
    assert problems(tmp_path / "2028" / "c.xlsx") == []


def test_demo_rounds_2_shows_progress_with_one_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--rounds", "2", "-o", str(tmp_path), "--partners", "8"]
    )
    assert result.exit_code in (0, 1), result.output
    assert f"Round two (2028):    {tmp_path}/round-2/comparison.xlsx" in result.output
    wb = load_workbook(tmp_path / "round-2" / "comparison.xlsx")
    assert "Progress" in wb.sheetnames
    tidy = pd.read_csv(tmp_path / "round-2" / "responses.csv", dtype=str)
    assert set(tidy["round"]) == {"2028"} and "safety" in set(tidy["partner_id"])
    first = pd.read_csv(tmp_path / "round-1" / "responses.csv", dtype=str)
    assert set(first["round"]) == {"2027"}
    # The partner who left round two is gone; the one who joined is new.
    assert set(first["partner_id"]) - set(tidy["partner_id"])
