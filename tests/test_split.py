"""collate --split-by partnership: a folder per partnership, an overview comparing them theme
by theme, and a tidy table of every answer; and the tidy table as Parquet."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from tests.accessibility import problems
from tests.fill import make_return

# Three partnerships, a partner with none given, and one who never returns.
ROWS = [
    ("n1", "North Council", "North Shire Partnership"),
    ("n2", "North Police", "North Shire Partnership"),
    ("n3", "North Trust", "North Shire Partnership"),
    ("s1", "South Council", "South Vale LSP"),
    ("s2", "South Fire", "South Vale LSP"),
    ("e1", "East Council", "East Borough LSP"),
    ("e2", "East Forum", "East Borough LSP"),  # never returns
    ("x1", "Lone Charity", ""),
]


def _answers(framework: Framework, seed: int) -> dict[str, dict[str, str]]:
    """Ratings that differ by partner and question; a few left unanswered."""
    labels = [o.label for o in framework.scale if o.score is not None]
    return {
        q.id: {"rating": labels[(seed * 7 + i * 3) % len(labels)], "evidence": f"E {q.id}"}
        for i, q in enumerate(framework.rated_questions)
        if (seed + i) % 11 != 0
    }


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Path:
    root = tmp_path_factory.mktemp("region")
    (root / "partners.csv").write_text(
        "partner_id,name,partnership\n" + "".join(f"{i},{n},{p}\n" for i, n, p in ROWS),
        encoding="utf-8",
    )
    returns = root / "returns"
    returns.mkdir()
    for seed, (pid, name, _) in enumerate(ROWS):
        if pid != "e2":
            partner = Partner(pid, name)
            make_return(returns / f"{pid}.xlsx", framework, _answers(framework, seed), partner)
    (returns / "scan.xlsx").write_bytes(b"%PDF-1.4 not a workbook")  # refused: placed nowhere
    return root


def _collate(region: Path, *args: str) -> Result:
    """collate over the region's returns with its partners.csv, and the options given."""
    base = ["collate", str(region / "returns"), "--partners", str(region / "partners.csv")]
    return CliRunner().invoke(cli, [*base, *args])


@pytest.fixture(scope="module")
def run(region: Path) -> tuple[Path, str, int]:
    out = region / "out"
    result = _collate(region, "--split-by", "partnership", "-o", str(out / "overview.xlsx"))
    return out, result.output, result.exit_code


def test_one_folder_per_partnership_with_its_own_partners(run: tuple[Path, str, int]) -> None:
    out, output, code = run
    assert code == 1, output  # the PDF is refused
    folders = sorted(p.name for p in (out / "partnership").iterdir())
    assert folders == ["east-borough-lsp", "north-shire-partnership", "not-given", "south-vale-lsp"]
    for folder in folders:
        for name in ("comparison.xlsx", "responses.csv", "board-paper.docx"):
            assert (out / "partnership" / folder / name).is_file(), (folder, name)
    north = pd.read_csv(out / "partnership" / "north-shire-partnership" / "responses.csv")
    assert sorted(north["partner_id"].unique()) == ["n1", "n2", "n3"]
    east = load_workbook(out / "partnership" / "east-borough-lsp" / "comparison.xlsx")
    statuses = {
        row[1].value: row[3].value for row in east["Returns"].iter_rows(min_row=4) if row[1].value
    }
    assert statuses == {"East Council": "incomplete", "East Forum": "not returned"} or (
        statuses["East Forum"] == "not returned" and "North Council" not in statuses
    )
    assert f"Overview workbook:   {out / 'overview.xlsx'}" in output


def test_overview_means_are_the_means_of_partners_theme_scores(
    run: tuple[Path, str, int], framework: Framework
) -> None:
    out, _, _ = run
    tidy = pd.read_csv(out / "responses.csv", dtype={"partnership": str}, keep_default_na=False)
    tidy["score"] = pd.to_numeric(tidy["rating"], errors="coerce")
    rated = tidy[(tidy["rated"] == "yes") & tidy["score"].notna()]
    size = {t.id: len(t.rated_questions) for t in framework.themes}
    partner_theme = rated.groupby(["partnership", "partner_id", "theme_id"])["score"].agg(
        ["mean", "count"]
    )
    # A partner's theme score counts only when it rests on at least half the questions.
    kept = partner_theme[
        [
            c >= size[t] / 2
            for (_, _, t), c in zip(partner_theme.index, partner_theme["count"], strict=True)
        ]
    ]
    expected = kept["mean"].groupby(level=["partnership", "theme_id"]).mean()

    ws = load_workbook(out / "overview.xlsx")["Overview"]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Partnership")
    header = [c.value for c in ws[header_row]]
    checked = 0
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        name = row[0] if row[0] != "(not given)" else ""
        for theme in framework.themes:
            shown = row[header.index(theme.sheet_name)]
            want = expected.get((name, theme.id))
            if want is None or (isinstance(want, float) and math.isnan(want)):
                assert shown is None
            else:
                assert shown == pytest.approx(want), (name, theme.id)
                checked += 1
    assert checked >= 3 * len(framework.themes)
    returned = {
        row[0]: (row[1], row[2]) for row in ws.iter_rows(min_row=header_row + 1, values_only=True)
    }
    assert returned["East Borough LSP"] == (1, 2)
    assert returned["(not given)"] == (1, 1)


