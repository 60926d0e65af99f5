"""Loading the framework: the shipped one, and every way a framework folder goes wrong."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from lsp_xlsx.core.errors import FrameworkError
from lsp_xlsx.core.findings import Code, Severity, finding
from lsp_xlsx.framework import Framework, load_framework

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "source"


# --- The shipped framework ---------------------------------------------------------------


def test_shipped_framework_has_seven_themes_and_every_bullet(framework: Framework) -> None:
    assert framework.id == "lsp-governance-2009"
    assert framework.version == 1
    assert len(framework.themes) == 7
    assert len(framework.questions) == 62
    assert len(framework.rated_questions) == 59
    assert [len(t.questions) for t in framework.themes] == [6, 23, 3, 5, 6, 6, 13]
    assert framework.warnings == ()


def test_shipped_ids_unique_and_parents_resolve(framework: Framework) -> None:
    ids = [q.id for q in framework.questions]
    assert len(ids) == len(set(ids))
    for question in framework.questions:
        if question.parent_id:
            parent = framework.by_id[question.parent_id]
            assert parent.theme_id == question.theme_id
            assert question.depth == parent.depth + 1


def test_unrated_rows_are_the_three_stems(framework: Framework) -> None:
    stems = [q.id for q in framework.questions if not q.rated]
    assert stems == ["T2.Q6", "T5.Q1", "T7.Q5"]
    for stem in stems:
        assert framework.by_id[stem].text.endswith(":")


def test_sheet_names_are_legal_and_unique(framework: Framework) -> None:
    names = [t.sheet_name for t in framework.themes]
    assert len({n.casefold() for n in names}) == 7
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


def test_repeated_risk_heading_is_one_theme(framework: Framework) -> None:
    risk = [t for t in framework.themes if "manage risks" in t.title]
    assert len(risk) == 1 and len(risk[0].questions) == 13


def test_every_question_is_word_for_word_in_the_source(framework: Framework) -> None:
    if not SOURCE.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"the source document is missing: {SOURCE} (CI has shared/ beside the clone)"
            )
        pytest.skip(f"the source document is not beside the checkout: {SOURCE}")
    text = next(SOURCE.glob("*.md")).read_text(encoding="utf-8")
    bullets = {
        " ".join(m.group(1).split())
        for m in re.finditer(r"^[ \t]*-[ \t]+(.+)$", text, flags=re.MULTILINE)
    }
    for question in framework.questions:
        assert question.text in bullets, question.id


def test_hash_ignores_bom_and_line_endings(framework_copy: Path, framework: Framework) -> None:
    path = framework_copy / "questions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_framework(framework_copy).hash == framework.hash


def test_hash_changes_when_a_question_changes(framework_copy: Path, framework: Framework) -> None:
    path = framework_copy / "questions.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("local people?", "locals?", 1), encoding="utf-8"
    )
    assert load_framework(framework_copy).hash != framework.hash


# --- Broken frameworks --------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str] | None = None) -> None:
    fields = fields or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _messages(folder: Path) -> list[str]:
    with pytest.raises(FrameworkError) as info:
        load_framework(folder)
    return [f.message for f in info.value.findings]


def test_duplicate_id(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[2]["id"] = "T1.Q1"
    _write(path, rows)
    expected = finding(
        Code.FRAMEWORK_DUPLICATE_ID,
        "questions.csv",
        cell="A4",
        where="questions.csv, line 4, column 'id'",
        id="T1.Q1",
        first=2,
    ).message
    assert expected in _messages(framework_copy)
    assert expected.startswith("questions.csv, line 4, column 'id': the id 'T1.Q1' is used again")


def test_parent_that_does_not_exist(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[11]["parent_id"] = "T2.Q99"  # T2.Q5a
    _write(path, rows)
    assert _messages(framework_copy) == [
        "questions.csv, line 13, column 'parent_id': the parent 'T2.Q99' of 'T2.Q5a' is not an "
        "id in this file. Use the id of a question above it, or leave parent_id empty."
    ]


def test_parent_in_another_theme(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[11]["parent_id"] = "T1.Q1"
    _write(path, rows)
    assert _messages(framework_copy) == [
        "questions.csv, line 13, column 'parent_id': the parent 'T1.Q1' of 'T2.Q5a' is in theme "
        "T1, not T2. A sub-question must sit in its parent's theme."
    ]


def test_cycle(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[10]["parent_id"] = "T2.Q5a"  # T2.Q5 -> T2.Q5a -> T2.Q5
    _write(path, rows)
    messages = _messages(framework_copy)
    assert len(messages) == 1
    assert messages[0] == (
        "questions.csv, line 12, column 'parent_id': 'T2.Q5' is its own ancestor "
        "(T2.Q5 → T2.Q5a → T2.Q5). Break the loop by fixing one parent_id."
    )


def test_empty_text(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[0]["text"] = "   "
    _write(path, rows)
    assert _messages(framework_copy) == [
        "questions.csv, line 2, column 'text': 'text' is empty. Fill it in or delete the row."
    ]


def test_missing_required_column(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    for row in rows:
        del row["rated"]
    _write(path, rows)
    assert _messages(framework_copy) == [
        "questions.csv, line 1: the required column 'rated' is missing. Add a column headed "
        "'rated' (the columns are: id, theme_id, parent_id, rated, text)."
    ]


def test_unknown_column_is_a_warning_naming_the_closest(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    for row in rows:
        row["parent"] = ""
    _write(path, rows)
    loaded = load_framework(framework_copy)
    assert [w.message for w in loaded.warnings] == [
        "questions.csv, line 1, column 'parent': the column 'parent' is not one this tool "
        "reads, so it is ignored. Did you mean 'parent_id'?"
    ]
    assert loaded.warnings[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "A sheet name that is far too long to fit",
            "themes.csv, line 2, column 'sheet_name': the sheet name 'A sheet name that is far too "
            "long to fit' has 40 characters; Excel allows 31. Shorten it.",
        ),
        (
            "Risks/controls",
            "themes.csv, line 2, column 'sheet_name': the sheet name 'Risks/controls' contains /. "
            "Excel does not allow this; choose another name.",
        ),
        (
            "2 USE OF RESOURCES",
            "themes.csv, line 3, column 'sheet_name': the sheet name '2 Use of resources' is "
            "already used (line 2); Excel ignores case. Give each theme its own sheet name.",
        ),
        (
            "Start here",
            "themes.csv, line 2, column 'sheet_name': the sheet name 'Start here' is reserved by "
            "Excel or by this workbook. Excel does not allow this; choose another name.",
        ),
    ],
)
def test_bad_sheet_names(framework_copy: Path, name: str, expected: str) -> None:
    path = framework_copy / "themes.csv"
    rows = _rows(path)
    rows[0]["sheet_name"] = name
    _write(path, rows)
    assert expected in _messages(framework_copy)


def test_scale_with_no_scoring_option(framework_copy: Path) -> None:
    path = framework_copy / "scale.csv"
    rows = [r for r in _rows(path) if not r["score"]]
    _write(path, rows)
    assert _messages(framework_copy) == [
        "scale.csv: no option has a score, so nothing could be averaged. Give at least one "
        "option a whole-number score."
    ]


def test_duplicate_scale_label(framework_copy: Path) -> None:
    path = framework_copy / "scale.csv"
    rows = _rows(path)
    rows[5]["label"] = "don't KNOW"
    _write(path, rows)
    assert _messages(framework_copy) == [
        "scale.csv, line 7, column 'label': the label 'don't KNOW' is used again (first on line "
        "6). Every option needs its own label."
    ]


def test_utf8_with_bom_just_works(framework_copy: Path, framework: Framework) -> None:
    for name in ("questions.csv", "themes.csv", "scale.csv"):
        path = framework_copy / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded = load_framework(framework_copy)
    assert loaded.warnings == ()
    assert loaded.questions == framework.questions


def test_excel_cp1252_csv_is_read_with_a_warning(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    text = path.read_text(encoding="utf-8").replace("partners' objectives", "partners’ objectives")
    path.write_bytes(text.encode("cp1252"))
    loaded = load_framework(framework_copy)
    assert loaded.by_id["T2.Q8a"].text == (
        "How effectively does it reflect the board's and partners’ objectives for the SCS and "
        "LAA outcomes?"
    )
    assert [w.code for w in loaded.warnings] == [Code.CSV_NOT_UTF8]
    assert "save it as 'CSV UTF-8'" in loaded.warnings[0].message


@pytest.mark.parametrize("content", [b"", b"\n\n", b"id,theme_id,parent_id,rated,text\n"])
def test_empty_file(framework_copy: Path, content: bytes) -> None:
    (framework_copy / "questions.csv").write_bytes(content)
    assert "questions.csv: the file is empty. Give it a header row and at least one row." in (
        _messages(framework_copy)
    )


def test_every_problem_is_listed_at_once(framework_copy: Path) -> None:
    path = framework_copy / "questions.csv"
    rows = _rows(path)
    rows[0]["text"] = ""
    rows[1]["rated"] = "maybe"
    rows[2]["theme_id"] = "T9"
    _write(path, rows)
    codes = [m.split(":")[0] for m in _messages(framework_copy)]
    assert codes == [
        "questions.csv, line 2, column 'text'",
        "questions.csv, line 3, column 'rated'",
        "questions.csv, line 4, column 'theme_id'",
    ]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="the file is missing"):
        load_framework(tmp_path / "nowhere")


def test_bad_framework_toml(framework_copy: Path) -> None:
    (framework_copy / "framework.toml").write_text('id = "x"\nversion = "one"\n', encoding="utf-8")
    assert _messages(framework_copy) == [
        "framework.toml: 'version' is missing or not a whole number of 1 or more. Add a line "
        "such as version = 1"
    ]
