"""Nothing the coordinator made is lost: inputs never written over, by any route; the
workshop's entries carried forward; an edited paper kept; an open file respected; one run
at a time; a killed run's leftovers cleared."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from docx import Document
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.core.errors import OutputBlocked, OutputError
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.safety import office
from lsp_xlsx.safety.names import STATE_NAME
from lsp_xlsx.safety.written import FolderState, sha256
from tests.fill import full_answers, make_return

ROOT = Path(__file__).resolve().parents[1]


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _returns(folder: Path, framework: Framework, ids: tuple[str, ...]) -> Path:
    for pid in ids:
        make_return(folder / f"{pid}.xlsx", framework, full_answers(framework), Partner(pid, pid))
    return folder


@pytest.fixture
def year(tmp_path: Path, framework: Framework) -> Path:
    """Last year's folder, as collate wrote it, and this year's returns beside it."""
    (tmp_path / "partners.csv").write_text(
        "partner_id,name\npolice,police\nfire,fire\nnhs,nhs\n", encoding="utf-8"
    )
    _returns(tmp_path / "returns-2027", framework, ("police", "fire"))
    _returns(tmp_path / "returns-2028", framework, ("police", "fire"))
    first = _invoke(
        "collate",
        str(tmp_path / "returns-2027"),
        "-o",
        str(tmp_path / "board-2027" / "comparison.xlsx"),
    )
    assert first.exit_code == 0, first.output
    return tmp_path


# --- 1. every input protected -------------------------------------------------------------


def test_second_round_into_last_years_folder_is_refused(year: Path) -> None:
    last = year / "board-2027" / "responses.csv"
    before = last.read_bytes()
    result = _invoke(
        "collate", str(year / "returns-2028"), "--previous", str(last),
        "-o", str(year / "board-2027" / "comparison.xlsx"),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "would be written over" in result.output and "--previous" in result.output
    assert str(last) in result.output
    assert last.read_bytes() == before


@pytest.mark.parametrize("route", ["direct", "symlink", "hard link"])
@pytest.mark.parametrize("which", ["partners", "manifest", "previous"])
def test_responses_naming_an_input_is_refused(year: Path, which: str, route: str) -> None:
    inputs = {
        "partners": year / "partners.csv",
        "manifest": year / "manifest.csv",
        "previous": year / "board-2027" / "responses.csv",
    }
    inputs["manifest"].write_text("partner_id,file,sha256,built_at,copy_id\n", encoding="utf-8")
    target = inputs[which]
    before = target.read_bytes()
    named = target
    if route == "symlink":
        named = year / "link.csv"
        named.symlink_to(target)
    elif route == "hard link":
        named = year / "hard.csv"
        os.link(target, named)
    options = {
        "partners": ["--partners", str(inputs["partners"])],
        "manifest": ["--manifest", str(inputs["manifest"])],
        "previous": ["--previous", str(inputs["previous"])],
    }[which]
    result = _invoke(
        "collate", str(year / "returns-2028"), *options,
        "-o", str(year / "board-2028" / "comparison.xlsx"), "--responses", str(named),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "would be written over" in result.output
    assert str(target) in result.output and str(named) in result.output
    assert target.read_bytes() == before
    assert not (year / "board-2028" / "comparison.xlsx").exists()


@pytest.mark.parametrize("route", ["direct", "symlink"])
def test_build_over_its_prefill_is_refused(year: Path, route: str) -> None:
    prefill = year / "board-2027" / "responses.csv"
    before = prefill.read_bytes()
    named = prefill
    if route == "symlink":
        named = year / "blank.xlsx"
        named.symlink_to(prefill)
    result = _invoke("build", "--prefill", str(prefill), "-o", str(named))
    assert result.exit_code == 2, result.output
    assert "--prefill" in result.output and str(prefill) in result.output
    assert prefill.read_bytes() == before


def test_build_copies_folder_holding_the_prefill_as_manifest_is_refused(year: Path) -> None:
    prefill = year / "to-send" / "manifest.csv"
    prefill.parent.mkdir()
    prefill.write_bytes((year / "board-2027" / "responses.csv").read_bytes())
    result = _invoke(
        "build", "--partners", str(year / "partners.csv"), "--prefill", str(prefill),
        "--out-dir", str(prefill.parent), "--force",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "manifest.csv would be written over" in result.output


def test_agree_into_the_comparisons_own_name_is_refused(year: Path, tmp_path: Path) -> None:
    comparison = year / "board-2027" / "comparison.xlsx"
    plan = tmp_path / "plans" / "improvement-plan.xlsx"
    plan.parent.mkdir()
    plan.symlink_to(comparison)
    before = comparison.read_bytes()
    result = _invoke("agree", str(comparison), "-o", str(plan.parent))
    assert result.exit_code == 2, result.output
    assert comparison.read_bytes() == before


# --- 2. the workshop's entries carried forward ---------------------------------------------


def _fill_agreed(path: Path, framework: Framework) -> dict[str, tuple[object, ...]]:
    """Type entries into the Agreed sheet as the board would; and one row for a question
    that the framework no longer has."""
    wb = load_workbook(path)
    ws = wb[A.SHEET]
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: c.column for c in ws[header]}
    labels = [o.label for o in framework.scale if o.score is not None]
    typed: dict[str, tuple[object, ...]] = {}
    for offset in (0, 2, 5):
        row = header + 1 + offset
        qid = str(ws.cell(row=row, column=col["ID"]).value)
        entry = (
            labels[offset % len(labels)],
            f"=Action {qid}",
            f"Lead {qid}",
            dt.date(2027, 9, 30),
        )
        typed[qid] = entry
        for label, value in zip(
            ("Agreed rating", "Agreed action", "Lead (post)"), entry, strict=False
        ):
            cell = ws.cell(row=row, column=col[label])
            cell.value = value
            cell.data_type = "s"
        ws.cell(row=row, column=col["Target date"]).value = dt.datetime(2027, 9, 30)
    row = header + 8  # a rating agreed, nothing else
    ws.cell(row=row, column=col["Agreed rating"]).value = labels[0]
    typed[str(ws.cell(row=row, column=col["ID"]).value)] = (labels[0],)
    gone = ws.max_row + 1
    ws.cell(row=gone, column=col["ID"]).value = "Q99.9"
    ws.cell(row=gone, column=col["Agreed action"]).value = "An action for a question now gone"
    # A row the board inserted, with an action but no ID: matches no question either.
    ws.cell(row=gone + 1, column=col["Agreed action"]).value = "An action on an inserted row"
    wb.save(path)
    return typed


def _agreed_entries(path: Path) -> dict[str, tuple[object, ...]]:
    ws = load_workbook(path)[A.SHEET]
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: c.column for c in ws[header]}
    found = {}
    for row in range(header + 1, ws.max_row + 1):
        values = tuple(
            ws.cell(row=row, column=col[k]).value
            for k in ("Agreed rating", "Agreed action", "Lead (post)", "Target date")
        )
        if any(v is not None for v in values):
            found[str(ws.cell(row=row, column=col["ID"]).value)] = values
    return found


def _carry_round(year: Path, framework: Framework, resave: bool) -> None:
    board = year / "board-2027"
    comparison = board / "comparison.xlsx"
    typed = _fill_agreed(comparison, framework)
    if resave:
        from tests.libreoffice import convert

        again = convert(comparison, "xlsx", year / "resaved")
        comparison.write_bytes(again.read_bytes())
    filled = comparison.read_bytes()
    _returns(year / "returns-2027", framework, ("nhs",))  # one more, late, return
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(comparison))
    assert result.exit_code == 0, result.output
    entries = _agreed_entries(comparison)
    assert set(entries) == set(typed)
    for qid, entry in typed.items():
        got = entries[qid]
        assert got[0] == entry[0]
        if len(entry) > 1:
            assert got[1] == entry[1] and got[2] == entry[2]  # "=Action" stays text
            assert isinstance(got[3], dt.datetime) and got[3].date() == entry[3]
    actions = sum(1 for e in typed.values() if len(e) > 1)
    assert f"Carried {len(typed)} agreed ratings and {actions} actions" in result.output
    said = " ".join(result.output.split())
    # Rows that matched no question are named as such, by row, not as questions gone.
    assert "matched no question" in said and "(Q99.9)" in said
    assert re.search(r"row \d+, row \d+ \(Q99\.9\)|row \d+ \(Q99\.9\), row \d+", said)
    kept = sorted(board.glob("comparison-previous-*.xlsx"))
    assert len(kept) == 1 and kept[0].read_bytes() == filled
    assert str(kept[0]) in " ".join(result.output.split())
    returns_sheet = load_workbook(comparison, read_only=True)["Returns"]
    assert any("nhs" in str(c) for row in returns_sheet.iter_rows(values_only=True) for c in row)


def test_the_workshops_entries_are_carried_into_the_new_comparison(
    year: Path, framework: Framework
) -> None:
    _carry_round(year, framework, resave=False)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_entries_of_a_libreoffice_resave_are_carried_too(year: Path, framework: Framework) -> None:
    _carry_round(year, framework, resave=True)


def test_an_unchanged_comparison_is_replaced_without_a_copy(year: Path) -> None:
    board = year / "board-2027"
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(board / "comparison.xlsx"))
    assert result.exit_code == 0, result.output
    assert not list(board.glob("comparison-*.xlsx")) and not list(board.glob("board-paper-*"))
    state = FolderState.read(board)
    assert state.wrote(board / "comparison.xlsx") and state.wrote(board / "board-paper.docx")


# --- 3. an edited paper kept ----------------------------------------------------------------


def test_an_edited_board_paper_stays_and_the_new_one_goes_beside_it(year: Path) -> None:
    board = year / "board-2027"
    paper = board / "board-paper.docx"
    document = Document(str(paper))
    document.add_paragraph("Recommendation: the board adopts the plan. (typed by Jo)")
    document.save(str(paper))
    edited = paper.read_bytes()
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(board / "comparison.xlsx"))
    assert result.exit_code == 0, result.output
    assert paper.read_bytes() == edited
    texts = [p.text for p in Document(str(paper)).paragraphs]
    assert "Recommendation: the board adopts the plan. (typed by Jo)" in texts
    [new] = board.glob("board-paper-*.docx")
    assert "typed by Jo" not in " ".join(p.text for p in Document(str(new)).paragraphs)
    output = " ".join(result.output.split())
    assert f"the new board paper is {new}" in output and f"Board paper (Word): {new}" in output
    # Run again: the tool's own new paper is replaced in place, the edited one still kept.
    again = _invoke("collate", str(year / "returns-2027"), "-o", str(board / "comparison.xlsx"))
    assert again.exit_code == 0 and paper.read_bytes() == edited
    assert list(board.glob("board-paper-*.docx")) == [new]


def test_an_edited_improvement_plan_stays(year: Path) -> None:
    comparison = year / "board-2027" / "comparison.xlsx"
    out = year / "agreed"
    # Issue 23: nothing is agreed on this sheet yet, so agree exits 1, but still writes.
    assert _invoke("agree", str(comparison), "-o", str(out)).exit_code == 1
    plan = out / "improvement-plan.xlsx"
    wb = load_workbook(plan)
    wb.active["H1"] = "Checked by the board, 3 March"  # type: ignore[index]
    wb.save(plan)
    edited = plan.read_bytes()
    result = _invoke("agree", str(comparison), "-o", str(out))
    assert result.exit_code == 1 and "nothing agreed yet" in result.output, result.output
    assert plan.read_bytes() == edited
    [new] = out.glob("improvement-plan-*.xlsx")
    assert str(new) in " ".join(result.output.split())


# --- 4. open files respected ----------------------------------------------------------------


def _libreoffice_lock(path: Path, host: str) -> Path:
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text(f",Jo Bloggs,{host},01.12.2026 10:00,file:///home/jo/.config/libreoffice/4;")
    return lock


def _excel_lock(path: Path) -> Path:
    lock = path.with_name(f"~${path.name[2:]}")
    name = "Sam Smith"
    data = bytes([len(name)]) + name.encode("cp1252").ljust(53, b" ")
    data += bytes([len(name), 0]) + name.encode("utf-16-le")
    lock.write_bytes(data.ljust(165, b"\0"))
    return lock


@pytest.mark.parametrize("program", ["LibreOffice", "Excel"])
def test_a_comparison_open_elsewhere_stops_the_run(year: Path, program: str) -> None:
    comparison = year / "board-2027" / "comparison.xlsx"
    before = {p.name: p.read_bytes() for p in comparison.parent.iterdir() if p.is_file()}
    if program == "LibreOffice":
        lock, holder = _libreoffice_lock(comparison, "jos-laptop"), "Jo Bloggs"
    else:
        lock, holder = _excel_lock(comparison), "Sam Smith"
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(comparison))
    assert result.exit_code == 3, result.output
    output = " ".join(result.output.split())
    assert f"{comparison} is open in {program} by {holder}" in output
    assert "close it and run again" in output and str(lock) in output
    after = {p.name: p.read_bytes() for p in comparison.parent.iterdir() if p.is_file()}
    assert after == before | {lock.name: lock.read_bytes()}


def test_a_stale_libreoffice_lock_is_named_and_does_not_block(
    year: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    comparison = year / "board-2027" / "comparison.xlsx"
    _libreoffice_lock(comparison, socket.gethostname())
    monkeypatch.setattr(office, "office_running", lambda: False)
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(comparison))
    assert result.exit_code == 0, result.output
    assert "is stale" in result.output and "Jo Bloggs" in result.output
    monkeypatch.setattr(office, "office_running", lambda: True)
    assert _invoke("collate", str(year / "returns-2027"), "-o", str(comparison)).exit_code == 3


# --- 5. one run at a time ---------------------------------------------------------------------


def test_two_runs_on_one_folder_one_completes_the_other_stops(year: Path) -> None:
    out = year / "board"
    command = [
        sys.executable, "-m", "lsp_xlsx", "collate", str(year / "returns-2027"),
        "-o", str(out / "comparison.xlsx"),
    ]  # fmt: skip
    env = dict(os.environ, LSP_XLSX_WAIT_SECONDS="0.2", PYTHONPATH=str(ROOT))
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    done = []
    for process in runs:
        with process:
            _, err = process.communicate(timeout=120)
        done.append((process.returncode, err.decode()))
    codes = sorted(code for code, _ in done)
    assert codes == [0, 3], done
    [stopped] = [err for code, err in done if code == 3]
    assert "Another lsp-xlsx run is writing into" in stopped
    assert "Traceback" not in stopped
    # The outputs are one run's set: each file is the one the state records, and whole.
    state = FolderState.read(out)
    for name in ("comparison.xlsx", "responses.csv", "board-paper.docx"):
        assert state.files[name]["sha256"] == sha256(out / name)
    assert len({entry["run"] for entry in state.files.values()}) == 1
    load_workbook(out / "comparison.xlsx", read_only=True).close()
    assert len(pd.read_csv(out / "responses.csv")) > 0
    assert not list(out.glob(".*.part"))


def test_a_held_folder_makes_a_second_run_wait_then_stop(year: Path) -> None:
    from lsp_xlsx.safety.runlock import run_lock

    out = year / "board-2027"
    before = (out / "comparison.xlsx").read_bytes()
    with run_lock([out], wait=0):
        started = time.monotonic()
        result = _invoke("collate", str(year / "returns-2027"), "-o", str(out / "comparison.xlsx"))
        waited = time.monotonic() - started
    assert result.exit_code == 3 and "Another lsp-xlsx run" in result.output
    assert waited >= 5.0
    assert (out / "comparison.xlsx").read_bytes() == before


# --- 7. leftovers cleared ---------------------------------------------------------------------


def test_a_killed_runs_leftovers_are_cleared(year: Path) -> None:
    out = year / "board-2027"
    old = out / ".comparison.xlsx.ab12_xyz.part"
    fresh = out / ".responses.csv.cd34efgh.part"
    other = out / ".notes.part"
    for path in (old, fresh, other):
        path.write_bytes(b"half a file")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(other, (hours_ago, hours_ago))
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(out / "comparison.xlsx"))
    assert result.exit_code == 0, result.output
    assert not old.exists()  # the tool's own, and old: a killed run's
    assert fresh.exists()  # may be a run writing now
    assert other.exists()  # not the tool's name


# --- pieces ---------------------------------------------------------------------------------


def test_write_errors_cross_back_from_a_worker_process() -> None:
    for error in (OutputError(Path("x/comparison.xlsx"), "No space left on device"),
                  OutputBlocked(Path("x"), "Another lsp-xlsx run is writing into x")):  # fmt: skip
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


def test_the_state_file_is_hidden_json_beside_the_outputs(year: Path) -> None:
    state = year / "board-2027" / STATE_NAME
    assert state.name.startswith(".")
    assert FolderState.read(state.parent).files["responses.csv"]["sha256"]


def test_the_demo_is_not_written_into_the_framework_folder(framework_copy: Path) -> None:
    before = sorted(p.name for p in framework_copy.iterdir())
    result = _invoke("demo", "--framework", str(framework_copy), "-o", str(framework_copy / "d"))
    assert result.exit_code == 2, result.output
    assert "the framework folder" in result.output
    assert sorted(p.name for p in framework_copy.iterdir()) == before


def test_lock_files_say_who_and_since_when(tmp_path: Path) -> None:
    short = tmp_path / "plan.xlsx"  # Excel keeps the whole name of a short one
    name = "Ann Lee"
    (tmp_path / "~$plan.xlsx").write_bytes(bytes([len(name)]) + name.encode().ljust(53, b" "))
    other = tmp_path / "comparison.xlsx"
    (tmp_path / ".~lock.comparison.xlsx#").write_text(",jbloggs,pc7,28.11.2026 09:05,file:///x;")
    found = {f.path.name: f for f in office.open_files([short, other], dt.date(2026, 12, 1))}
    assert found["plan.xlsx"].describe() == f"{short} is open in Excel by Ann Lee"
    assert found["comparison.xlsx"].describe() == (
        f"{other} is open in LibreOffice by jbloggs since 28/11/2026 09:05"
    )
    assert office.open_files([tmp_path / "nothing.xlsx"]) == []


def test_a_dated_name_is_one_not_yet_taken(tmp_path: Path) -> None:
    from lsp_xlsx.safety.names import dated_name

    paper = tmp_path / "board-paper.docx"
    day = dt.date(2026, 12, 1)
    assert dated_name(paper, day) == tmp_path / "board-paper-2026-12-01.docx"
    (tmp_path / "board-paper-2026-12-01.docx").write_bytes(b"")
    assert dated_name(paper, day) == tmp_path / "board-paper-2026-12-01-2.docx"
    kept = dated_name(tmp_path / "comparison.xlsx", day, "previous")
    assert kept.name == "comparison-previous-2026-12-01.xlsx"


def test_an_unreadable_previous_comparison_is_kept_and_named_in_the_coordinators_words(
    year: Path,
) -> None:
    board = year / "board-2027"
    comparison = board / "comparison.xlsx"
    comparison.write_bytes(b"not a workbook at all")
    result = _invoke("collate", str(year / "returns-2027"), "-o", str(comparison))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "could not be read (refused-" in said and "Run 'lsp-xlsx agree' on it" in said
    assert "Ask the partner" not in said.split("could not be read")[1].split(".")[0]
    [kept] = board.glob("comparison-previous-*.xlsx")
    assert kept.read_bytes() == b"not a workbook at all" and str(kept) in said
