"""Issue 22 items 3 and 7: the paper's Key messages and Recommendations (figures as the
workbook shows them, wording the coordinator can change), the anonymous paper and the PDFs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from lsp_xlsx.board.paper_messages import scale_words, theme_words
from lsp_xlsx.board.paper_public import letter
from lsp_xlsx.board.paper_templates import DEFAULTS, TEMPLATES_NAME, _placeholder_problem
from lsp_xlsx.cli import cli
from lsp_xlsx.compare.rules import GROUP_MIN_SIZE, shown_figure
from lsp_xlsx.framework import Framework
from tests.libreoffice import require_soffice


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("messages")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    return out


@pytest.fixture(scope="module")
def public(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public") / "comparison.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "--board-paper-anonymous"])
    assert result.exit_code in (0, 1), result.output
    assert f"Anonymous paper (Word): {out.parent / 'board-paper-public.docx'}" in result.output
    return out.parent


def _section(doc: object, heading: str) -> list[str]:
    """The paragraphs under one Heading 1, up to the next."""
    found, inside = [], False
    for p in doc.paragraphs:  # type: ignore[attr-defined]
        if p.style.name == "Heading 1":
            inside = p.text == heading
            continue
        if inside and p.text:
            found.append(p.text)
    return found


def _rows(ws: object, first: str) -> tuple[list[object], list[tuple[object, ...]]]:
    """The header row (the one starting with ``first``) and the rows under it."""
    rows = list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]
    at = next(i for i, r in enumerate(rows) if r[0] == first)
    return list(rows[at]), [r for r in rows[at + 1 :] if any(v is not None for v in r)]


def test_the_paper_opens_with_key_messages_and_ends_with_recommendations(demo: Path) -> None:
    doc = Document(str(demo / "board-paper.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Key messages" and headings[-1] == "Recommendations"
    messages = _section(doc, "Key messages")
    assert 3 <= len(messages) <= 5
    assert all(p.style.name == "List Bullet" for p in doc.paragraphs if p.text in messages)
    asked = _section(doc, "Recommendations")
    assert asked[0] == "The board is asked to:"
    assert asked[1].startswith("note ") and asked[2].startswith(
        "agree the questions for the workshop"
    )
    assert asked[3].startswith("agree the actions due")


@pytest.fixture(scope="module")
def second_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rounds")
    result = CliRunner().invoke(cli, ["demo", "--rounds", "2", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    return out / "round-2"


@pytest.mark.parametrize("which", ["demo", "second_round"])
def test_every_figure_in_the_messages_matches_the_workbook(
    which: str, request: pytest.FixtureRequest
) -> None:
    """Each figure read back from the reopened workbook's cells, rounded as it shows them:
    in the demo's paper and in its second round's."""
    demo: Path = request.getfixturevalue(which)
    wb = load_workbook(demo / "comparison.xlsx")
    text = " ".join(_section(Document(str(demo / "board-paper.docx")), "Key messages"))
    asked = " ".join(_section(Document(str(demo / "board-paper.docx")), "Recommendations"))
    # Strongest and weakest theme: the Summary sheet's partnership means.
    header, rows = _rows(wb["Summary"], "Theme")
    column = header.index("Partnership mean")
    rows = rows[: [r[0] for r in rows].index("All themes")]  # the theme rows, no more
    means = [(str(r[0]), float(r[column])) for r in rows if isinstance(r[column], int | float)]
    assert len(means) == 7
    best, worst = max(means, key=lambda m: m[1]), min(means, key=lambda m: m[1])
    best_words = re.sub(r"^\d+ ", "", best[0])
    worst_words = re.sub(r"^\d+ ", "", worst[0])
    assert f"{best_words} highest, at {shown_figure(best[1])}" in text
    assert f"{worst_words} lowest, at {shown_figure(worst[1])}" in text
    assert f"{worst_words} the weakest theme at {shown_figure(worst[1])}" in asked
    # Where partners are split: the Questions sheet's count, the Agenda sheet's first reason.
    header, rows = _rows(wb["Questions"], "Theme")
    split = sum(1 for r in rows if r[header.index("Disagreement")] == "Yes")
    header, agenda = _rows(wb["Agenda"], "#")
    first = agenda[0]
    reason = str(first[header.index("Why discuss it")])
    where = reason.removeprefix("split: ").split("; ")[0]
    assert f"Partners are split on {split} questions, most of all on {first[2]}" in text
    assert f": {where}." in text
    ids = [str(r[2]) for r in agenda[:3]]
    assert f"starting with {ids[0]}, {ids[1]} and {ids[2]}" in asked
    # The largest gap: the Groups sheet's largest "Yes" row, each group big enough.
    header, rows = _rows(wb["Groups"], "Grouping")
    large = [r for r in rows if r[header.index("Large gap")] == "Yes"]
    top = max(large, key=lambda r: float(r[header.index("Gap")]))  # type: ignore[arg-type]
    low, high = top[header.index("Lowest group")], top[header.index("Highest group")]
    low_mean = shown_figure(top[header.index("Lowest mean")])
    high_mean = shown_figure(top[header.index("Highest mean")])
    assert (
        f"on {top[2]} ({theme_words(str(top[1]))}): by {top[0]}, {low} at {low_mean} and "
        f"{high} at {high_mean}, {shown_figure(top[header.index('Gap')])} points apart" in text
    )
    assert f"groups of at least {GROUP_MIN_SIZE} partners" in text
    # The returns missing: the Returns sheet's one count, and who.
    # The sheet's description may run over several rows (issue 25 puts the roll-up's note first).
    count = " ".join(
        str(r[0] or "") for r in wb["Returns"].iter_rows(min_row=2, max_row=9, values_only=True)
    )
    expected, missing = re.search(r"of (\d+) partners.*; (\d+) not returned", count).groups()  # type: ignore[union-attr]
    if missing != "0":
        assert f"{missing} of {expected} partners did not return" in text
        assert "North Shire Fire and Rescue Service" in text
    else:
        assert f"No return is missing: {expected} partners returned" in text


def test_the_actions_are_counted_per_theme_as_the_action_plan_lists_them(demo: Path) -> None:
    wb = load_workbook(demo / "comparison.xlsx")
    header, rows = _rows(wb["Action plan"], "Target date")
    by_theme: dict[str, int] = {}
    for r in rows:
        theme = theme_words(str(r[header.index("Theme")]))
        by_theme[theme] = by_theme.get(theme, 0) + 1
    doc = Document(str(demo / "board-paper.docx"))
    words = " ".join(_section(doc, "Proposed actions"))
    assert f"Partners proposed {sum(by_theme.values())} actions:" in words
    assert "action(s)" not in words
    for theme, n in by_theme.items():
        assert re.search(rf"(?:[:,]| and) {n} on {theme}[,. ]", words), (theme, n)
    top = max(by_theme, key=lambda t: by_theme[t])
    assert f": {by_theme[top]} on {top}, " in words


def test_the_scale_words_come_from_the_framework(framework: Framework) -> None:
    assert scale_words(2.94, framework) == "performs well"
    assert scale_words(2.45, framework) == "performs adequately"
    assert scale_words(2.5, framework) == "performs well"  # half up, as the workbook rounds


def test_every_default_template_uses_only_its_own_placeholders() -> None:
    for key, (template, allowed) in DEFAULTS.items():
        assert _placeholder_problem(template, allowed) is None, key
        assert template.format(**dict.fromkeys(allowed, "X"))


def test_the_coordinator_rewords_a_sentence_in_the_framework_folder(
    demo: Path, framework_copy: Path, tmp_path: Path
) -> None:
    (framework_copy / TEMPLATES_NAME).write_text(
        "key,template\n"
        'themes,"Best: {strongest} ({strongest_mean}); worst: {weakest} ({weakest_mean})."\n'
        'recommend_intro,"We ask the board to:"\n',
        encoding="utf-8",
    )
    out = tmp_path / "c.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "--framework", str(framework_copy), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    doc = Document(str(tmp_path / "board-paper.docx"))
    messages = _section(doc, "Key messages")
    assert re.fullmatch(r"Best: .+ \(\d\.\d\); worst: .+ \(\d\.\d\)\.", messages[0])
    assert _section(doc, "Recommendations")[0] == "We ask the board to:"
    assert messages[1].startswith("Partners are split")  # the other keys keep the default


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("themse,Hello", "line 2, column 'key': 'themse' is not one of the board paper's"),
        ("themes,Best {best}", "line 2, column 'template': the template for 'themes' uses {best}"),
        (
            "themes,Best {strongest_mean:.2f}",
            "line 2, column 'template': the template for 'themes' formats {strongest_mean} itself",
        ),
        (
            "themes,Best {strongest",
            "line 2, column 'template': the template for 'themes' has a stray brace",
        ),
        ('split_none,""', "line 2, column 'template': the template for 'split_none' is empty"),
    ],
)
def test_a_bad_template_line_is_refused_naming_it(
    demo: Path, framework_copy: Path, tmp_path: Path, line: str, expected: str
) -> None:
    (framework_copy / TEMPLATES_NAME).write_text(f"key,template\n{line}\n", encoding="utf-8")
    out = tmp_path / "c.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "--framework", str(framework_copy), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{TEMPLATES_NAME}, {expected}" in result.output
    assert not out.exists() and not (tmp_path / "board-paper.docx").exists()


def test_a_key_given_twice_is_refused(demo: Path, framework_copy: Path, tmp_path: Path) -> None:
    (framework_copy / TEMPLATES_NAME).write_text(
        "key,template\nsplit_none,One.\nsplit_none,Two.\n", encoding="utf-8"
    )
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(
        cli, [*args, "--framework", str(framework_copy), "-o", str(tmp_path / "c.xlsx")]
    )
    assert result.exit_code == 1
    assert "line 3, column 'key': 'split_none' is given again (first on line 2)" in result.output


def _identities(demo: Path) -> tuple[list[str], list[str], list[str]]:
    """Every partner's name, id and respondent, from partners.csv and the Returns sheet."""
    import csv

    with (demo / "partners.csv").open(encoding="utf-8-sig") as handle:
        listed = list(csv.DictReader(handle))
    header, rows = _rows(load_workbook(demo / "comparison.xlsx")["Returns"], "Partner ID")
    people = [str(r[header.index("Respondent")]) for r in rows if r[header.index("Respondent")]]
    return [p["name"] for p in listed], [p["partner_id"] for p in listed], people


