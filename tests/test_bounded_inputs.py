"""Inputs of every kind bounded (issue 21): the tidy table and partners.csv are read under
stated limits, and a long answer round-trips from one round into the next round's pre-fill."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import LspXlsxError, ManifestError, PartnersError, TidyTableError
from lsp_xlsx.core.findings import Finding
from lsp_xlsx.core.input_limits import CSV_ROWS, TIDY_ROWS, InputLimits
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT, TRUNCATION_MARKER
from lsp_xlsx.core.tidy_files import read_tidy_text
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner, load_partners
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.manifest import (
    MANIFEST_COLUMNS,
    MANIFEST_NAME,
    manifest_entries,
    read_limited_csv,
    read_manifest_rows,
)
from lsp_xlsx.workbook.prefill import load_prefill
from tests.fill import full_answers, make_return, rewrite_zip

LONG = 140_000


def _build(partners: Path, prefill: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["build", "--partners", str(partners), "--out-dir", str(out), "--prefill", str(prefill)],
    )
    return result.exit_code, result.output + (result.stderr or "")


def test_a_long_answer_round_trips_into_the_prefill_cut_visibly(
    tmp_path: Path, framework: Framework
) -> None:
    first = framework.rated_questions[0]
    answers = full_answers(framework)
    long_text = "".join(f"word{i} " for i in range(LONG))[: LONG - 1] + "."
    # openpyxl itself cuts text at Excel's limit, so the long answer goes into the XML as
    # another program (LibreOffice, a script) can write it.
    answers[first.id]["evidence"] = "LONGANSWERHERE"
    folder = tmp_path / "returns"
    short = make_return(tmp_path / "short.xlsx", framework, answers, Partner("police", "Police"))
    folder.mkdir()
    rewrite_zip(
        short, folder / "police.xlsx", lambda _, d: d.replace(b"LONGANSWERHERE", long_text.encode())
    )
    partners = tmp_path / "partners.csv"
    partners.write_text("partner_id,name\npolice,Police\n", encoding="utf-8")
    round_one = tmp_path / "2027"
    result = CliRunner().invoke(
        cli,
        ["collate", str(folder), "--partners", str(partners), "-o", str(round_one / "c.xlsx")],
    )
    assert result.exit_code == 0, result.output
    # Round one's tidy table holds the whole answer (Python's csv stopped at 131,072).
    tidy = read_tidy_text(round_one / "responses.csv")
    assert tidy.set_index("question_id").loc[first.id, "evidence"] == long_text
    code, output = _build(partners, round_one / "responses.csv", tmp_path / "to-send")
    assert code == 0, output
    assert "prefill-text-cut" in str(
        [f.code for f in load_prefill(round_one / "responses.csv").findings]
    )
    assert f"{LONG:,} characters" in output and first.id in output  # the notice
    ws = load_workbook(tmp_path / "to-send" / "police.xlsx")[
        framework.theme_of[first.id].sheet_name
    ]
    header = [c.value for c in ws[C.HEADER_ROW]]
    row = next(
        r for r in ws.iter_rows(min_row=C.FIRST_DATA_ROW, values_only=True) if r[0] == first.id
    )
    cell = row[header.index("Evidence")]
    # Cut only where Excel's cell limit cuts it, and saying so in the cell.
    assert len(cell) == EXCEL_CELL_LIMIT and cell.endswith(TRUNCATION_MARKER)
    assert long_text.startswith(cell[: -len(TRUNCATION_MARKER)])


def _huge_parquet(path: Path) -> Path:
    """100 million rows in well under a megabyte: one dictionary-encoded constant."""
    n = 10_000_000
    value = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), ["x"])
    table = pa.table(dict.fromkeys(("partner_id", "question_id", "rating"), value))
    with pq.ParquetWriter(path, table.schema) as writer:
        for _ in range(10):
            writer.write_table(table)
    return path


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _huge_parquet(tmp_path_factory.mktemp("huge") / "responses.parquet")


def test_a_parquet_of_100_million_rows_is_refused_before_reading(huge: Path) -> None:
    assert huge.stat().st_size < 6_000_000
    with pytest.raises(TidyTableError, match=r"100,000,000 rows, over the limit of 5,000,000"):
        read_tidy_text(huge)


def test_prefill_and_previous_refuse_it_with_the_way_to_raise_it(
    huge: Path, tmp_path: Path, framework: Framework
) -> None:
    partners = tmp_path / "partners.csv"
    partners.write_text("partner_id,name\npolice,Police\n", encoding="utf-8")
    code, output = _build(partners, huge, tmp_path / "to-send")
    assert code != 0 and "100,000,000 rows" in output and TIDY_ROWS.variable in output
    folder = tmp_path / "returns"
    make_return(folder / "police.xlsx", framework, full_answers(framework), Partner("police", "P"))
    result = CliRunner().invoke(
        cli, ["collate", str(folder), "-o", str(tmp_path / "c.xlsx"), "--previous", str(huge)]
    )
    assert result.exit_code != 0 and "100,000,000 rows" in result.output + result.stderr


def test_a_parquet_whose_text_unpacks_past_the_byte_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2,000 rows of one 100,000-character value: 200 MB once unpacked, a few KB on disk.
    value = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(2_000, dtype=np.int32)), ["y" * 100_000]
    )
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"partner_id": value}), path)
    monkeypatch.setenv("LSP_XLSX_MAX_TIDY_BYTES", "50_000_000")
    with pytest.raises(TidyTableError, match="when unpacked, over the limit of 50,000,000 bytes"):
        read_tidy_text(path)
    monkeypatch.setenv("LSP_XLSX_MAX_TIDY_BYTES", "300000000")  # raised: read
    assert len(read_tidy_text(path)) == 2_000


def test_a_tidy_csv_over_the_row_or_byte_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("partner_id,question_id\n" + "p,q\n" * 1_001, encoding="utf-8")
    monkeypatch.setenv("LSP_XLSX_MAX_TIDY_ROWS", "1000")
    with pytest.raises(TidyTableError, match=r"more than 1,000 rows.*LSP_XLSX_MAX_TIDY_ROWS"):
        read_tidy_text(path)
    monkeypatch.setenv("LSP_XLSX_MAX_TIDY_ROWS", "1001")
    assert len(read_tidy_text(path)) == 1_001  # exactly at the limit: read
    monkeypatch.setenv("LSP_XLSX_MAX_TIDY_BYTES", "1000")
    with pytest.raises(TidyTableError, match=r"the file is 4,027 bytes.*LSP_XLSX_MAX_TIDY_BYTES"):
        read_tidy_text(path)


def test_a_tidy_csv_resaved_by_excel_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    lines = [
        "partner_id;question_id;rating_label;evidence;evidence_source;improvement_action;"
        "lead;target_date",
        "police;T1.Q1;3 - Performs well;Café review;;;Head;",
    ]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    prefill = load_prefill(path)
    assert prefill["police"].answers["T1.Q1"]["evidence"] == "Café review"
    assert sorted(f.code for f in prefill.findings) == ["csv-not-utf8", "csv-semicolons"]


def test_a_limit_set_to_nonsense_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_ROWS", "lots")
    with pytest.raises(LspXlsxError, match="LSP_XLSX_MAX_CSV_ROWS='lots' is not a whole number"):
        CSV_ROWS.value()


# --- partners.csv -----------------------------------------------------------------------------


def _codes(path: Path) -> list[str]:
    with pytest.raises(PartnersError) as caught:
        load_partners(path)
    return [f.code for f in caught.value.findings]


def test_partners_csv_with_a_value_over_the_field_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    # 140,000 characters: Python's csv module raised its own traceback past 131,072.
    path.write_text(f"partner_id,name\na,{'x' * LONG}\nb,Beta\n", encoding="utf-8")
    assert _codes(path) == ["csv-field-too-long"]
    path.write_text(f'partner_id,name\na,"Alpha\nb,Beta\n{"x" * 40_000}\n', encoding="utf-8")
    with pytest.raises(PartnersError, match=r"line 2: a value is longer than 32,767"):
        load_partners(path)  # a quote left open: the rest of the file is one value


def test_partners_csv_over_the_row_and_byte_limits_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("partner_id,name\n" + "".join(f"p{i},P {i}\n" for i in range(50)), "utf-8")
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_ROWS", "49")
    assert _codes(path) == ["csv-too-many-rows"]
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_ROWS", "50")
    assert len(load_partners(path)) == 50
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_BYTES", "100")
    with pytest.raises(PartnersError, match=r"over the limit of 100 bytes.*LSP_XLSX_MAX_CSV_BYTES"):
        load_partners(path)


def _manifest(path: Path, rows: int, name: str = "Partner") -> Path:
    lines = ["partner_id,partner,file"] + [f"p{i},{name} {i},p{i}.xlsx" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_manifest_is_read_under_the_table_limits_not_the_csv_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest(tmp_path / MANIFEST_NAME, 10)
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_ROWS", "3")
    monkeypatch.setenv("LSP_XLSX_MAX_CSV_FIELD", "5")
    monkeypatch.setenv("LSP_XLSX_MAX_TABLE_ROWS", "1000")
    assert [e.partner_id for e in manifest_entries(manifest)] == [f"p{i}" for i in range(10)]
    monkeypatch.setenv("LSP_XLSX_MAX_TABLE_ROWS", "9")
    with pytest.raises(ManifestError, match=r"more than 9 rows.*LSP_XLSX_MAX_TABLE_ROWS above 9"):
        manifest_entries(manifest)
    # A snapshot passed in is the one applied, whatever the environment says.
    rows = read_limited_csv(
        manifest,
        MANIFEST_COLUMNS,
        ("partner_id",),
        ManifestError,
        "",
        replace(InputLimits.from_env(), max_rows=10),
    )
    assert len(rows) == 10


def test_how_the_manifest_was_read_reaches_the_caller(tmp_path: Path) -> None:
    manifest = tmp_path / MANIFEST_NAME
    # Resaved by Excel in a European locale: Windows-1252 and semicolons.
    manifest.write_bytes(
        "partner_id;partner;file\r\np0;Conseil général;p0.xlsx\r\n".encode("cp1252")
    )
    notes: list[Finding] = []
    entries = manifest_entries(manifest, notes)
    assert [e.partner for e in entries] == ["Conseil général"]
    assert sorted(f.code for f in notes) == ["csv-not-utf8", "csv-semicolons"]
    assert all(f.file == MANIFEST_NAME for f in notes)
    _manifest(manifest, 1, name="Bad \ufffe name")
    notes.clear()
    assert read_manifest_rows(manifest, notes)[0]["partner"] == "Bad \ufffd name 0"
    assert [(f.code, f.cell) for f in notes] == [("csv-text-replaced", "B2")]
    assert manifest_entries(manifest)  # callers that pass no list still read it
