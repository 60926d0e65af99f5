"""Identity that holds (issue 21, item 5): a return whose identity cannot be verified
never supersedes one that can, shared and duplicated copy ids are reported, and a newer
workbook contract is named."""

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
from lsp_xlsx.workbook.build import BuildSettings
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.fill import fill_answers, fill_start
from lsp_xlsx.workbook.manifest import MANIFEST_NAME
from tests.fill import full_answers

PARTNERS = [Partner("police", "North Shire Police"), Partner("fire", "North Shire Fire")]
POLICE = {"partner_id": "police", "partner_name": "North Shire Police"}
START = {"Partner ID": "partner_id", "Organisation": "partner_name"}


@pytest.fixture
def sent(tmp_path: Path, framework: Framework) -> Path:
    out = tmp_path / "to-send"
    build_for_partners(framework, PARTNERS, out, BuildSettings())
    return out


def _fill(
    copy: Path,
    target: Path,
    framework: Framework,
    completed: dt.datetime,
    meta: dict[str, str] | None = None,
) -> Path:
    """Fill ``copy`` in as its partner would; ``meta`` edits the hidden meta (and the
    matching "Start here" fields) as a forger would."""
    wb = load_workbook(copy)
    fill_answers(wb, framework, full_answers(framework))
    fill_start(wb, {"completed": completed})
    for row in wb[C.META_SHEET].iter_rows():
        if meta and row[0].value in meta:
            row[1].value = meta[str(row[0].value)] or None
    for row in wb[C.START_SHEET].iter_rows():
        key = START.get(str(row[0].value))
        if meta and key in meta:
            row[1].value = meta[key]
    return save_workbook(wb, target)


def _check(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"])
    assert "Traceback" not in result.output
    data: dict = json.loads(result.output)
    assert data["exit_code"] == result.exit_code
    return data


def _status(data: dict) -> dict[str, str]:
    return {Path(f["file"]).name: f["status"] for f in data["files"]}


@pytest.fixture
def forged(tmp_path: Path, sent: Path, framework: Framework) -> Path:
    """The genuine police return, and fire's copy edited to claim to be the police, its
    copy id cleared, dated later (today it would supersede the genuine one)."""
    folder = tmp_path / "returns"
    _fill(
        sent / "north-shire-police.xlsx", folder / "police.xlsx", framework, dt.datetime(2027, 3, 1)
    )
    _fill(
        sent / "north-shire-fire.xlsx",
        folder / "police-final.xlsx",
        framework,
        dt.datetime(2027, 3, 30),
        {**POLICE, "copy_id": ""},
    )
    return folder


@pytest.mark.parametrize("with_manifest", [True, False], ids=["manifest", "no-manifest"])
def test_a_forgery_without_a_copy_id_never_supersedes_the_verified_return(
    forged: Path, sent: Path, tmp_path: Path, with_manifest: bool
) -> None:
    manifest = ["--manifest", str(sent / MANIFEST_NAME)] if with_manifest else []
    data = _check(str(forged), *manifest)
    assert _status(data) == {"police.xlsx": "ok", "police-final.xlsx": "held"}
    assert data["exit_code"] == 1
    [held] = [f for f in data["findings"] if f["code"] == "identity-unverified-held"]
    assert Path(held["file"]).name == "police-final.xlsx" and held["severity"] == "error"
    assert str(forged / "police.xlsx") in held["message"]  # names both files
    assert "has no copy id" in held["message"]
    assert not [f for f in data["findings"] if f["code"] == "superseded"]

    out = tmp_path / "board"
    result = CliRunner().invoke(cli, ["collate", str(forged), *manifest, "-o", str(out / "c.xlsx")])
    assert result.exit_code == 1, result.output
    with (out / "responses.csv").open(encoding="utf-8") as handle:
        files = {row["source_file"] for row in csv.DictReader(handle)}
    assert files == {str(forged / "police.xlsx")}


@pytest.fixture
def shared(tmp_path: Path, sent: Path, framework: Framework) -> Path:
    """Police's copy filled in twice: once by the police, once claiming to be fire."""
    folder = tmp_path / "shared"
    copy = sent / "north-shire-police.xlsx"
    _fill(copy, folder / "police.xlsx", framework, dt.datetime(2027, 3, 1))
    fire = {"partner_id": "fire", "partner_name": "North Shire Fire"}
    _fill(copy, folder / "fire.xlsx", framework, dt.datetime(2027, 3, 2), fire)
    return folder


def test_without_a_manifest_one_copy_id_claimed_by_two_partners_is_flagged(shared: Path) -> None:
    data = _check(str(shared))
    assert _status(data) == {"police.xlsx": "held", "fire.xlsx": "held"}
    flagged = [f for f in data["findings"] if f["code"] == "copy-id-shared"]
    assert {Path(f["file"]).name for f in flagged} == {"police.xlsx", "fire.xlsx"}
    claims = ("'North Shire Fire' and 'North Shire Police'", "copy id ")  # in file order
    assert all(all(words in f["message"] for words in claims) for f in flagged)


def test_with_the_manifest_the_copy_tells_whose_it_is(shared: Path, sent: Path) -> None:
    data = _check(str(shared), "--manifest", str(sent / MANIFEST_NAME))
    assert _status(data) == {"police.xlsx": "ok", "fire.xlsx": "held"}
    assert not [f for f in data["findings"] if f["code"] == "copy-id-shared"]


def test_a_manifest_giving_one_copy_id_twice_is_reported(
    tmp_path: Path, sent: Path, framework: Framework
) -> None:
    manifest = sent / MANIFEST_NAME
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    police = next(r for r in rows if r["partner_id"] == "police")
    for row in rows:
        row["copy_id"] = police["copy_id"]  # fire's row given the police's copy id
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    folder = tmp_path / "returns"
    _fill(
        sent / "north-shire-police.xlsx", folder / "police.xlsx", framework, dt.datetime(2027, 3, 1)
    )
    data = _check(str(folder), "--manifest", str(manifest))
    [report] = [f for f in data["findings"] if f["code"] == "manifest-duplicate-copy-id"]
    assert report["file"] == str(manifest) and police["copy_id"] in report["message"]
    assert "(police," in report["message"] and "(fire," in report["message"]
    assert _status(data) == {"police.xlsx": "held"}  # its copy cannot be told apart
    [held] = [f for f in data["findings"] if f["code"] == "identity-mismatch"]
    assert "the manifest gives the copy it was made from to" in held["message"]


@pytest.mark.parametrize(("version", "warned"), [(str(C.CONTRACT_VERSION + 1), True), ("1", False)])
def test_a_newer_workbook_contract_is_a_warning_naming_both_versions(
    tmp_path: Path, sent: Path, framework: Framework, version: str, warned: bool
) -> None:
    folder = tmp_path / "returns"
    copy = sent / "north-shire-police.xlsx"
    _fill(
        copy,
        folder / "police.xlsx",
        framework,
        dt.datetime(2027, 3, 1),
        {"contract_version": version},
    )
    data = _check(str(folder))
    newer = [f for f in data["findings"] if f["code"] == "meta-contract-newer"]
    assert bool(newer) is warned
    if warned:
        assert newer[0]["severity"] == "warning"
        assert (
            f"version {version}; this tool reads version {C.CONTRACT_VERSION}"
            in newer[0]["message"]
        )
