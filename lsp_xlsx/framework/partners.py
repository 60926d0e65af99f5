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

from lsp_xlsx.core.errors import PartnersError
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework.csvfile import place_of, read_csv

PARTNER_COLUMNS = ("partner_id", "name", "sector", "contact_name", "email")
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
    """One partner organisation."""

    partner_id: str
    name: str
    sector: str = ""
    contact_name: str = ""
    email: str = ""


def load_partners(path: str | Path) -> list[Partner]:
    """Load and validate ``partners.csv``; the order of the file is kept.

    Raises :class:`PartnersError` naming every duplicate id, missing name and bad address.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise PartnersError(
            f"Cannot read {path}",
            [finding(Code.PARTNERS_FILE_MISSING, str(path), columns=", ".join(PARTNER_COLUMNS))],
        )
    problems: list[Finding] = []
    table = read_csv(path, PARTNER_COLUMNS, ("partner_id", "name"), problems)
    if table is None:
        raise PartnersError(f"Cannot read {path}", problems)
    partners: list[Partner] = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        pid, pname, email = row["partner_id"], row["name"], row.get("email", "")

        def place(column: str, line: int = line) -> dict[str, str]:
            return {"cell": table.cell(column, line), "where": place_of(table, line, column)}

        ok = True
        if not pid:
            problems.append(finding(Code.PARTNERS_MISSING_ID, name, **place("partner_id")))
            ok = False
        elif not _ID_RE.match(pid):
            problems.append(finding(Code.PARTNERS_BAD_ID, name, **place("partner_id"), id=pid))
            ok = False
        elif pid.casefold() in seen:
            problems.append(
                finding(
                    Code.PARTNERS_DUPLICATE_ID,
                    name,
                    **place("partner_id"),
                    id=pid,
                    first=seen[pid.casefold()],
                )
            )
            ok = False
        else:
            seen[pid.casefold()] = line
        if not pname:
            problems.append(
                finding(Code.PARTNERS_MISSING_NAME, name, **place("name"), id=pid or "?")
            )
            ok = False
        if email and not is_email(email):
            problems.append(finding(Code.PARTNERS_BAD_EMAIL, name, **place("email"), email=email))
            ok = False
        if ok:
            partners.append(
                Partner(
                    pid,
                    " ".join(pname.split()),
                    row.get("sector", ""),
                    row.get("contact_name", ""),
                    email,
                )
            )
    if any(p.severity is Severity.ERROR for p in problems):
        errors = sum(p.severity is Severity.ERROR for p in problems)
        raise PartnersError(f"{path} has {errors} problem(s)", problems)
    return partners


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
