"""partners.csv: validation with findings-style messages, and safe file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_xlsx.core.errors import PartnersError
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
    "email", ["a@b", "two@x.org; three@y.org", "Sam <sam@x.org>", "sam@@x.org", "sam @x.org"]
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
