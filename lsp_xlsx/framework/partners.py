"""The partners file: who takes part, and safe file names for their workbooks.

``partners.csv`` has the columns ``partner_id, name, sector, contact_name, email``.
:func:`load_partners` validates it and raises one :class:`~lsp_xlsx.core.errors.PartnersError`
listing every problem. Several rows may share a ``partner_id``: each is a respondent of
that partner (see :mod:`~lsp_xlsx.framework.respondents`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
#: Optional columns about the person, not the organisation: never groupings.
RESPONDENT_COLUMNS = ("respondent_id", "role")
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
    #: Who this is within the partner: '' for a partner listed on one row (as before
    #: respondents), else as given in partners.csv or made by
    #: :func:`~lsp_xlsx.framework.respondents.respondent_id_for`.
    respondent_id: str = ""
    #: The respondent's role, from the optional ``role`` column.
    role: str = ""
    #: On the organisation's entry: one Partner per respondent row (each with its own
    #: contact, e-mail and respondent_id); empty for a partner listed on one row.
    respondents: tuple[Partner, ...] = ()

    def value(self, column: str) -> str:
        """The value of any column of partners.csv for this partner ('' when none)."""
        if column in ("partner_id", "name", "sector", "contact_name", "email", *RESPONDENT_COLUMNS):
            return str(getattr(self, column))
        return dict(self.extra).get(column, "")

    @property
    def people(self) -> tuple[Partner, ...]:
        """Whom to send a workbook to: each respondent, or the partner itself."""
        return self.respondents or (self,)

    @property
    def key(self) -> str:
        """One respondent's key: the partner id, then '/' and the respondent id when there
        is one ('/' is in no id, so keys never collide)."""
        return f"{self.partner_id}/{self.respondent_id}" if self.respondent_id else self.partner_id

    @property
    def who(self) -> str:
        """'North Shire Council (Jane Smith)' for a respondent, the name for a partner."""
        if not self.respondent_id:
            return self.name
        return f"{self.name} ({self.contact_name or self.email or self.respondent_id})"


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

    @property
    def respondents(self) -> list[Partner]:
        """Every respondent, in file order: one per row of partners.csv."""
        return people_of(self)


def people_of(partners: Sequence[Partner]) -> list[Partner]:
    """Every respondent of ``partners``, in order: a partner on one row is its own."""
    return [person for partner in partners for person in partner.people]


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
    table: CsvTable,
    row: dict[str, str],
    line: int,
    seen: dict[str, tuple[int, str]],
    problems: list[Finding],
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
        first, first_name = seen[pid.casefold()]
        # A row for another respondent of the partner has its name, or none; another name
        # is another partner given the same id.
        if pname and slug(pname) != slug(first_name):
            add(Code.PARTNERS_DUPLICATE_ID, "partner_id", id=pid, first=first)
            ok = False
        pname = pname or first_name
    else:
        seen[pid.casefold()] = (line, pname)
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
        row.get("respondent_id", "").strip(),
        row.get("role", "").strip(),
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


# --- respondents: several rows sharing a partner_id --------------------------------------


def respondent_id_for(partner: Partner, position: int) -> tuple[str, bool]:
    """The id a respondent row without one is given, and True when it comes from the
    row's place (neither an e-mail nor a contact name to make it from).

    Made from the partner id and the e-mail (else the contact name), never from where the
    row is, so it is the same in every run however rows are added, moved or deleted: a
    workbook built last week still finds its respondent. 'r-' and 10 hex digits of a
    SHA-256, short enough to read, and unguessable from outside without the address.
    """
    if partner.email or partner.contact_name:
        basis = (
            f"email:{partner.email.casefold()}"
            if partner.email
            else (f"name:{slug(partner.contact_name)}")
        )
        digest = hashlib.sha256(f"{partner.partner_id.casefold()}\n{basis}".encode()).hexdigest()
        return f"r-{digest[:10]}", False
    return f"r{position}", True


def _organisation(rows: list[tuple[Partner, int]]) -> tuple[Partner, dict[str, int]]:
    """The partner as its rows describe it: for the sector and each grouping the first row
    that gives one (rows after the first may leave them empty), and the line each came
    from."""
    lead, first_line = rows[0]
    lines = {"sector": first_line} | {c: first_line for c, _ in lead.extra}
    sector, extra = lead.sector, dict(lead.extra)
    for person, line in rows[1:]:
        if not sector and person.sector:
            sector, lines["sector"] = person.sector, line
        for column, value in person.extra:
            if not extra.get(column) and value:
                extra[column], lines[column] = value, line
    return replace(lead, sector=sector, extra=tuple(extra.items())), lines


def _differs(
    table: CsvTable,
    lead: Partner,
    lines: dict[str, int],
    row: tuple[Partner, int],
    problems: list[Finding],
) -> bool:
    """A respondent row that gives its partner another sector or grouping: an error."""
    person, line = row
    values = [("sector", lead.sector, person.sector)]
    values += [(c, v, dict(person.extra).get(c, "")) for c, v in lead.extra]
    wrong = False
    for column, expected, found in values:
        first_line = lines.get(column, line)
        if found and found != expected:
            problems.append(
                table.finding(
                    Code.PARTNERS_RESPONDENT_DIFFERS,
                    line,
                    column,
                    partner=lead.name,
                    column=column,
                    found=found,
                    first=first_line,
                    expected=expected,
                )
            )
            wrong = True
    return wrong


def _person(
    table: CsvTable,
    lead: Partner,
    row: tuple[Partner, int],
    position: int,
    problems: list[Finding],
) -> Partner | None:
    """One respondent row as the respondent it names; None (with the error) if unusable."""
    person, line = row
    given = person.respondent_id
    if given and not _ID_RE.match(given):
        problems.append(
            table.finding(Code.PARTNERS_BAD_RESPONDENT_ID, line, "respondent_id", id=given)
        )
        return None
    rid, by_order = (given, False) if given else respondent_id_for(person, position)
    if by_order:
        problems.append(
            table.finding(
                Code.PARTNERS_RESPONDENT_BY_ORDER, line, "partner_id", partner=lead.name, id=rid
            )
        )
    return replace(
        person,
        partner_id=lead.partner_id,
        name=lead.name,
        sector=lead.sector,
        extra=lead.extra,
        respondent_id=rid,
    )


def _one_partner(
    table: CsvTable, rows: list[tuple[Partner, int]], problems: list[Finding]
) -> Partner | None:
    """The partner of ``rows`` (all sharing its id), with its respondents when it has several
    rows or a respondent_id; None when a row is in error."""
    lead = rows[0][0]
    if len(rows) == 1 and not lead.respondent_id:
        return lead  # one row per partner: exactly as before respondents
    lead, lines = _organisation(rows)
    people: list[Partner] = []
    first_of: dict[str, int] = {}
    ok = True
    for position, row in enumerate(rows, start=1):
        if _differs(table, lead, lines, row, problems):
            ok = False
            continue
        person = _person(table, lead, row, position, problems)
        if person is None:
            ok = False
            continue
        key = person.respondent_id.casefold()
        if key in first_of:
            code, who = Code.PARTNERS_DUPLICATE_RESPONDENT, {"id": person.respondent_id}
            if not row[0].respondent_id:  # a made id repeats: the same address or name
                code, who = (
                    Code.PARTNERS_SAME_RESPONDENT,
                    {"who": f"'{person.email or person.contact_name}'"},
                )
            column = "respondent_id" if code is Code.PARTNERS_DUPLICATE_RESPONDENT else "email"
            problems.append(
                table.finding(code, row[1], column, partner=lead.name, first=first_of[key], **who)
            )
            ok = False
            continue
        first_of[key] = row[1]
        people.append(person)
    return replace(lead, respondent_id="", role="", respondents=tuple(people)) if ok else None


def group_respondents(
    table: CsvTable, kept: list[tuple[Partner, int]], problems: list[Finding]
) -> list[tuple[Partner, int]]:
    """One entry per partner (at its first line), its rows gathered as its respondents."""
    groups: dict[str, list[tuple[Partner, int]]] = {}
    for partner, line in kept:
        groups.setdefault(partner.partner_id.casefold(), []).append((partner, line))
    partners = []
    for rows in groups.values():
        one = _one_partner(table, rows, problems)
        if one is not None:
            partners.append((one, rows[0][1]))
    return partners


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
        extras_allowed=(*RECOGNISED_EXTRAS, *RESPONDENT_COLUMNS),
        synonyms=PARTNER_SYNONYMS,  # issue 23: 'E-mail', 'Organisation' (table_files.py)
    )
    if table is None:
        raise PartnersError(str(path), problems)
    # The respondent's own columns are kept on each respondent, never as groupings.
    table.extra_columns = [c for c in table.extra_columns if c not in RESPONDENT_COLUMNS]
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
    seen: dict[str, tuple[int, str]] = {}
    kept: list[tuple[Partner, int]] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        if _check_row(table, row, line, seen, problems):
            kept.append((_partner(row, table.extra_columns), line))
    kept = group_respondents(table, kept, problems)
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
    """File name for each partner's :attr:`~Partner.key` (its id, for a partner on one
    row): a slug of the name (and the respondent's, for a respondent), made unique, at
    most 100 chars."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    room = MAX_FILENAME - len(suffix)
    for partner in partners:
        stem = slug(partner.name, room)
        if partner.respondent_id:
            person = slug(partner.contact_name or partner.respondent_id, room // 2)
            stem = f"{stem[: room - len(person) - 1]}-{person}"
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
        names[partner.key] = candidate + suffix
    return names