def _paper_text(path: Path) -> str:
    """Everything a reader (or a screen reader) gets from the paper: paragraphs, table
    cells, the chart's alt text and title, headers and footers, the core properties."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for shape in doc.inline_shapes:
        parts += [shape._inline.docPr.get("descr", ""), shape._inline.docPr.get("title", "")]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    props = doc.core_properties
    parts += [props.title, props.subject, props.comments, props.author, props.keywords]
    parts += [props.category, props.last_modified_by, props.identifier or ""]
    return "\n".join(str(p or "") for p in parts)


def test_the_anonymous_paper_names_no_partner(
    demo: Path, public: Path, framework: Framework
) -> None:
    names, ids, people = _identities(demo)
    paper = public / "board-paper-public.docx"
    # Every part of the file, as XML, holds no partner's name or respondent.
    with zipfile.ZipFile(paper) as z:
        raw = " ".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )
    for name in names + people:
        assert name.casefold() not in raw.casefold(), name
    # Nor, once the framework's own words are set aside, any id or small group's name.
    text = _paper_text(paper)
    for q in framework.questions:
        text = text.replace(framework.whole_text(q.id), "").replace(q.text, "")
    small = ["Business", "Police", "Health", "Local government", "Voluntary sector", "Education"]
    for word in ids + small:
        assert not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE), word
    assert "Partner A" in text and "Partner K" in text
    assert not re.search(r"\(n=[12]\)", text)  # no group smaller than the minimum
    assert "executive (n=5)" in text  # groups of at least 3 are still compared
    # The board's own paper does name them: the test would see a name if one slipped in.
    board = _paper_text(demo / "board-paper.docx")
    assert "North Shire Police" in board and "Police (n=1)" in board


def test_the_anonymous_paper_keeps_the_figures_of_the_board_paper(demo: Path, public: Path) -> None:
    board, anonymous = (
        Document(str(demo / "board-paper.docx")),
        Document(str(public / "board-paper-public.docx")),
    )
    assert _section(board, "Key messages")[0] == _section(anonymous, "Key messages")[0]
    mean = [r.cells[1:] for r in board.tables[0].rows if r.cells[0].text == "Partnership mean"]
    same = [r.cells[1:] for r in anonymous.tables[0].rows if r.cells[0].text == "Partnership mean"]
    assert [c.text for c in mean[0]] == [c.text for c in same[0]]
    assert anonymous.core_properties.title == "Governance self-assessment: summary for publication"


def test_partners_are_lettered_past_z() -> None:
    assert [letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_pdf_without_libreoffice_is_refused_in_one_line(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no soffice on the PATH: as a machine without it
    out = tmp_path / "c.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "--pdf"])
    assert result.exit_code == 2
    assert "--pdf needs LibreOffice (soffice), which is not installed here" in result.output
    assert not out.exists()


def test_pdf_needs_the_board_paper(demo: Path, tmp_path: Path) -> None:
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(
        cli, [*args, "-o", str(tmp_path / "c.xlsx"), "--no-board-paper", "--board-paper-anonymous"]
    )
    assert result.exit_code == 2 and "leave out --no-board-paper" in result.output


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]


@pytest.mark.libreoffice
def test_pdf_writes_both_papers_as_pdfs_that_render(demo: Path, tmp_path: Path) -> None:
    require_soffice()
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftoppm is not installed, and CI=true: install poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out = tmp_path / "pack" / "comparison.xlsx"
    args = ["collate", str(demo / "returns"), "--partners", str(demo / "partners.csv")]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "--pdf", "--board-paper-anonymous"])
    assert result.exit_code in (0, 1), result.output
    for name in ("board-paper.pdf", "board-paper-public.pdf"):
        pdf = out.parent / name
        assert pdf.read_bytes().startswith(b"%PDF"), name
        assert 2 <= _pages(pdf) <= 4, name
        subprocess.run(
            ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf), str(tmp_path / name)],
            check=True,
            timeout=120,
        )
        page = next(tmp_path.glob(f"{name}*.png"))
        assert page.stat().st_size > 2000  # a page with something drawn on it
        words = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        assert "Key messages" in words.stdout
    assert f"Board paper (PDF):   {out.parent / 'board-paper.pdf'}" in result.output
    # Staged and renamed like every output: no temporary is left beside them.
    assert not list(out.parent.glob(".*.part"))


def test_designed_data_gives_the_known_messages(framework: Framework) -> None:
    """Six partners in two sectors of three: on the first question the councils all say 1
    and the health partners all say 4 (split, and a gap of 3.0); everything else is 3,
    except theme 2, which every partner rates 2. One listed partner did not return."""
    import datetime as dt

    from lsp_xlsx.board.paper_messages import paper_messages
    from lsp_xlsx.board.paper_templates import read_templates
    from lsp_xlsx.compare.tables import collate
    from lsp_xlsx.framework.partners import Partner
    from tests.test_figures import MADE_AT, _return

    rated = [q.id for q in framework.rated_questions]
    t2 = {q.id for q in framework.themes[1].rated_questions}
    first = rated[0]
    partners, returns = [], []
    for i in range(6):
        sector = "Council" if i < 3 else "Health"
        scores = {q: (2 if q in t2 else 3) for q in rated} | {first: 1 if i < 3 else 4}
        partners.append(Partner(f"p{i}", f"Org {i}", sector))
        returns.append(_return(framework, f"p{i}", f"Org {i}", scores))
    partners.append(Partner("gone", "Silent Org", "Health"))
    c = collate(returns, framework, partners, made_at=MADE_AT)
    say = read_templates(framework.path)
    m = paper_messages(c, say, dt.date(2027, 3, 1))
    weakest = theme_words(framework.themes[1].sheet_name)
    assert f'and {weakest} lowest, at 2.0 (nearest to "performs adequately")' in m.key_messages[0]
    assert m.key_messages[1].startswith(f"Partners are split on 1 question, most of all on {first}")
    assert "3 partners at 1–2 (Org 0, Org 1…), 3 at 3–4 (Org 3, Org 4…)" in m.key_messages[1]
    assert f"on {first} (" in m.key_messages[2]
    assert "by sector, Council at 1.0 and Health at 4.0, 3.0 points apart" in m.key_messages[2]
    assert m.key_messages[3] == "1 of 7 partners did not return a workbook that counts: Silent Org."
    assert m.recommendations[0].endswith(f"with {weakest} the weakest theme at 2.0;")
    assert m.recommendations[2].startswith("agree the actions due: no partner proposed one")
    public = paper_messages(
        c, say, dt.date(2027, 3, 1), {p.partner_id: "Partner" for p in c.partners}, True
    )
    assert "Org" not in " ".join(public.key_messages)


def test_the_actions_due_are_counted_against_the_papers_date(framework: Framework) -> None:
    import datetime as dt

    from lsp_xlsx.board.paper_messages import actions_digest, paper_messages
    from lsp_xlsx.board.paper_templates import read_templates
    from lsp_xlsx.compare.tables import collate
    from tests.test_figures import MADE_AT, _return

    rated = [q.id for q in framework.rated_questions]
    theme = framework.theme_of[rated[0]]
    ret = _return(framework, "a", "Alpha", dict.fromkeys(rated, 2))
    dates = ["2027-01-31", "2027-03-01", "2027-03-02", "soon"]  # due, due, not yet, not a date
    for qid, day in zip(rated, dates, strict=False):
        ret.responses[qid].improvement_action = f"Act on {qid}"
        ret.responses[qid].target_date = day
    c = collate([ret], framework, made_at=MADE_AT)
    assert len(c.actions) == 4
    words = actions_digest(c, dt.date(2027, 3, 1))
    assert (
        f"2 actions are due by 1 March 2027 (the target date has come), most of them on {theme_words(theme.sheet_name)} (2)."
        in words
    )
    asked = paper_messages(c, read_templates(framework.path), dt.date(2027, 3, 1)).recommendations
    assert asked[2].startswith("agree the actions due: 2 of the 4 actions proposed by partners")


def test_one_partner_and_no_groupings_still_make_three_messages(framework: Framework) -> None:
    import datetime as dt

    from lsp_xlsx.board.paper_messages import paper_messages
    from lsp_xlsx.board.paper_templates import read_templates
    from lsp_xlsx.compare.tables import collate
    from tests.test_figures import MADE_AT, _return

    rated = [q.id for q in framework.rated_questions]
    c = collate(
        [_return(framework, "solo", "Solo", dict.fromkeys(rated, 3))], framework, made_at=MADE_AT
    )
    m = paper_messages(c, read_templates(framework.path), dt.date(2027, 3, 1))
    assert len(m.key_messages) == 3
    assert m.key_messages[1] == DEFAULTS["split_none"][0]
    assert m.key_messages[2] == "No return is missing: 1 partner returned a workbook that counts."


def test_the_anonymous_paper_is_as_accessible_as_the_board_paper(public: Path) -> None:
    from docx.oxml.ns import qn

    doc = Document(str(public / "board-paper-public.docx"))
    assert next(p.text for p in doc.paragraphs if p.style.name == "Heading 1") == "Key messages"
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
    (shape,) = doc.inline_shapes
    assert len(shape._inline.docPr.get("descr", "")) > 40
    assert doc.core_properties.language == "en-GB"


def test_the_readme_example_of_paper_templates_is_valid(framework_copy: Path) -> None:
    from lsp_xlsx.board.paper_templates import read_templates

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```csv\nkey,template\n", 1)[1].split("```", 1)[0]
    (framework_copy / TEMPLATES_NAME).write_text("key,template\n" + block, encoding="utf-8")
    say = read_templates(framework_copy)
    assert say.templates["recommend_intro"] == "The Partnership Board is recommended to:"
    assert say.source == framework_copy / TEMPLATES_NAME
