"""Issue 25 items 3-5: several respondents per partner roll up to the partner's position,
the spread between them is shown, and an anonymous round shows nobody.

Returns are made in memory with several respondents per partner (designed scores whose
answer is known); the comparison, the tidy table and the paper are written for real and
read back with openpyxl, pandas and python-docx.
"""

from __future__ import annotations

import math
import statistics
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from lsp_xlsx.board.paper import save_board_paper
from lsp_xlsx.cli import cli
from lsp_xlsx.compare.anonymity import KEYS_NAME, anonymous_round, write_keys
from lsp_xlsx.compare.rollup import STRONG_RANGE
from lsp_xlsx.compare.rules import MIN_RESPONDENTS, partner_position, round_half_up
from lsp_xlsx.compare.tables import TIDY_COLUMNS, Comparison, collate, write_responses_csv
from lsp_xlsx.compare.writer import save_comparison
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import Respondent, Response, Return
from tests.accessibility import problems

MADE_AT = "2027-03-01T09:00:00Z"


def _return(
    framework: Framework,
    pid: str,
    name: str,
    person: str,
    scores: Mapping[str, int | None],
    evidence: str = "",
) -> Return:
    labels = {o.score: o.label for o in framework.scored_options}
    responses = {}
    for q in framework.questions:
        score = scores.get(q.id) if q.rated else None
        responses[q.id] = Response(
            q.id,
            rated=q.rated,
            rating=score,
            rating_label=labels[score] if score else "",
            evidence=f"{evidence} on {q.id}" if evidence and q.rated else "",
        )
    slug = person.lower().replace(" ", "-")
    ret = Return(
        path=Path(f"{pid}-{slug}.xlsx"),
        sha256=f"{abs(hash((pid, person))):064x}"[:64],
        partner_id=pid,
        partner_name=name,
        respondent=Respondent(name, person, "Director", f"{slug}@example.org"),
        respondent_id=f"{pid}-{slug}",
        responses=responses,
        rated_total=len(framework.rated_questions),
        framework_id=framework.id,
    )
    return ret.finish()


def _cycle(framework: Framework, offset: int) -> dict[str, int]:
    low, high = framework.score_range
    width = high - low + 1
    return {q.id: low + (i + offset) % width for i, q in enumerate(framework.rated_questions)}


PEOPLE = {
    "council": ("County Council", "council", ["Ann Able", "Bob Baker", "Cat Cole"]),
    "police": ("Police", "police", ["Dan Dole", "Eve Eton"]),
    "health": ("NHS Trust", "health", ["Fay Fox"]),
    "fire": ("Fire Service", "blue light", ["Gus Gray", "Hal Hunt", "Ivy Ives"]),
    "youth": ("Youth Trust", "voluntary", ["Jo Jones"]),
    "carers": ("Carers Forum", "voluntary", ["Kim King", "Lee Lamb"]),
}


def _partners() -> list[Partner]:
    return [Partner(pid, name, sector) for pid, (name, sector, _) in PEOPLE.items()]


def _returns(framework: Framework) -> list[Return]:
    """Every respondent's return: each person's scores a different turn of the scale."""
    out = []
    for k, (pid, (name, _, people)) in enumerate(PEOPLE.items()):
        for j, person in enumerate(people):
            evidence = f"{person.split()[0]}'s evidence"
            scores = _cycle(framework, k + 2 * j)
            out.append(_return(framework, pid, name, person, scores, evidence))
    return out


