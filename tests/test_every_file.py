"""Every file is accounted for, and refusals give the true reason (issue 10, sections 3-5)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import discover
from lsp_xlsx.returns.model import Status
from lsp_xlsx.returns.reader import read_return
from tests.fill import full_answers, make_return
from tests.libreoffice import convert


@pytest.fixture
def good(tmp_path: Path, framework: Framework) -> Path:
    return make_return(
        tmp_path / "src" / "police.xlsx",
        framework,
        full_answers(framework),
        Partner("police", "Police"),
    )


def _repack(
    source: Path,
    target: Path,
    rename: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            name = (rename or {}).get(info.filename, info.filename)
            dst.writestr(name, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue())
    return target


def test_every_file_in_a_folder_is_read_or_refused(tmp_path: Path, good: Path) -> None:
    folder = tmp_path / "returns"
    (folder / "sub").mkdir(parents=True)
    (folder / "police.xlsx").write_bytes(good.read_bytes())
    (folder / "police.xltx").write_bytes(good.read_bytes())  # a template: read like .xlsx
    (folder / "notes.txt").write_text("hello\n", encoding="utf-8")
    (folder / "sub" / "return.numbers").write_bytes(
        _zip({"Index/Document.iwa": b"\0", "Metadata/Properties.plist": b""})
    )
    (folder / "sheet.fods").write_text(
        '<?xml version="1.0"?><office:document office:mimetype='
        '"application/vnd.oasis.opendocument.spreadsheet"></office:document>',
        encoding="utf-8",
    )
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "Thumbs.db").write_bytes(b"\0")
    (folder / "~$police.xlsx").write_bytes(b"lock")
    (folder / ".~lock.police.xlsx#").write_text("lock", encoding="utf-8")
    files, own = discover([folder])
    assert own == []
    assert [f.name for f in files] == [
        "notes.txt",
        "police.xlsx",
        "police.xltx",
        "sheet.fods",
        "return.numbers",
    ]
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    statuses = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert statuses["police.xltx"] in ("ok", "superseded") and statuses["notes.txt"] == "refused"
    codes = {
        Path(f["file"]).name: f["code"] for f in data["findings"] if f["code"].startswith("refused")
    }
    assert codes == {
        "notes.txt": "refused-not-spreadsheet",
        "return.numbers": "refused-other-spreadsheet",
        "sheet.fods": "refused-other-spreadsheet",
    }
    assert data["counts"]["refused"] == 3


def test_a_folder_of_unreadable_files_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "return.numbers").write_bytes(_zip({"Index/Document.iwa": b"\0"}))
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code == 1
    assert (
        "refused: this is an Apple Numbers spreadsheet, which this tool cannot read."
        in result.output
    )
    assert "File › Export To › Excel" in result.output


def test_the_tools_own_outputs_are_not_read(tmp_path: Path, good: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "police.xlsx").write_bytes(good.read_bytes())
    out = tmp_path / "board"
    assert (
        CliRunner()
        .invoke(cli, ["collate", str(folder), "-o", str(out / "comparison.xlsx")])
        .exit_code
        == 0
    )
    for name in ("comparison.xlsx", "responses.csv"):
        (folder / name).write_bytes((out / name).read_bytes())
    files, own = discover([folder])
    assert [f.name for f in files] == ["police.xlsx"]
    assert sorted(f.name for f in own) == ["comparison.xlsx", "responses.csv"]


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_part_names_with_backslashes_are_read(
    tmp_path: Path, good: Path, framework: Framework
) -> None:
    with zipfile.ZipFile(good) as src:
        names = {n: n.replace("/", "\\") for n in src.namelist()}
    path = _repack(good, tmp_path / "backslash.xlsx", names)
    ret = read_return(path, framework)
    assert ret.status is Status.OK and ret.answered == len(framework.rated_questions)


def test_a_workbook_part_at_another_path_is_read(
    tmp_path: Path, good: Path, framework: Framework
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data, name = src.read(info), info.filename
            name = {
                "xl/workbook.xml": "xl/book.xml",
                "xl/_rels/workbook.xml.rels": "xl/_rels/book.xml.rels",
            }.get(name, name)
            if name in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"xl/workbook.xml", b"xl/book.xml")
            dst.writestr(name, data)
    path = tmp_path / "moved.xlsx"
    path.write_bytes(out.getvalue())
    ret = read_return(path, framework)
    assert ret.status is Status.OK and ret.answered == len(framework.rated_questions)


def test_two_parts_of_one_name_are_refused_as_ambiguous(
    tmp_path: Path, good: Path, framework: Framework
) -> None:
    with zipfile.ZipFile(good) as src:
        sheet = src.read("xl/worksheets/sheet2.xml")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: the point
        path = _repack(good, tmp_path / "twice.xlsx", extra={"xl/worksheets/sheet2.xml": sheet})
    ret = read_return(path, framework)
    assert ret.status is Status.REFUSED
    assert ret.findings[0].code is Code.REFUSED_AMBIGUOUS
    assert "two parts named 'xl/worksheets/sheet2.xml'" in ret.findings[0].message


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("naïve,café\r\n1,2\r\n".encode("cp1252"), "a text file (CSV)"),
        (b"name;score\nPolice;3\n", "a text file (CSV)"),
        (b"just some words\n", "a text file"),
    ],
)
def test_text_files_are_named_for_what_they_are(
    tmp_path: Path, framework: Framework, data: bytes, kind: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(data)
    ret = read_return(path, framework)
    assert ret.findings[0].params == {"kind": kind}


def test_an_excel_4_worksheet_is_named(tmp_path: Path, framework: Framework) -> None:
    path = tmp_path / "old.xls"
    # A BIFF4 BOF record (type 0x0409, 6 bytes), then an EOF record.
    path.write_bytes(b"\x09\x04\x06\x00\x00\x00\x10\x00\x00\x00" + b"\x0a\x00\x00\x00")
    ret = read_return(path, framework)
    assert ret.findings[0].code is Code.REFUSED_OTHER_SPREADSHEET
    assert "an Excel 2, 3 or 4 worksheet" in ret.findings[0].message


@pytest.mark.libreoffice
def test_an_xls_whose_stream_name_is_in_capitals_is_read(
    tmp_path: Path, good: Path, framework: Framework
) -> None:
    xls = convert(good, "xls", tmp_path / "lo")
    data = xls.read_bytes()
    name = "Workbook".encode("utf-16-le")
    assert name in data
    caps = tmp_path / "caps.xls"
    caps.write_bytes(data.replace(name, "WORKBOOK".encode("utf-16-le"), 1))
    ret = read_return(caps, framework)
    assert ret.status is Status.OK and ret.answered == len(framework.rated_questions)


def test_partner_text_cannot_fake_lines_of_the_report(tmp_path: Path, framework: Framework) -> None:
    folder = tmp_path / "returns"
    name = "evil\n  ERROR    fake.xlsx: refused\u202e.xlsx"
    first = framework.rated_questions[0].id
    make_return(folder / name, framework, {first: {"rating": "Good\x07\nOK"}}, Partner("p", "P"))
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert "\n  ERROR    fake.xlsx" not in result.output
    assert "\\n  ERROR    fake.xlsx: refused\\u202e.xlsx" in result.output
    assert "'Good\\x07\\nOK'" in result.output
    assert "\x07" not in result.output and "\u202e" not in result.output
