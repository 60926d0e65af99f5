"""Identity you can verify: the impostor case, with --manifest and without (issue 10, section 2)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.fill import fill_answers, fill_start
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, manifest_entries
from tests.fill import full_answers

PARTNERS = [Partner("police", "North Shire Police"), Partner("fire", "North Shire Fire")]


@pytest.fixture
def sent(tmp_path: Path, framework: Framework) -> Path:
    out = tmp_path / "to-send"
    build_for_partners(framework, PARTNERS, out, BuildSettings())
    return out


def _fill(
    copy: Path, target: Path, framework: Framework, completed: dt.datetime, impostor: bool = False
) -> Path:
    wb = load_workbook(copy)
    fill_answers(wb, framework, full_answers(framework))
    fill_start(wb, {"completed": completed})
    if impostor:  # fire edits its own copy to claim to be the police
        meta = wb[C.META_SHEET]
        for row in meta.iter_rows():
            if row[0].value == "partner_id":
                row[1].value = "police"
            if row[0].value == "partner_name":
                row[1].value = "North Shire Police"
        start = wb[C.START_SHEET]
        for row in start.iter_rows():
            if row[0].value == "Partner ID":
                row[1].value = "police"
            if row[0].value == "Organisation":
                row[1].value = "North Shire Police"
    return save_workbook(wb, target)


@pytest.fixture
def returns(tmp_path: Path, sent: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    _fill(
        sent / "north-shire-police.xlsx", folder / "police.xlsx", framework, dt.datetime(2027, 3, 1)
    )
    _fill(
        sent / "north-shire-fire.xlsx",
        folder / "police-final.xlsx",
        framework,
        dt.datetime(2027, 3, 30),  # later: today it would win "newest"
        impostor=True,
    )
    return folder


def _check(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def test_with_the_manifest_the_genuine_return_counts_and_the_impostor_is_held(
    returns: Path, sent: Path
) -> None:
    data = _check(str(returns), "--manifest", str(sent / MANIFEST_NAME))
    status = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert status == {"police.xlsx": "ok", "police-final.xlsx": "held"}
    [mismatch] = [f for f in data["findings"] if f["code"] == "identity-mismatch"]
    assert Path(mismatch["file"]).name == "police-final.xlsx" and mismatch["severity"] == "error"
    assert "says it is from 'North Shire Police'" in mismatch["message"]
    assert "sent to 'North Shire Fire' (fire)" in mismatch["message"]
    assert not [f for f in data["findings"] if f["code"] == "superseded"]
    assert data["notes"] == []


def test_with_the_manifest_collate_counts_only_the_genuine_return(
    returns: Path, sent: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board"
    result = CliRunner().invoke(
        cli,
        [
            "collate",
            str(returns),
            "--manifest",
            str(sent / MANIFEST_NAME),
            "-o",
            str(out / "c.xlsx"),
        ],
    )
    assert result.exit_code == 1, result.output
    with (out / "responses.csv").open(encoding="utf-8") as handle:
        files = {row["source_file"] for row in csv.DictReader(handle)}
    assert files == {str(returns / "police.xlsx")}


def test_without_the_manifest_neither_wins_and_both_are_reported(returns: Path) -> None:
    data = _check(str(returns))
    status = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert status == {"police.xlsx": "held", "police-final.xlsx": "held"}
    conflicts = [f for f in data["findings"] if f["code"] == "identity-conflict"]
    assert len(conflicts) == 2 and all(f["severity"] == "error" for f in conflicts)
    assert not [f for f in data["findings"] if f["code"] == "superseded"]
    assert data["notes"] and "--manifest" in data["notes"][0]


def test_a_blank_workbook_filled_in_is_identified_as_it_says(
    tmp_path: Path, sent: Path, framework: Framework
) -> None:
    folder = tmp_path / "returns"
    wb = build_workbook(framework)
    fill_answers(wb, framework, full_answers(framework))
    fill_start(wb, {"organisation": "North Shire Police"})
    save_workbook(wb, folder / "blank-filled.xlsx")
    result = CliRunner().invoke(
        cli, ["check", str(folder), "--manifest", str(sent / MANIFEST_NAME), "--format", "json"]
    )
    data = json.loads(result.output)
    assert [f["status"] for f in data["files"]] == ["ok"]  # an info note is no warning
    assert [f["code"] for f in data["findings"]] == ["identity-unverified"]


def test_a_forced_rebuild_keeps_every_copy_in_the_manifest(
    sent: Path, framework: Framework
) -> None:
    first = {e.copy_id for e in manifest_entries(sent / MANIFEST_NAME)}
    build_for_partners(framework, PARTNERS, sent, BuildSettings(), force=True)
    entries = manifest_entries(sent / MANIFEST_NAME)
    assert len(entries) == 4 and first <= {e.copy_id for e in entries}
    assert len({e.copy_id for e in entries}) == 4
    header = (sent / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",copy_id")
