"""The coordinator's ratings map (``--ratings-map FILE``): what a typed rating means, when the
scale and its synonyms cannot say ("Good", "2.5", "Satisfactory").

A CSV read like every coordinator's file (:mod:`lsp_xlsx.framework.csvfile`, under its
limits), one rule a line::

    typed,rating,partner_id,note
    Good,3 - Performs well,,"Agreed at the coordinators' meeting"
    2.5,2 - Performs adequately,hospital-trust,"Asked the trust: they meant 2"

``partner_id`` empty: the rule holds for every partner; given: for that partner only, and
it wins over a general rule for the same text. ``rating`` is a label of the scale (or
anything the scale reads as one: "2", "Adequate"). Headers may be written as people write
them ("Typed text", "Scale label", "Partner ID"). Overrides' ``map-rating`` rows
(:mod:`lsp_xlsx.returns.overrides`) are rules of the same kind.

Each rule is a decision the coordinator made: it is listed on the comparison's About sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lsp_xlsx.core.errors import FindingsError
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework.csvfile import CsvTable, read_csv
from lsp_xlsx.framework.model import Framework, rating_key
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.ratings import VARIANT, RatingReader

#: Each column, and the header words taken for it.
MAP_HEADERS = {
    "typed": ("typed", "typed text", "as typed", "text", "entered", "value"),
    "rating": ("rating", "label", "scale label", "means", "read as", "rating label"),
    "partner_id": ("partner_id", "partner id", "partner", "partner-id"),
    "note": ("note", "notes", "why", "reason", "comment"),
}


class RatingsMapError(FindingsError):
    """The ratings map (or an overrides file's map-rating rows) cannot be used."""


@dataclass(frozen=True)
class MapRule:
    """One decision: ``typed`` (as the coordinator wrote it) means the scale's ``label``,
    for ``partner_id`` ('' for every partner)."""

    typed: str
    label: str
    partner_id: str
    note: str
    source: str
    line: int

    def describe(self) -> str:
        """The decision in a sentence, for the About sheet and the console."""
        who = f"typed by partner {self.partner_id}" if self.partner_id else "typed by anyone"
        note = f" Note: {self.note}" if self.note else ""
        return f"'{self.typed}' {who} means '{self.label}' ({self.source}, line {self.line}).{note}"


def _columns(table: CsvTable, problems: list[Finding]) -> dict[str, str] | None:
    """Each column's header as the file writes it; None (with a finding) lacking one."""
    found = {}
    for key, words in MAP_HEADERS.items():
        header = next((h for h in table.header if h.casefold() in words), None)
        if header is not None:
            found[key] = header
        elif key in ("typed", "rating"):
            problems.append(
                finding(
                    Code.CSV_COLUMN_MISSING,
                    table.name,
                    cell="A1",
                    where=f"{table.name}, line 1",
                    column=key,
                    expected="typed, rating, partner_id, note",
                )
            )
    return found if "typed" in found and "rating" in found else None


def label_for(reader: RatingReader, text: str) -> str | None:
    """The scale label a rule's ``rating`` names (a label, or what the scale reads as one)."""
    reading = reader.reading(text)
    if reading.option is None or reading.how not in ("exact", VARIANT, "synonym"):
        return None
    return reading.option.label


def read_ratings_map(
    path: Path, framework: Framework, partners: Sequence[Partner] | None = None
) -> list[MapRule]:
    """Every rule in the ratings map at ``path``. Raises :class:`RatingsMapError` listing
    every problem (an unknown label, a text mapped two ways, an unknown partner)."""
    problems: list[Finding] = []
    words = tuple(w for ws in MAP_HEADERS.values() for w in ws)
    table = read_csv(Path(path), words, (), problems)
    columns = _columns(table, problems) if table is not None else None
    rules: list[MapRule] = []
    if table is not None and columns is not None:
        for row, line in zip(table.rows, table.lines, strict=True):
            values = {key: " ".join(row.get(h, "").split()) for key, h in columns.items()}
            rule = map_rule(table, line, values, framework, partners, problems)
            if rule is not None:
                rules.append(rule)
        problems += clashes(rules, table)
    if any(p.severity is Severity.ERROR for p in problems):
        raise RatingsMapError(f"The ratings map {path}", problems)
    return rules


def map_rule(
    table: CsvTable,
    line: int,
    values: dict[str, str],
    framework: Framework,
    partners: Sequence[Partner] | None,
    problems: list[Finding],
) -> MapRule | None:
    """One rule from a line's values (typed, rating, partner_id, note); None, with a
    finding, when it cannot be one."""
    typed, rating = values.get("typed", ""), values.get("rating", "")
    partner_id = values.get("partner_id", "")
    if not typed or not rating:
        problems.append(table.finding(Code.RATINGS_MAP_INCOMPLETE, line, "typed"))
        return None
    label = label_for(RatingReader(framework.scale), rating)
    column = next((h for h in table.header if h.casefold() in MAP_HEADERS["rating"]), "rating")
    if label is None:
        allowed = ", ".join(f"'{o.label}'" for o in framework.scale)
        problems.append(
            table.finding(Code.RATINGS_MAP_BAD_RATING, line, column, rating=rating, allowed=allowed)
        )
        return None
    if partner_id and partners is not None:
        known = {p.partner_id.casefold(): p.partner_id for p in partners}
        if partner_id.casefold() not in known:
            problems.append(
                table.finding(
                    Code.RATINGS_MAP_PARTNER_UNKNOWN,
                    line,
                    column,
                    partner=partner_id,
                    partners_file="the partners file",
                )
            )
            return None
        partner_id = known[partner_id.casefold()]
    return MapRule(typed, label, partner_id, values.get("note", ""), table.name, line)


def clashes(rules: Iterable[MapRule], table: CsvTable) -> list[Finding]:
    """A finding for each text mapped two ways for the same partners (same file)."""
    first: dict[tuple[str, str], MapRule] = {}
    found = []
    for rule in rules:
        scope = (rule.partner_id.casefold(), rating_key(rule.typed))
        earlier = first.setdefault(scope, rule)
        if earlier.label != rule.label:
            found.append(
                table.finding(
                    Code.RATINGS_MAP_CLASH,
                    rule.line,
                    table.header[0],
                    typed=rule.typed,
                    scope=f" (partner {rule.partner_id})" if rule.partner_id else "",
                    rating=rule.label,
                    first=earlier.line,
                    other=earlier.label,
                )
            )
    return found


def with_rules(framework: Framework, rules: Sequence[MapRule]) -> Framework:
    """The framework carrying ``rules`` for the reader (later rules win for one text)."""
    if not rules:
        return framework
    old = framework.rules
    general = dict(old.general)
    by_partner = {k: dict(v) for k, v in old.by_partner.items()}
    for rule in rules:
        key = rating_key(rule.typed)
        if rule.partner_id:
            by_partner.setdefault(rule.partner_id.casefold(), {})[key] = rule.label
        else:
            general[key] = rule.label
    sources = dict.fromkeys([*filter(None, old.map_source.split(", ")), *(r.source for r in rules)])
    made = replace(old, general=general, by_partner=by_partner, map_source=", ".join(sources))
    return replace(framework, rules=made)


def with_map_file(framework: Framework, path: Path | None) -> Framework:
    """The framework carrying the general rules of the ratings map at ``path`` (``agree``:
    the board is no one partner); unchanged without one."""
    return framework if path is None else with_rules(framework, read_ratings_map(path, framework))
