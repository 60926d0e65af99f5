"""Text that any output can hold (issue 21): U+FFFE and friends, and file names not in UTF-8.

Each attack is run through the real command, and the outputs are reopened: the comparison
workbook with openpyxl, the board paper with python-docx, the tidy table with pandas.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.text import name_safe, safe_text, unsafe_count, utf8_safe, visible, xml_safe
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, load_partners
from lsp_xlsx.workbook.build import build_workbook
from tests.fill import full_answers, make_return, rewrite_zip

# XML 1.0's Char production, less what xml_safe also escapes (DEL and the C1 controls).
XML_CHAR = re.compile("^[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")
FFFE = "\ufffe"


# --- the functions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("plain text, é and 中文 and 😀", "plain text, é and 中文 and 😀"),
        (f"Head{FFFE} of Policy", "Head\ufffd of Policy"),
        ("\uffff", "\ufffd"),
        ("bell\x07", "bell\ufffd"),
        ("line\x0bbreak\x0cpage", "line\nbreak\npage"),  # Word's breaks
        ("tab\tlf\ncr\r", "tab\tlf\ncr\r"),  # XML holds these
        ("it\x92s", "it\\x92s"),  # a C1 control: Windows-1252's ’ read as Latin-1
        ("del\x7f", "del\\x7f"),
        ("R\udce9ponse", "R\\xe9ponse"),  # a file name's byte (surrogateescape)
        ("lone \ud800 high", "lone \ufffd high"),
    ],
)
def test_xml_safe_replaces_visibly(text: str, made: str) -> None:
    assert xml_safe(text) == made
    assert (unsafe_count(text) == 0) == (text == made)


def test_unsafe_count_counts_each_character() -> None:
    assert unsafe_count(f"a{FFFE}b\x07c\x85\udce9") == 4
    assert unsafe_count("safe") == 0


@pytest.mark.slow  # Hypothesis tests are slow by the project's rule
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60))
def test_xml_safe_is_valid_idempotent_and_keeps_safe_text(text: str) -> None:
    made = xml_safe(text)
    assert XML_CHAR.match(made), ascii(made)
    assert xml_safe(made) == made  # idempotent
    made.encode("utf-8")  # never a lone surrogate
    if XML_CHAR.match(text) and "\x0b" not in text and "\x0c" not in text:
        assert made == text  # safe input unchanged
    # Nothing is dropped: each unsafe character becomes one or more visible characters.
    assert len(made) >= len(text)
    # The cell writer and the terminal agree with it.
    assert XML_CHAR.match(safe_text(text)[0].replace("_x000D_", "\r"))
    visible(text).encode("utf-8")


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_name_safe_shows_any_bytes_as_valid_text(raw: bytes) -> None:
    shown = name_safe(raw)
    shown.encode("utf-8")
    assert XML_CHAR.match(shown)
    assert name_safe(shown) == shown
    if all(b >= 0x20 and b != 0x7F for b in raw):
        try:
            assert shown == raw.decode("utf-8")
        except UnicodeDecodeError:
            assert "\\x" in shown


def test_utf8_safe_keeps_every_character_but_a_lone_surrogate() -> None:
    text = f"{FFFE}\x07\x85 R\udce9ponse"
    assert utf8_safe(text) == f"{FFFE}\x07\x85 R\\xe9ponse"
    assert name_safe(os.fsdecode(b"R\xe9ponse police.xlsx")) == "R\\xe9ponse police.xlsx"


def test_a_partner_workbook_builds_with_any_name(framework: Framework, tmp_path: Path) -> None:
    partner = Partner("p", f"Alpha{FFFE} \udce9 Council\x85")
    wb = build_workbook(framework, partner)
    wb.save(tmp_path / "p.xlsx")  # openpyxl/lxml raised on U+FFFE in the properties
    assert "Alpha\ufffd" in (load_workbook(tmp_path / "p.xlsx").properties.subject or "")


# --- the attacks, through the commands -------------------------------------------------------


def _corrupt(path: Path, text: str) -> None:
    """Put raw U+FFFE where ``text`` stands in every part (as a program other than Excel
    might write it), in place of the _xFFFE_ escape openpyxl would write."""
    original = path.with_suffix(".orig")
    shutil.move(path, original)
    rewrite_zip(original, path, lambda _, d: d.replace(text.encode(), FFFE.encode()))
    original.unlink()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Path:
    """Returns with U+FFFE in a Lead and in the meta sheet, one under a name that is not
    UTF-8, and a partners.csv with U+FFFE in a name; collated once."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "returns"
    folder.mkdir()
    (root / "partners.csv").write_text(
        "partner_id,name,sector\n"
        f"a,Alpha{FFFE} Council,Local government\n"
        "b,Beta Police,Police\n"
        "c,Gamma Trust,Health\n",
        encoding="utf-8",
    )
    answers = full_answers(framework)
    first = framework.rated_questions[0].id
    answers[first] |= {"lead": "Head ZZFFFE of Policy", "improvement_action": "Act ZZFFFE now"}
    make_return(folder / "a.xlsx", framework, answers, Partner("a", "Alpha Council"))
    _corrupt(folder / "a.xlsx", "ZZFFFE")
    # The meta sheet's partner name: as a partner's own edit, or another program, leaves it.
    make_return(folder / "c.xlsx", framework, full_answers(framework), Partner("c", "GammaZZFFFE"))
    _corrupt(folder / "c.xlsx", "ZZFFFE")
    police = make_return(folder / "b.xlsx", framework, full_answers(framework), Partner("b", "B"))
    # As an old unzip leaves it: the name on disk is bytes that are not UTF-8.
    os.rename(police, os.fsencode(folder) + b"/R\xe9ponse police.xlsx")  # noqa: PTH104 (bytes)
    return root