def _written(c: Comparison, folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    paths = {
        "workbook": save_comparison(c, folder / "comparison.xlsx"),
        "responses": write_responses_csv(c, folder / "responses.csv"),
        "paper": save_board_paper(c, folder / "board-paper.docx"),
    }
    if c.anonymity is not None:
        paths["keys"] = write_keys(c.anonymity, folder / KEYS_NAME)
    return paths


def _sheet_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


# --- 3. The organisation's position ----------------------------------------------------


def test_the_councils_position_is_the_median_of_its_three_respondents(
    framework: Framework, tmp_path: Path
) -> None:
    c = collate(_returns(framework), framework, _partners(), made_at=MADE_AT)
    paths = _written(c, tmp_path)
    tidy = pd.read_csv(paths["responses"], dtype={"rating": "Int64"}, keep_default_na=False)
    assert list(tidy.columns) == list(TIDY_COLUMNS)
    council = tidy[tidy["partner_id"] == "council"]
    assert council["respondent_id"].nunique() == 3  # one row per respondent and question
    stats = c.question_stats
    for qid, rows in council.groupby("question_id"):
        scores = [int(v) for v in rows["rating"].dropna()]
        if not scores:
            continue
        assert stats.loc[qid, "council"] == statistics.median(scores), qid
    # Summary: the council counts once, as one column, and the count says partners.
    rows = _sheet_rows(paths["workbook"])
    summary = rows["Summary"]
    header = next(r for r in summary if r and r[0] == "Theme")
    assert sum(1 for v in header if v == "County Council") == 1
    assert c.return_counts.counted == len(PEOPLE)
    assert c.return_counts.respondents == sum(len(p) for _, _, p in PEOPLE.values())
    text = " ".join(str(v) for r in summary[:6] for v in r if v)
    assert f"{len(PEOPLE)} of {len(PEOPLE)} partners" in text
    assert "counts once" in text
    all_row = next(r for r in summary if r and r[0] == "All themes")
    assert all_row[header.index("Partners (n)")] == len(PEOPLE)


def test_every_sheet_says_a_partner_counts_once(framework: Framework, tmp_path: Path) -> None:
    c = collate(_returns(framework), framework, _partners(), made_at=MADE_AT)
    rows = _sheet_rows(_written(c, tmp_path)["workbook"])
    for name, sheet in rows.items():
        if name.startswith("_"):
            continue
        top = " ".join(str(v) for r in sheet[:8] for v in r if v)
        notes = " ".join(str(v) for r in sheet for v in r if v) if name == "Notes" else top
        assert "counts once" in notes, name


def test_an_even_count_takes_the_mean_of_the_middle_two_rounded_half_up() -> None:
    scores = np.array([[2, 3], [1, 2], [1, np.nan], [np.nan, np.nan], [1, 2]], dtype=float)
    assert list(partner_position(scores[:3]))[:3] == [2.5, 1.5, 1.0]
    assert math.isnan(partner_position(scores)[3])
    mean = partner_position(np.array([[1, 2, 2.0]]), "mean")
    assert mean[0] == 1.7 == round_half_up(5 / 3)
    with pytest.raises(ValueError):
        partner_position(scores, "mode")


def test_mean_roll_up(framework: Framework) -> None:
    c = collate(_returns(framework), framework, _partners(), made_at=MADE_AT, roll_up_method="mean")
    first = framework.rated_questions[0].id
    council = [_cycle(framework, 0 + 2 * j)[first] for j in range(3)]
    assert c.question_stats.loc[first, "council"] == round_half_up(sum(council) / 3)


def test_the_spread_within_a_partner_is_measured_and_flagged(
    framework: Framework, tmp_path: Path
) -> None:
    """Designed: partners all say 3 except the council's people, who say 1, 3 and 4."""
    rated = [q.id for q in framework.rated_questions]
    first = rated[0]
    returns = []
    for pid, (name, _, people) in PEOPLE.items():
        for j, person in enumerate(people):
            scores = dict.fromkeys(rated, 3)
            if pid == "council":
                scores[first] = (1, 3, 4)[j]
            returns.append(_return(framework, pid, name, person, scores))
    c = collate(returns, framework, _partners(), made_at=MADE_AT)
    assert c.rollup is not None
    spread = c.rollup.spread.set_index(["partner_id", "question_id"])
    row = spread.loc[("council", first)]
    assert row["n"] == 3 and row["position"] == 3 and row["range"] == 3
    assert row["within_one"] == pytest.approx(2 / 3)  # 3 and 4 are within one step of 3
    assert row["partners_range"] == 0  # every partner's position is 3
    assert row["wider_than_partners"] == "Yes"
    # r_wg: 1 - sample variance of 1, 3, 4 (7/3) over a 4-point scale's random variance (15/12).
    assert row["rwg"] == pytest.approx(1 - (7 / 3) / (15 / 12))
    assert spread.loc[("council", rated[1]), "wider_than_partners"] == ""
    assert set(spread.index.get_level_values(0)) == {"council", "police", "fire", "carers"}
    # The paper: one line for the council, counts only, nobody named.
    paper = Document(str(save_board_paper(c, tmp_path / "paper.docx")))
    text = [p.text for p in paper.paragraphs]
    # One partner's line closes the section's paragraph (a list of one is a sentence).
    lines = [t for t in text if "County Council:" in t]
    assert len(lines) == 1 and lines[0].endswith(
        f"strongly: County Council: its 3 respondents are {STRONG_RANGE} or more steps apart "
        f"on 1 of the {len(rated)} questions they scored."
    )
    assert not any("Police:" in t for t in text)
    assert not any(p in " ".join(text) for p in ("Ann Able", "Bob Baker", "Cat Cole"))
    # The Respondents sheet: a table, title in A1, flagged row, and accessible.
    path = save_comparison(c, tmp_path / "comparison.xlsx")
    ws = load_workbook(path)["Respondents"]
    assert "Respondents" in str(ws["A1"].value)
    assert "RespondentsTable" in ws.tables
    found = [r for r in ws.iter_rows(values_only=True) if r[0] == "County Council"]
    assert found[0][2] == first and found[0][-1] == "Yes"
    assert problems(path) == []


def test_one_respondent_per_partner_has_no_respondents_sheet(framework: Framework) -> None:
    returns = [r for r in _returns(framework) if r.respondent.name in ("Ann Able", "Fay Fox")]
    c = collate(returns, framework, _partners(), made_at=MADE_AT)
    assert c.rollup is not None and not c.rollup.several
    assert c.return_counts.counted == c.return_counts.respondents == 2


# --- 4. Anonymity ----------------------------------------------------------------------


def _every_text(paths: dict[str, Path]) -> str:
    """Every cell of every sheet (hidden ones too), the paper's text and properties, the
    CSV, and every XML part of both packages (properties, comments, anything)."""
    parts = []
    for sheet in _sheet_rows(paths["workbook"]).values():
        parts += [str(v) for r in sheet for v in r if v is not None]
    paper = Document(str(paths["paper"]))
    parts += [p.text for p in paper.paragraphs]
    parts += [c.text for t in paper.tables for row in t.rows for c in row.cells]
    for key in ("workbook", "paper"):
        with zipfile.ZipFile(paths[key]) as z:
            parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    parts.append(paths["responses"].read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_an_anonymous_round_names_nobody(framework: Framework, tmp_path: Path) -> None:
    returns = _returns(framework)
    c = collate(returns, framework, _partners(), made_at=MADE_AT, anonymous=True)
    paths = _written(c, tmp_path)
    text = _every_text(paths)
    for ret in returns:
        who = ret.respondent
        for secret in (who.name, who.email, ret.file, ret.path.stem, ret.respondent_id):
            assert secret not in text, secret
        assert ret.sha256 not in text
    # Evidence is shown, without its author and with no rating beside it.
    evidence = _sheet_rows(paths["workbook"])["Evidence"]
    header = next(i for i, r in enumerate(evidence) if r and r[0] == "Partner")
    body = evidence[header + 1 :]
    assert any("evidence on" in str(r[5]) for r in body)
    assert all(r[4] in (None, "") for r in body)
    # The key map is the coordinator's: it holds every person, and is a separate file.
    keys = pd.read_csv(paths["keys"], keep_default_na=False)
    assert set(keys["name"]) == {r.respondent.name for r in returns}
    assert set(keys["respondent_key"]) == set(pd.read_csv(paths["responses"])["respondent_id"])


def test_a_partner_below_k_has_no_figures_and_none_can_be_subtracted_back(
    framework: Framework, tmp_path: Path
) -> None:
    returns = _returns(framework)
    c = collate(returns, framework, _partners(), made_at=MADE_AT, anonymous=True)
    assert c.anonymity is not None and c.anonymity.k == MIN_RESPONDENTS
    shown = [p.name for p in c.partners]
    # Council and fire (3 respondents) as themselves; police (2) and health (1) alone in
    # their sectors go to Other partners; youth (1) and carers (2) merge as voluntary.
    assert shown == [
        "County Council",
        "Fire Service",
        "voluntary partners (merged)",
        "Other partners",
    ]
    text = _every_text(_written(c, tmp_path))
    for name in ("Police", "NHS Trust", "Youth Trust", "Carers Forum"):
        assert name not in text, name
    # The merged column's position is the median over all its members' respondents, on
    # questions where at least k of them scored; never any one small partner's own.
    tidy = pd.concat([_board_frame(r, framework) for r in returns])
    stats = c.question_stats
    members = {
        "voluntary partners (merged)": ["youth", "carers"],
        "Other partners": ["police", "health"],
    }
    for qid in stats.index:
        for unit, ids in members.items():
            scores = tidy[(tidy["question_id"] == qid) & tidy["partner_id"].isin(ids)]["rating"]
            scores = [float(v) for v in scores.dropna()]
            expected = statistics.median(scores) if len(scores) >= MIN_RESPONDENTS else math.nan
            got = float(stats.loc[qid, c.partners[shown.index(unit)].partner_id])
            assert (math.isnan(got) and math.isnan(expected)) or got == expected
    # The group sums: a total over partners is the total over the columns shown, so
    # subtracting the published partners gives back only a published merged column.
    ids = [p.partner_id for p in c.partners]
    for qid in stats.index:
        values = stats.loc[qid, ids].astype(float)
        present = values.dropna()
        if present.empty:
            continue
        assert stats.loc[qid, "mean"] * len(present) == pytest.approx(present.sum())
    for theme_id in c.theme_scores.index:
        row = c.theme_scores.loc[theme_id, ids].astype(float).dropna()
        assert c.theme_scores.loc[theme_id, "n"] == len(row)
        assert c.theme_scores.loc[theme_id, "mean"] * len(row) == pytest.approx(row.sum())
    for group in c.groups:
        sizes = group.n.loc["ALL"]
        # Every column with a value in exactly one group: no group hides a partner.
        assert sizes.sum() == sum(1 for p in c.partners if p.value(group.grouping))


def _board_frame(ret: Return, framework: Framework) -> pd.DataFrame:
    rows = [
        {"partner_id": ret.partner_id, "question_id": q, "rating": r.rating}
        for q, r in ret.responses.items()
        if r.rated
    ]
    return pd.DataFrame(rows).astype({"rating": "float64"})


def test_a_lone_small_partner_is_folded_into_a_merged_column(framework: Framework) -> None:
    """Complementary suppression: one small partner left over is never a column alone."""
    keep = {"Ann Able", "Bob Baker", "Cat Cole", "Jo Jones", "Kim King", "Lee Lamb", "Fay Fox"}
    returns = [r for r in _returns(framework) if r.respondent.name in keep]
    c = collate(returns, framework, _partners(), made_at=MADE_AT, anonymous=True)
    assert [p.name for p in c.partners] == ["County Council", "Other partners"]
    assert c.anonymity is not None
    merged = c.anonymity.merged()
    assert sorted(merged["Other partners"]) == ["carers", "health", "youth"]


def test_too_few_to_merge_are_withheld_and_the_notes_say_so(framework: Framework) -> None:
    returns = [r for r in _returns(framework) if r.partner_id in ("council", "health")]
    c = collate(returns, framework, _partners(), made_at=MADE_AT, anonymous=True)
    assert [p.name for p in c.partners] == ["County Council"]
    assert c.anonymity is not None and c.anonymity.withheld == ["NHS Trust"]
    assert "left out of every figure" in c.anonymity.note()
    assert c.return_counts.counted == 2  # it returned; its figures are not shown


def test_the_workbook_properties_are_the_tools_own(framework: Framework, tmp_path: Path) -> None:
    c = collate(_returns(framework), framework, _partners(), made_at=MADE_AT, anonymous=True)
    paths = _written(c, tmp_path)
    wb = load_workbook(paths["workbook"])
    assert wb.properties.creator.startswith("lsp-xlsx")
    assert (wb.properties.lastModifiedBy or "").startswith("lsp-xlsx")
    doc = Document(str(paths["paper"]))
    assert doc.core_properties.author.startswith("lsp-xlsx")
    assert doc.core_properties.last_modified_by.startswith("lsp-xlsx")


def test_a_round_built_anonymous_is_collated_anonymously(framework: Framework) -> None:
    """The build's meta key ``anonymous``, as the reader sets it on a Return."""
    returns = _returns(framework)
    assert not anonymous_round(returns)
    vars(returns[0])["anonymous"] = True
    assert anonymous_round(returns)


def test_demo_anonymous_names_nobody_in_any_output(tmp_path: Path) -> None:
    """The whole command: every output collate wrote (workbook, paper, CSV and the JSON
    record) searched for every person in partners.csv and the key map, and every file."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--anonymous", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    keys = pd.read_csv(out / KEYS_NAME, keep_default_na=False, dtype=str)
    partners = pd.read_csv(out / "partners.csv", keep_default_na=False, dtype=str)
    secrets = set(keys["name"]) | set(keys["email"]) | set(partners["contact_name"])
    secrets |= set(partners["email"])
    for file in keys["file"]:
        secrets |= {Path(file).name, Path(file).stem}
    secrets |= set(keys["sha256"])
    secrets.discard("")
    assert len(secrets) > 20
    paths = {
        "workbook": out / "comparison.xlsx",
        "paper": out / "board-paper.docx",
        "responses": out / "responses.csv",
    }
    text = _every_text(paths) + (out / ".lsp-xlsx-written.json").read_text(encoding="utf-8")
    assert [s for s in secrets if s in text] == []
    assert "Keep it private" in result.output


def test_collate_anonymous_and_roll_up_from_the_command_line(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "-o", str(demo)]).exit_code in (0, 1)
    out = tmp_path / "board" / "comparison.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "--anonymous", "--roll-up", "mean"])
    assert result.exit_code in (0, 1), result.output
    keys = pd.read_csv(out.with_name(KEYS_NAME), keep_default_na=False, dtype=str)
    tidy = pd.read_csv(out.with_name("responses.csv"), keep_default_na=False, dtype=str)
    assert set(tidy["respondent_id"]) <= set(keys["respondent_key"])
    assert not set(tidy["source_file"]) & {Path(f).name for f in keys["file"]}
    notes = " ".join(str(v) for r in _sheet_rows(out)["Notes"] for v in r if v)
    assert "anonymous round" in notes and f"at least {MIN_RESPONDENTS} respondents" in notes
    bad = CliRunner().invoke(cli, [*args, "-o", str(out), "--roll-up", "mode"])
    assert bad.exit_code == 2


def test_a_workbook_built_with_build_anonymous_carries_it_into_collate(
    framework: Framework, tmp_path: Path
) -> None:
    """build --anonymous writes the meta key; the reader sets Return.anonymous; collate
    publishes the round anonymously (and writes the private key map) without --anonymous."""
    from lsp_xlsx.core.files import save_workbook
    from lsp_xlsx.returns.reader import read_return
    from lsp_xlsx.workbook.build import BuildSettings, build_workbook
    from tests.fill import full_answers, set_answers

    returns = tmp_path / "returns"
    returns.mkdir()
    for pid in ("council", "police", "nhs"):
        partner = Partner(pid, f"{pid.title()} org", "Public sector", f"Ann {pid}", "")
        wb = build_workbook(framework, partner, BuildSettings(anonymous=True))
        set_answers(wb, framework, full_answers(framework))
        save_workbook(wb, returns / f"{pid}-ann.xlsx")
    assert read_return(returns / "council-ann.xlsx", framework).anonymous
    plain = build_workbook(framework, None, BuildSettings())
    save_workbook(plain, tmp_path / "plain.xlsx")
    assert not read_return(tmp_path / "plain.xlsx", framework).anonymous
    out = tmp_path / "board"
    result = CliRunner().invoke(cli, ["collate", str(returns), "-o", str(out / "comparison.xlsx")])
    assert result.exit_code == 0, result.output
    assert (out / KEYS_NAME).is_file()
    text = "\n".join(
        str(v)
        for ws in load_workbook(out / "comparison.xlsx").worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    for pid in ("council", "police", "nhs"):
        assert f"Ann {pid}" not in text and f"{pid}-ann.xlsx" not in text
