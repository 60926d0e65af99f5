"""The partners file: who takes part, and safe file names for their workbooks.

``partners.csv`` has the columns ``partner_id, name, sector, contact_name, email``.
:func:`load_partners` validates it and raises one :class:`~lsp_xlsx.core.errors.PartnersError`
listing every problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from lsp_xlsx.core.errors import PartnersError
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework.csvfile import CsvTable, place_of, read_csv
from lsp_xlsx.framework.table_files import PARTNER_SYNONYMS

PARTNER_COLUMNS = ("partner_id", "name", "sector", "contact_name", "email")
#: Further columns with a known use (collate --split-by partnership, --group-by level),
#: never mistaken for a misspelt known column.
RECOGNISED_EXTRAS = ("partnership", "level", "region")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_EMAIL_RE = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
# Names Windows reserves whatever the extension.
_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
MAX_FILENAME = 100
# Latin letters that Unicode does not decompose into ASCII ones.
_TRANSLITERATE = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
    }
)


@dataclass(frozen=True)
class Partner:
    """One partner organisation. ``extra`` holds the values of any further columns."""

    partner_id: str
    name: str
    sector: str = ""
    contact_name: str = ""
    email: str = ""
    #: The display name of an address given as 'Lisa Brown <lisa.brown@example.org>'.
    email_name: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    def value(self, column: str) -> str:
        """The value of any column of partners.csv for this partner ('' when none)."""
        if column in ("partner_id", "name", "sector", "contact_name", "email"):
            return str(getattr(self, column))
        return dict(self.extra).get(column, "")


class PartnerList(list[Partner]):
    """The partners, in file order, with what was noticed while reading the file."""

    def __init__(
        self,
        partners: list[Partner],
        path: Path,
        warnings: list[Finding],
        extra_columns: list[str],
    ) -> None:
        super().__init__(partners)
        self.path = path
        #: Warnings and notes (not errors): always shown to the coordinator.
        self.warnings = warnings
        #: Columns beyond the known five, in file order: groupings for the comparison.
        self.extra_columns = extra_columns


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED_ADDRESS = re.compile(r'^\s*"?([^"<>]*?)"?\s*<([^<>]+)>\s*$')


def _shown(char: str) -> str:
    return repr(char)[1:-1] if char in "\n\r\t" else f"U+{ord(char):04X}"


def split_address(text: str) -> tuple[str, str] | None:
    """('Lisa Brown', 'lisa.brown@example.org') from 'Lisa Brown <lisa.brown@example.org>',
    ('', address) from a plain address, or None if it is not one address."""
    match = _NAMED_ADDRESS.match(text)
    name, address = (match.group(1).strip(), match.group(2).strip()) if match else ("", text)
    return (name, address) if is_email(address) else None


def _check_row(
    table: CsvTable, row: dict[str, str], line: int, seen: dict[str, int], problems: list[Finding]
) -> bool:
    """Note every problem on one row; True when the row makes a usable partner."""

    def add(code: Code, column: str, **params: Any) -> None:
        problems.append(table.finding(code, line, column, **params))

    ok = True
    for column, value in row.items():
        control = _CONTROL.search(value)
        if control:
            add(Code.CSV_CONTROL_CHARACTER, column, character=_shown(control.group()))
            ok = False
    pid, pname, email = row["partner_id"], row["name"], row.get("email", "")
    if not pid:
        add(Code.PARTNERS_MISSING_ID, "partner_id")
        ok = False
    elif not _ID_RE.match(pid):
        add(Code.PARTNERS_BAD_ID, "partner_id", id=pid)
        ok = False
    elif pid.casefold() in seen:
        add(Code.PARTNERS_DUPLICATE_ID, "partner_id", id=pid, first=seen[pid.casefold()])
        ok = False
    else:
        seen[pid.casefold()] = line
    if not pname:
        add(Code.PARTNERS_MISSING_NAME, "name", id=pid or "?")
        ok = False
    if email and split_address(email) is None:
        add(Code.PARTNERS_BAD_EMAIL, "email", email=email)
        ok = False
    return ok


def _partner(row: dict[str, str], extra_columns: list[str]) -> Partner:
    email_name, email = split_address(row.get("email", "")) or ("", "")
    return Partner(
        row["partner_id"],
        " ".join(row["name"].split()),
        row.get("sector", ""),
        row.get("contact_name", ""),
        email,
        email_name,
        tuple((c, row.get(c, "")) for c in extra_columns),
    )


def _same_organisations(
    table: CsvTable, partners: list[tuple[Partner, int]], problems: list[Finding]
) -> None:
    """The same name and address under two ids: probably one organisation listed twice."""
    first: dict[tuple[str, str], tuple[Partner, int]] = {}
    for partner, line in partners:
        if not partner.email:
            continue
        key = (partner.name.casefold(), partner.email.casefold())
        if key in first:
            other, other_line = first[key]
            problems.append(
                finding(
                    Code.PARTNERS_SAME_ORGANISATION,
                    table.name,
                    cell=table.cell("partner_id", line),
                    where=place_of(table, line),
                    name=partner.name,
                    email=partner.email,
                    other_id=other.partner_id,
                    other_line=other_line,
                )
            )
        else:
            first[key] = (partner, line)


def load_partners(path: str | Path) -> PartnerList:
    """Load and validate ``partners.csv``; the order of the file is kept.

    Raises :class:`PartnersError` listing every problem when any is an error. Warnings
    and notes (a plain Excel CSV, semicolons, extra columns, an organisation listed
    twice) are kept on the result's ``warnings``, to be shown.
    """
    path = Path(path)
    if not path.is_file():
        raise PartnersError(
            f"{path}",
            [finding(Code.PARTNERS_FILE_MISSING, str(path), columns=", ".join(PARTNER_COLUMNS))],
        )
    problems: list[Finding] = []
    table = read_csv(
        path,
        PARTNER_COLUMNS,
        ("partner_id", "name"),
        problems,
        extras_allowed=RECOGNISED_EXTRAS,
        synonyms=PARTNER_SYNONYMS,  # issue 23: 'E-mail', 'Organisation' (table_files.py)
    )
    if table is None:
        raise PartnersError(str(path), problems)
    if table.extra_columns:
        problems.append(
            finding(
                Code.PARTNERS_EXTRA_COLUMNS,
                table.name,
                cell="A1",
                where=f"{table.name}, line 1",
                columns=", ".join(f"'{c}'" for c in table.extra_columns),
            )
        )
    seen: dict[str, int] = {}
    kept: list[tuple[Partner, int]] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        if _check_row(table, row, line, seen, problems):
            kept.append((_partner(row, table.extra_columns), line))
    _same_organisations(table, kept, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        raise PartnersError(str(path), problems)
    return PartnerList([p for p, _ in kept], path, problems, table.extra_columns)


def is_email(text: str) -> bool:
    """True for one plain address such as name@example.org."""
    _, address = parseaddr(text)
    return address == text and bool(_EMAIL_RE.match(text))


def slug(text: str, max_length: int = MAX_FILENAME) -> str:
    """A safe, readable file-name stem: 'North Shire Police' -> 'north-shire-police'.

    Only ASCII letters, digits and single hyphens; never empty, never a Windows reserved
    name, never a path.
    """
    plain = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_text = plain.encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")[:max_length].strip("-")
    if not stem:
        stem = "partner"
    if stem in _WINDOWS_RESERVED:
        stem = f"{stem}-partner"
    return stem


def unique_filenames(partners: list[Partner], suffix: str = ".xlsx") -> dict[str, str]:
    """File name for each partner id: a slug of the name, made unique, at most 100 chars."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    room = MAX_FILENAME - len(suffix)
    for partner in partners:
        stem = slug(partner.name, room)
        candidate = stem
        if candidate in taken:
            # Two names that slug alike: add the partner id, then a counter if still taken.
            extra = slug(partner.partner_id, room)
            candidate = f"{stem[: room - len(extra) - 1]}-{extra}"
            n = 2
            while candidate in taken:
                tail = f"-{n}"
                candidate = f"{stem[: room - len(tail)]}{tail}"
                n += 1
        taken.add(candidate)
        names[partner.partner_id] = candidate + suffix
    return names