def _collate(root: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        [
            "collate",
            str(root / "returns"),
            "--partners",
            str(root / "partners.csv"),
            "-o",
            str(root / "out" / "comparison.xlsx"),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def collated(hostile: Path) -> Path:
    code, out, err = _collate(hostile)
    assert code == 0, out + err
    assert "partners.csv, line 2, column 'name'" in err and "U+FFFE" in err  # reported
    return hostile / "out"


def test_unsafe_text_leaves_the_board_paper_whole(collated: Path) -> None:
    paper = docx.Document(str(collated / "board-paper.docx"))
    text = "\n".join(p.text for p in paper.paragraphs)
    text += "\n".join(c.text for t in paper.tables for r in t.rows for c in r.cells)
    assert FFFE not in text
    assert "Head \ufffd of Policy" in text  # the Lead, replaced visibly
    assert "Alpha\ufffd Council" in text  # the partner's name from partners.csv


def test_unsafe_text_is_reported_and_kept_in_the_tidy_table(collated: Path) -> None:
    tidy = pd.read_csv(collated / "responses.csv", dtype=str, keep_default_na=False)
    # The tidy table keeps the text as the partner typed it: nothing lost.
    assert f"Head {FFFE} of Policy" in set(tidy["lead"])
    wb = load_workbook(collated / "comparison.xlsx", read_only=True)
    findings = [r for r in wb["Findings"].iter_rows(values_only=True) if r[0] and "a.xlsx" in r[0]]
    assert [r[4] for r in findings].count("text-characters-replaced") == 2  # Lead and action
    cells = [c for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    texts = [c for c in cells if isinstance(c, str)]
    assert not any(FFFE in t for t in texts)
    assert any("Head \ufffd of Policy" in t for t in texts)


def test_a_file_name_not_in_utf8_is_shown_escaped(collated: Path, hostile: Path) -> None:
    tidy = pd.read_csv(collated / "responses.csv", dtype=str, keep_default_na=False)
    assert any(f.endswith("R\\xe9ponse police.xlsx") for f in set(tidy["source_file"]))
    assert set(tidy["partner_id"]) == {"a", "b", "c"}  # its answers are all there
    result = CliRunner().invoke(cli, ["check", str(hostile / "returns"), "--format", "json"])
    raw = result.stdout_bytes
    data = json.loads(raw.decode("utf-8"))  # strict: valid UTF-8, valid JSON
    files = {Path(f["file"]).name for f in data["files"]}
    assert "R\\xe9ponse police.xlsx" in files
    table = CliRunner().invoke(cli, ["check", str(hostile / "returns")])
    assert "R\\xe9ponse police.xlsx" in table.stdout_bytes.decode("utf-8")


def test_a_parquet_tidy_table_takes_the_escaped_name(hostile: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.parquet"
    code, out, err = _collate(hostile, "--responses", str(target), "--no-board-paper")
    assert code == 0, out + err
    names = set(pd.read_parquet(target)["source_file"])
    assert any(n.endswith("R\\xe9ponse police.xlsx") for n in names)


def test_partners_csv_replaces_unsafe_characters_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(f"partner_id,name,sector\na,Alpha{FFFE}{FFFE}\uffff,LG\n", encoding="utf-8")
    partners = load_partners(path)
    assert partners[0].name == "Alpha\ufffd\ufffd\ufffd"
    [warning] = [w for w in partners.warnings if w.code == "csv-text-replaced"]
    assert warning.cell == "B2" and warning.params["count"] == 3
    assert warning.params["characters"] == "U+FFFE, U+FFFF"


def test_a_name_in_the_meta_sheet_is_replaced_and_reported(hostile: Path, tmp_path: Path) -> None:
    # Without partners.csv the partner's name comes from the return's meta sheet.
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(hostile / "returns" / "c.xlsx", folder / "c.xlsx")
    out = tmp_path / "out" / "comparison.xlsx"
    result = CliRunner().invoke(cli, ["collate", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    paper = docx.Document(str(out.parent / "board-paper.docx"))
    cells = [c.text for t in paper.tables for r in t.rows for c in r.cells]
    assert "Gamma\ufffd" in cells  # the name, replaced visibly
    wb = load_workbook(out, read_only=True)
    every = list(wb["Findings"].iter_rows(values_only=True))
    assert [r[4] for r in every if r[1] == "_meta"] == ["text-characters-replaced"]
    tidy = pd.read_csv(out.parent / "responses.csv", dtype=str, keep_default_na=False)
    assert set(tidy["partner"]) == {f"Gamma{FFFE}"}  # kept as typed


@pytest.mark.parametrize("name", ["responses.csv", "responses.parquet"])
def test_the_tidy_writer_escapes_a_lone_surrogate(tmp_path: Path, name: str) -> None:
    from lsp_xlsx.core.tidy_files import read_tidy_text, write_tidy

    # A surrogate in the first row (the schema) and in a later one (a batch): both written.
    for texts in (["R\udce9ponse.xlsx", "ok"], ["ok", "R\udce9ponse.xlsx"]):
        frame = pd.DataFrame({"source_file": pd.Series(texts, dtype=object), "n": [1, 2]})
        write_tidy(frame, tmp_path / name)
        back = read_tidy_text(tmp_path / name)
        assert sorted(back["source_file"]) == ["R\\xe9ponse.xlsx", "ok"]
