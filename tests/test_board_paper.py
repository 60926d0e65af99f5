"""The board paper: a short Word document with the sections the board needs, accessible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from lsp_xlsx.cli import cli
from tests.libreoffice import convert

SECTIONS = [
    # Issue 22 item 3: the paper opens with Key messages and ends with Recommendations.
    "Key messages",
    "Returns",
    "Scores by theme",
    "Strongest and weakest questions",
    "Questions to discuss first",
    "How groups of partners compare",
    # Issue 25: the demo has partners with several respondents.
    "Respondents within partners",
    "Proposed actions",
    "How the numbers are made",
    "Recommendations",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paper")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert f"Board paper (Word):  {out}/board-paper.docx" in result.output
    return out


def test_the_paper_has_every_section_as_a_word_heading(demo: Path) -> None:
    doc = Document(str(demo / "board-paper.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == SECTIONS
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == ["Governance self-assessment: report to the board"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "North Shire Partnership (demo)" in text and "Round 2027" in text
    # Issue 19: one count of returns by state, the same sentence as the Returns sheet.
    assert (
        "11 of 12 partners returned a workbook that counts, from 14 respondents "
        "(1 incomplete, 1 with errors); "
        "1 not returned." in text
    )
    assert "Not returned: North Shire Fire and Rescue Service." in text
    assert "Incomplete: North Shire Community Health NHS Trust" in text
    groups = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 2")]
    assert {"Strongest", "Weakest", "By sector", "By level"} <= set(groups)


def test_the_paper_is_accessible(demo: Path) -> None:
    doc = Document(str(demo / "board-paper.docx"))
    props = doc.core_properties
    assert props.title and props.subject and props.language == "en-GB"
    assert props.author.startswith("lsp-xlsx") and "python-docx" not in (props.comments or "")
    pictures = doc.inline_shapes
    assert len(pictures) == 1
    for shape in pictures:
        assert len(shape._inline.docPr.get("descr", "")) > 40
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_partner_table_holds_the_numbers(demo: Path) -> None:
    import pandas as pd

    doc = Document(str(demo / "board-paper.docx"))
    table = doc.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    tidy = pd.read_csv(demo / "responses.csv")
    police = tidy[(tidy["partner_id"] == "police") & (tidy["rated"] == "yes")]
    # The demo's police has two respondents: it counts by its position, the median of its
    # respondents on each question (issue 25).
    police = police.groupby(["theme_id", "question_id"], as_index=False)["rating"].median()
    t1 = police[police["theme_id"] == "T1"]["rating"].mean()
    assert rows["North Shire Police"][0].rstrip(" *") == f"{t1:.1f}"


def test_collate_options_move_or_skip_the_paper(demo: Path, tmp_path: Path) -> None:
    returns, partners = str(demo / "returns"), str(demo / "partners.csv")
    moved = tmp_path / "pack" / "paper.docx"
    result = CliRunner().invoke(
        cli,
        [
            "collate",
            returns,
            "--partners",
            partners,
            "-o",
            str(tmp_path / "a" / "c.xlsx"),
            "--board-paper",
            str(moved),
        ],
    )
    assert moved.is_file() and not (tmp_path / "a" / "board-paper.docx").exists(), result.output
    CliRunner().invoke(
        cli,
        [
            "collate",
            returns,
            "--partners",
            partners,
            "-o",
            str(tmp_path / "b" / "c.xlsx"),
            "--no-board-paper",
        ],
    )
    assert (tmp_path / "b" / "c.xlsx").is_file() and not (
        tmp_path / "b" / "board-paper.docx"
    ).exists()


@pytest.mark.libreoffice
def test_the_paper_renders_in_at_most_four_pages(demo: Path, tmp_path: Path) -> None:
    pdf = convert(demo / "board-paper.docx", "pdf", tmp_path)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 2 <= pages <= 4