def test_overview_is_accessible_and_lists_the_unplaced_file(run: tuple[Path, str, int]) -> None:
    out, _, _ = run
    assert problems(out / "overview.xlsx") == []
    wb = load_workbook(out / "overview.xlsx")
    assert wb.sheetnames == ["Contents", "Notes", "Overview", "Themes", "Files not placed", "About"]
    files = [c.value for c in wb["Files not placed"]["A"] if c.value]
    assert any(str(v).endswith("scan.xlsx") for v in files)
    tidy = pd.read_csv(out / "responses.csv", keep_default_na=False)
    assert list(tidy.columns)[-1] == "partnership"
    assert len(tidy) == 7 * 62  # every returned partner's every question


def test_split_needs_a_column_of_the_partners_file(region: Path) -> None:
    result = _collate(region, "--split-by", "region", "-o", str(region / "out2" / "o.xlsx"))
    assert result.exit_code == 2
    assert "--split-by names region, which is not a column of partners.csv" in result.output
    assert not (region / "out2").exists()


def test_one_board_paper_file_with_split_is_a_usage_error(region: Path, tmp_path: Path) -> None:
    result = _collate(
        region,
        "--split-by",
        "partnership",
        "--board-paper",
        str(tmp_path / "paper.docx"),
        "-o",
        str(tmp_path / "o.xlsx"),
    )
    assert result.exit_code == 2
    assert "gets its own board-paper.docx" in result.output
    assert not (tmp_path / "o.xlsx").exists()


def test_parquet_tidy_table_reads_back_equal_to_the_csv(region: Path, tmp_path: Path) -> None:
    args = ["collate", str(region / "returns"), "--partners", str(region / "partners.csv")]
    for name in ("responses.csv", "responses.parquet"):
        result = CliRunner().invoke(
            cli,
            [
                *args,
                "-o",
                str(tmp_path / name / "c.xlsx"),
                "--responses",
                str(tmp_path / name / name),
            ],
        )
        assert result.exit_code == 1, result.output
    csv = pd.read_csv(
        tmp_path / "responses.csv" / "responses.csv", dtype=str, keep_default_na=False
    )
    parquet = pd.read_parquet(tmp_path / "responses.parquet" / "responses.parquet")
    assert list(parquet.columns) == list(csv.columns)
    assert str(parquet["rating"].dtype) == "Int64"  # numbers stay numbers
    as_text = parquet.astype(object).where(parquet.notna(), "").astype(str)
    pd.testing.assert_frame_equal(as_text.reset_index(drop=True), csv, check_dtype=False)
    assert "Every answer (Parquet):" in result.output


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("last.csv", b"partner_id,question_id\np1,T1.Q1\n", "the columns partner, theme_id"),
        ("last.parquet", b"PAR1 not really parquet", "cannot read it as a Parquet table"),
    ],
)
def test_an_unusable_previous_round_is_refused_naming_the_file_and_the_fix(
    region: Path, tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    previous = tmp_path / name
    previous.write_bytes(content)
    result = _collate(region, "--previous", str(previous), "-o", str(tmp_path / "c.xlsx"))
    assert result.exit_code == 1
    assert f"{previous}" in result.output and says in result.output
    assert "Give --previous last round's responses.csv (or .parquet)" in result.output
    assert not (tmp_path / "c.xlsx").exists()


def test_collate_split_as_a_library_gives_each_partnership_its_own_comparison(
    region: Path, framework: Framework
) -> None:
    from lsp_xlsx.compare.split import NOT_GIVEN, collate_split
    from lsp_xlsx.framework.partners import load_partners
    from lsp_xlsx.returns.batch import read_returns

    returns = read_returns(sorted((region / "returns").iterdir()), framework)
    split = collate_split(returns, framework, load_partners(region / "partners.csv"), "partnership")
    assert [p.name for p in split.parts] == [
        "East Borough LSP",
        "North Shire Partnership",
        "South Vale LSP",
        NOT_GIVEN,
    ]
    assert [r.path.name for r in split.unplaced] == ["scan.xlsx"]
    for part in split.parts:
        assert part.comparison is not None
        ids = {p.partner_id for p in part.comparison.partners}
        assert ids == {r.partner_id for r in part.returns if r.counts}
        means = part.comparison.theme_scores["mean"]
        assert split.overview.loc[part.name, "ALL"] == pytest.approx(means["ALL"])
        assert split.overview.loc[part.name, "returned"] == len(ids)
    assert set(split.responses["partnership"]) == {
        "East Borough LSP",
        "North Shire Partnership",
        "South Vale LSP",
        "",
    }
