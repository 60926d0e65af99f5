"""partners.csv: validation with findings-style messages, and safe file names."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import PartnersError
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.partners import MAX_FILENAME, Partner, load_partners, slug, unique_filenames

HEADER = "partner_id,name,sector,contact_name,email\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "partners.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def _messages(path: Path) -> list[str]:
    with pytest.raises(PartnersError) as info:
        load_partners(path)
    return [f.message for f in info.value.findings]


def test_loads_in_file_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "police,North Shire Police,Police,Sam Patel,sam@police.example\nfire,  Fire  and Rescue ,,,\n",
    )
    assert load_partners(path) == [
        Partner("police", "North Shire Police", "Police", "Sam Patel", "sam@police.example"),
        Partner("fire", "Fire and Rescue"),
    ]


def test_bom_and_column_order_do_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_bytes(b"\xef\xbb\xbfname,partner_id\nNHS Trust,nhs\n")
    assert load_partners(path) == [Partner("nhs", "NHS Trust")]


def test_duplicate_id_missing_name_and_bad_email_are_all_listed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "police,Police,,,\nPOLICE,Police again,,,\nfire,,,,\nnhs,NHS,,,not an address\n",
    )
    assert _messages(path) == [
        "partners.csv, line 3, column 'partner_id': the partner id 'POLICE' is used again "
        "(first on line 2). Give each partner its own id.",
        "partners.csv, line 4, column 'name': the partner 'fire' has no name. Fill in the name column.",
        "partners.csv, line 5, column 'email': 'not an address' is not an e-mail address. "
        "Write one address such as name@example.org.",
    ]


@pytest.mark.parametrize(
    "email", ["a@b", "two@x.org; three@y.org", "Sam <sam@x>", "sam@@x.org", "sam @x.org"]
)
def test_bad_addresses(tmp_path: Path, email: str) -> None:
    path = _write(tmp_path, f'nhs,NHS,,,"{email}"\n')
    assert "is not an e-mail address" in _messages(path)[0]


def test_missing_required_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Police,x\n", header="name,email\n")
    assert _messages(path) == [
        "partners.csv, line 1: the required column 'partner_id' is missing. Add a column headed "
        "'partner_id' (the columns are: partner_id, name, sector, contact_name, email)."
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("North Shire Police", "north-shire-police"),
        ("../../etc/x", "etc-x"),
        ("CON", "con-partner"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
        ("Ünïcødé Trust", "unicode-trust"),
        ("日本", "partner"),
        ("", "partner"),
        ("x" * 300, "x" * 100),
    ],
)
def test_slugs_are_safe(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_unique_filenames_stay_inside_and_never_clash(tmp_path: Path) -> None:
    partners = [
        Partner("p1", "North Shire Police"),
        Partner("p2", "North-Shire   police!"),
        Partner("p3", "north shire police"),
        Partner("p4", "../../etc/passwd"),
        Partner("p5", "CON"),
        Partner("p6", "y" * 300),
        Partner("p7", "y" * 300),
    ]
    names = unique_filenames(partners)
    assert len(set(names.values())) == len(partners)
    assert names["p1"] == "north-shire-police.xlsx"
    assert names["p2"] == "north-shire-police-p2.xlsx"
    for name in names.values():
        assert len(name) <= MAX_FILENAME
        target = (tmp_path / name).resolve()
        assert target.parent == tmp_path.resolve()
        assert "/" not in name and "\\" not in name and not name.startswith(".")


# --- partners.csv as real people save it (issue 11) ------------------------------------------


def _load(tmp_path: Path, text: str, encoding: str = "utf-8") -> Any:
    path = tmp_path / "partners.csv"
    path.write_bytes(text.encode(encoding))
    return load_partners(path)


def test_semicolon_separated_is_read_and_said(tmp_path: Path) -> None:
    partners = _load(tmp_path, "partner_id;name;sector\npolice;North Shire Police;Police\n")
    assert partners == [Partner("police", "North Shire Police", "Police")]
    assert [w.code for w in partners.warnings] == [Code.CSV_SEMICOLONS]
    assert partners.warnings[0].message.startswith("partners.csv: the values are separated by")


def test_plain_excel_csv_warning_is_kept_and_shown(tmp_path: Path) -> None:
    partners = _load(tmp_path, "partner_id,name\ncafe,Café Società\n", "cp1252")
    assert partners[0].name == "Café Società"
    assert [w.code for w in partners.warnings] == [Code.CSV_NOT_UTF8]
    path = tmp_path / "partners.csv"
    result = CliRunner().invoke(
        cli, ["build", "--partners", str(path), "--out-dir", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "warning: partners.csv: the file is not UTF-8" in result.output


def test_extra_columns_are_kept_and_listed(tmp_path: Path) -> None:
    partners = _load(tmp_path, HEADER.strip() + ",level,notes\npolice,Police,,,,strategic,x\n")
    assert partners.extra_columns == ["level", "notes"]
    assert partners[0].value("level") == "strategic" and partners[0].value("notes") == "x"
    [note] = partners.warnings
    assert note.code is Code.PARTNERS_EXTRA_COLUMNS
    assert note.params == {"columns": "'level', 'notes'"}


def test_a_near_miss_of_a_known_column_is_still_a_warning(tmp_path: Path) -> None:
    partners = _load(tmp_path, "partner_id,name,emial\npolice,Police,a@b.org\n")
    assert [w.code for w in partners.warnings] == [Code.CSV_COLUMN_UNKNOWN]
    assert "Did you mean 'email'?" in partners.warnings[0].message


def test_extra_unheaded_values_are_an_error_with_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "police,Police,Police,Sam,sam@x.org,spare,more\n")
    [message] = _messages(path)
    assert message == (
        "partners.csv, line 2, column F: this row has 2 values beyond the last heading "
        "('spare', 'more'), which would be lost. Give the column a heading, or remove the "
        "values (often a stray comma)."
    )


def test_same_organisation_under_two_ids_is_a_warning_naming_both_lines(tmp_path: Path) -> None:
    partners = _load(
        tmp_path,
        HEADER + "hub,The Hub,,,hub@x.org\nother,Police,,,p@x.org\nhub2,The Hub,,,HUB@x.org\n",
    )
    assert len(partners) == 3
    [warning] = partners.warnings
    assert warning.code is Code.PARTNERS_SAME_ORGANISATION
    assert warning.message.startswith(
        "partners.csv, line 4: 'The Hub' <HUB@x.org> is also listed as 'hub' on line 2"
    )


def test_name_and_address_as_pasted_from_outlook(tmp_path: Path) -> None:
    partners = _load(
        tmp_path, HEADER + 'police,Police,,,"Lisa Brown <lisa.brown@police.example>"\n'
    )
    assert (partners[0].email, partners[0].email_name) == (
        "lisa.brown@police.example",
        "Lisa Brown",
    )


@pytest.mark.parametrize(
    ("field", "char", "shown"),
    [
        ("contact_name", "\n", "\\n"),
        ("name", "\x07", "U+0007"),
        ("contact_name", "\u202e", "U+202E"),
    ],
)
def test_a_control_character_is_an_error_at_load_time(
    tmp_path: Path, field: str, char: str, shown: str
) -> None:
    values = {"partner_id": "police", "name": "Police", "contact_name": "Sam", "email": ""}
    values[field] = values[field][:2] + char + values[field][2:]
    path = tmp_path / "partners.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([list(values), list(values.values())])
    messages = _messages(path)
    column = {"name": "B", "contact_name": "C"}[field]
    assert messages == [
        f"partners.csv, line 2, column '{field}': the value holds a line break or another "
        f"control character ({shown}), which would break a workbook name or an e-mail header. "
        "Retype it on one line."
    ], column


def test_mail_with_a_hostile_partners_file_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(HEADER + 'police,Police,,"Sam\nPatel",sam@x.org\n', encoding="utf-8")
    (tmp_path / "to-send").mkdir()
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(path), "--dir", str(tmp_path / "to-send")]
    )
    assert result.exit_code == 1
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert "partners.csv has 1 error:" in result.output
    assert "control character (\\n)" in result.output


def test_mail_dir_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "police,Police,,,sam@x.org\n")
    result = CliRunner().invoke(
        cli, ["mail", "--partners", str(path), "--dir", str(tmp_path / "nope")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_error_heading_counts_exactly_what_it_lists(tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_bytes(
        "partner_id,name,emial\n,No id,\nbad id,Bad,\npolice,,\npolice,Twice Café,\n".encode(
            "cp1252"
        )
    )
    with pytest.raises(PartnersError) as info:
        load_partners(path)
    text = str(info.value)
    lines = text.splitlines()
    assert lines[0] == f"{path} has 4 errors and 2 warnings:"
    assert len(lines) == 7
    assert [line.split(":")[0] for line in lines[1:]] == ["  - error"] * 4 + ["  - warning"] * 2


def test_mail_with_a_hostile_template_never_prints_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "police,Police,,,sam@x.org\n")
    template = tmp_path / "invite.txt"
    template.write_text("Subject: Hi\n\nDear {name!r:>99999999},\n", encoding="utf-8")
    (tmp_path / "to-send").mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "--partners",
            str(path),
            "--dir",
            str(tmp_path / "to-send"),
            "--template",
            str(template),
        ],
    )
    assert result.exit_code == 1
    assert "only plain placeholders are allowed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
