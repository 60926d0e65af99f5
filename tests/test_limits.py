"""No sheet of the comparison workbook passes Excel's limits: long tables carry on over
continuation sheets, wide ones are cut with a note and a finding. Excel's real limits
(1,048,576 rows, 16,384 columns) are injected small, so a few returns reach them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lsp_xlsx.compare.limits import TOP_ROWS, SheetLimits
from lsp_xlsx.compare.tables import Comparison, collate
from lsp_xlsx.compare.writer import save_comparison
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import read_returns
from tests.accessibility import problems
from tests.fill import full_answers, make_return

LIMITS = SheetLimits(rows=100, columns=16)
PARTNERS = [Partner(f"p{i}", f"Partner {i}", "Health" if i % 2 else "Police") for i in range(5)]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory, framework: Framework) -> Comparison:
    folder = tmp_path_factory.mktemp("limits")
    paths = [
        make_return(
            folder / f"{p.partner_id}.xlsx",
            framework,
            full_answers(framework, framework.scale[i % 4].label),
            p,
        )
        for i, p in enumerate(PARTNERS)
    ]
    return collate(
        read_returns(paths, framework), framework, PARTNERS, made_at="2027-04-01T00:00:00Z"
    )


@pytest.fixture(scope="module")
def workbook(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_comparison(comparison, tmp_path_factory.mktemp("out") / "c.xlsx", LIMITS)


def test_evidence_carries_on_over_continuation_sheets_and_loses_no_row(
    comparison: Comparison, workbook: Path
) -> None:
    wb = load_workbook(workbook)
    rows = len(comparison.evidence)  # 5 partners x 62 questions
    per_sheet = LIMITS.table_rows
    expected = -(-rows // per_sheet)
    assert expected > 1
    names = ["Evidence", *[f"Evidence ({k})" for k in range(2, expected + 1)]]
    assert [n for n in wb.sheetnames if n.startswith("Evidence")] == names
    seen = []
    for k, name in enumerate(names, start=1):
        ws = wb[name]
        assert ws.max_row <= LIMITS.rows and ws.max_column <= LIMITS.columns
        (table,) = ws.tables.values()
        assert table.displayName == ("EvidenceTable" if k == 1 else f"EvidenceTable{k}")
        if k > 1:
            assert ws["A1"].value == "Evidence behind each rating (continued)"
            assert f"Part {k} of {expected}" in ws["A2"].value
        first, last = (int(x.lstrip("ABCDEFGH")) for x in table.ref.split(":"))  # H: issue 23
        seen += [(ws.cell(r, 1).value, ws.cell(r, 3).value) for r in range(first + 1, last + 1)]
    assert seen == list(
        zip(comparison.evidence["partner"], comparison.evidence["question_id"], strict=True)
    )


def test_contents_links_every_part_and_the_workbook_stays_accessible(workbook: Path) -> None:
    wb = load_workbook(workbook)
    contents = wb["Contents"]
    linked = {
        c.hyperlink.location.split("!")[0].strip("'")
        for row in contents.iter_rows()
        for c in row
        if c.hyperlink is not None
    }
    assert {"Evidence", "Evidence (2)"} <= linked
    described = {
        row[0].value: row[1].value for row in contents.iter_rows(min_row=4) if row[0].value
    }
    assert described["Evidence (2)"] == "Evidence, continued (part 2)."
    assert problems(workbook) == []


def test_a_sheet_too_wide_is_cut_visibly_with_a_finding(
    comparison: Comparison, workbook: Path
) -> None:
    wb = load_workbook(workbook)
    questions = wb["Questions"]
    assert questions.max_column <= LIMITS.columns
    shown = LIMITS.columns - 14  # theme, ID, question, 11 statistics (issue 19: r_wg)
    header = [c.value for c in next(r for r in questions.iter_rows() if r[0].value == "Theme")]
    assert header[3 : 3 + shown] == [p.name for p in PARTNERS[:shown]]
    assert "Partner 4" not in header
    subtitle = " ".join(str(questions.cell(r, 1).value or "") for r in range(2, 5))
    assert f"first {shown} of 5 partners" in subtitle and "responses.csv" in subtitle
    # The statistics are still over every partner.
    mean_col = header.index("Mean") + 1
    first_q = next(r for r in range(1, 20) if questions.cell(r, 2).value == "T1.Q1")
    assert questions.cell(first_q, mean_col).value == pytest.approx(
        comparison.question_stats.loc["T1.Q1", "mean"]
    )
    findings = wb["Findings"]
    cut = [
        (findings.cell(r, 2).value, findings.cell(r, 6).value)
        for r in range(1, findings.max_row + 1)
        if findings.cell(r, 5).value == "sheet-columns-cut"
    ]
    assert [sheet for sheet, _ in cut] == ["Questions"]
    assert f"shows the first {shown} of 5 partners" in cut[0][1]
    # The comparison itself is left as it was: writing it again within the limits lists no cut.
    assert not [f for f in comparison.output_findings if f.code == "sheet-columns-cut"]
    # Summary has room for all five partners: not cut.
    summary_header = [
        c.value
        for c in wb["Summary"][
            next(r for r in range(1, 10) if wb["Summary"].cell(r, 1).value == "Theme")
        ]
    ]
    assert [p.name for p in PARTNERS] == summary_header[1:6]


def test_within_the_limits_nothing_is_split_or_cut(comparison: Comparison, tmp_path: Path) -> None:
    path = save_comparison(comparison, tmp_path / "c.xlsx")
    wb = load_workbook(path)
    assert not [n for n in wb.sheetnames if n.endswith(")")]
    assert "Partner 4" in [c.value for row in wb["Questions"].iter_rows(max_row=8) for c in row]


def test_every_long_table_splits_without_losing_or_reordering_a_row(
    comparison: Comparison, tmp_path: Path
) -> None:
    from lsp_xlsx.compare.limits import LONG_TABLES, WIDE_TABLES
    from lsp_xlsx.compare.writer import WRITERS

    assert set(LONG_TABLES) | set(WIDE_TABLES) <= set(WRITERS)  # named as the writer names them

    def body(ws: Any) -> list[tuple[Any, ...]]:
        (table,) = ws.tables.values()
        first, last = ws[table.ref][0][0].row, ws[table.ref][-1][0].row
        return [tuple(c.value for c in row) for row in ws.iter_rows(first + 1, last)]

    whole = load_workbook(save_comparison(comparison, tmp_path / "whole.xlsx"))
    small = SheetLimits(rows=TOP_ROWS + 3, columns=LIMITS.columns + 100)
    split = load_workbook(save_comparison(comparison, tmp_path / "split.xlsx", small))
    for name in LONG_TABLES:
        parts = [n for n in split.sheetnames if n == name or n.startswith(f"{name} (")]
        rows = [row for part in parts for row in body(split[part])]
        assert rows == body(whole[name]), name
        assert all(split[p].max_row <= small.rows for p in parts), name
        if len(body(whole[name])) > 3:
            assert len(parts) > 1, name
