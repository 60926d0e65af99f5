"""The coordinator's overrides: decisions about returns, made without touching a partner's file.

``overrides.csv`` in the returns folder (found there, and never read as a return), or the
file given with ``--overrides``, holds one decision a row::

    action,file,partner_id,respondent_id,typed,rating,note
    accept-as,Book1.xlsx,hospital-trust,,,,"Identity stripped by Numbers; the trust confirmed"
    exclude,old-draft.xlsx,,,,,"A draft sent by mistake"
    accept-late,fire-service.xlsx,,,,,"The board agreed to accept it on 2 April"
    map-rating,,hospital-trust,,Satisfactory,2 - Performs adequately,"Asked the trust"

* ``accept-as``: the file (its name, or its SHA-256) is partner ``partner_id``'s return (and
  respondent ``respondent_id``'s, where partners have respondents). Its own identity, if
  any, is replaced by the coordinator's word, and a hold on who sent it is lifted.
* ``exclude``: the file is left out of the run.
* ``accept-late``: the file counts, with the note (collate counts every return it is
  given, so this records the board's decision where the comparison shows it).
* ``map-rating``: text ``typed`` by that partner means the scale label ``rating`` (the
  mechanism of ``--ratings-map``, :mod:`lsp_xlsx.returns.ratings_map`).

Each decision is applied, reported (an ``override-applied`` finding) and listed on the
comparison's About sheet with its note. A partner's file is only ever read. A decision that
matches nothing is an ``override-no-match`` error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from lsp_xlsx.core.errors import FindingsError
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework.csvfile import CsvTable, read_csv
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import CheckResult, Return, Status
from lsp_xlsx.returns.ratings_map import MapRule, clashes, map_rule, with_map_file, with_rules
from lsp_xlsx.returns.text_dates import with_carried_dates

__all__ = ["DecisionFiles", "coordinator_decisions", "with_carried_dates", "with_map_file"]

#: The name an overrides file has in a returns folder.
OVERRIDES_NAME = "overrides.csv"
COLUMNS = ("action", "file", "partner_id", "respondent_id", "typed", "rating", "note")
ACTIONS = ("accept-as", "exclude", "accept-late", "map-rating")
#: What each action needs, besides itself.
_NEEDS = {
    "accept-as": ("file", "partner_id"),
    "exclude": ("file",),
    "accept-late": ("file",),
    "map-rating": ("typed", "rating"),
}
#: Holds on who sent a return, which an accept-as lifts (the coordinator has said who).
_IDENTITY_HOLDS = {
    Code.IDENTITY_MISMATCH,
    Code.IDENTITY_CONFLICT,
    Code.COPY_ID_SHARED,
    Code.IDENTITY_UNVERIFIED_HELD,
}


class OverridesError(FindingsError):
    """The overrides file cannot be used."""


@dataclass(frozen=True)
class Override:
    """One decision, as its row gives it."""

    action: str
    file: str
    partner_id: str
    respondent_id: str
    note: str
    source: str
    line: int

    def matches(self, ret: Return) -> bool:
        """True when this decision names ``ret``'s file, by name or by SHA-256."""
        given = self.file.casefold()
        return bool(given) and given in (ret.path.name.casefold(), ret.sha256.casefold())


@dataclass
class Overrides:
    """Every decision in one overrides file."""

    path: Path
    decisions: list[Override] = field(default_factory=list)
    map_rules: list[MapRule] = field(default_factory=list)

    def framework(self, framework: Framework) -> Framework:
        """The framework carrying the map-rating rules, and who each accepted file is from
        (so that partner's rules apply while it is read)."""
        made = with_rules(framework, self.map_rules)
        files = dict(made.rules.file_partner)
        for d in self.decisions:
            if d.action == "accept-as":
                files[d.file.casefold()] = d.partner_id
        return replace(made, rules=replace(made.rules, file_partner=files))


def find_overrides(paths: Iterable[str | Path]) -> Path | None:
    """``overrides.csv`` at the top of the first returns folder that has one."""
    for given in paths:
        candidate = Path(given) / OVERRIDES_NAME
        if Path(given).is_dir() and candidate.is_file():
            return candidate
    return None


def is_overrides_file(folder: str | Path, given: str | Path, name: str) -> bool:
    """True for the overrides file at the top of a returns folder: never a return."""
    return name.casefold() == OVERRIDES_NAME and Path(folder) == Path(given)


def load_overrides(
    path: Path, framework: Framework, partners: Sequence[Partner] | None = None
) -> Overrides:
    """Every decision in the overrides file. Raises :class:`OverridesError` listing every
    problem (an unknown action, a missing file name, a label not on the scale)."""
    problems: list[Finding] = []
    table = read_csv(Path(path), COLUMNS, ("action",), problems)
    found = Overrides(Path(path))
    if table is not None:
        for row, line in zip(table.rows, table.lines, strict=True):
            _row(found, table, line, row, framework, partners, problems)
        problems += clashes(found.map_rules, table)
    if any(p.severity is Severity.ERROR for p in problems):
        raise OverridesError(f"The overrides file {path}", problems)
    return found


def _row(
    found: Overrides,
    table: CsvTable,
    line: int,
    row: dict[str, str],
    framework: Framework,
    partners: Sequence[Partner] | None,
    problems: list[Finding],
) -> None:
    values = {k: " ".join(row.get(k, "").split()) for k in COLUMNS}
    action = values["action"].casefold()
    if action not in ACTIONS:
        allowed = ", ".join(ACTIONS)
        problems.append(
            table.finding(
                Code.OVERRIDE_BAD_ACTION, line, "action", action=values["action"], allowed=allowed
            )
        )
        return
    missing = [c for c in _NEEDS[action] if not values[c]]
    if missing:
        needed = " and ".join(f"a {c}" for c in missing)
        problems.append(
            table.finding(Code.OVERRIDE_INCOMPLETE, line, missing[0], action=action, needed=needed)
        )
        return
    if action == "map-rating":
        rule = map_rule(table, line, values, framework, partners, problems)
        if rule is not None:
            found.map_rules.append(rule)
        return
    partner_id = values["partner_id"]
    if action == "accept-as" and partners is not None:
        known = {p.partner_id.casefold(): p.partner_id for p in partners}
        if partner_id.casefold() not in known:
            problems.append(
                table.finding(
                    Code.OVERRIDE_NO_MATCH,
                    line,
                    "partner_id",
                    action=action,
                    what="partner in the partners file",
                    given=partner_id,
                )
            )
            return
        partner_id = known[partner_id.casefold()]
    found.decisions.append(
        Override(
            action,
            values["file"],
            partner_id,
            values["respondent_id"],
            values["note"],
            table.name,
            line,
        )
    )


@dataclass
class Applied:
    """What applying the overrides did: the returns left in, the run's findings about the
    decisions, and each decision in a sentence for the About sheet."""

    returns: list[Return]
    findings: list[Finding] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)


def apply_overrides(
    returns: list[Return], overrides: Overrides, partners: Sequence[Partner] | None = None
) -> Applied:
    """Apply each file decision to the returns read (never to their files), and check that
    every decision, map-rating ones included, matches something."""
    names = {p.partner_id.casefold(): p.name for p in partners or ()}
    excluded: set[int] = set()
    done = Applied([])
    for d in overrides.decisions:
        matched = [r for r in returns if d.matches(r)]
        if not matched:
            done.findings.append(_no_match(d, "file", d.file))
            continue
        for ret in matched:
            what = _apply(d, ret, names)
            if d.action == "exclude":
                excluded.add(id(ret))
                done.findings.append(_applied(d, ret.file, what))
            else:
                ret.note(Code.OVERRIDE_APPLIED, **_words(d, what))
            done.decisions.append(f"{what} ({d.source}, line {d.line}). Note: {d.note or 'none'}")
    done.returns = [r for r in returns if id(r) not in excluded]
    partners_in = {r.partner_id.casefold() for r in done.returns if r.counts}
    for rule in overrides.map_rules:
        if rule.partner_id and rule.partner_id.casefold() not in partners_in:
            pseudo = Override(
                "map-rating", "", rule.partner_id, "", rule.note, rule.source, rule.line
            )
            done.findings.append(_no_match(pseudo, "return from partner", rule.partner_id))
        else:
            done.decisions.append(rule.describe())
    return done


def _apply(d: Override, ret: Return, names: dict[str, str]) -> str:
    """Apply one decision to one return; what was done, in a sentence."""
    name = ret.path.name
    if d.action == "exclude":
        return f"{name} left out of the run"
    if d.action == "accept-late":
        return f"{name} counted although late"
    ret.partner_id = d.partner_id
    ret.partner_name = names.get(d.partner_id.casefold(), ret.partner_name or d.partner_id)
    ret.respondent_id = d.respondent_id or ret.respondent_id
    ret.identity_verified = True  # the coordinator has said who sent it
    lifted = ""
    if ret.status is Status.HELD:
        holds = sorted({str(f.code) for f in ret.findings if f.code in _IDENTITY_HOLDS})
        ret.findings = [f for f in ret.findings if f.code not in _IDENTITY_HOLDS]
        ret.finish()
        lifted = f", lifting its hold ({', '.join(holds)})" if holds else ""
    who = f", respondent {d.respondent_id}" if d.respondent_id else ""
    return f"{name} accepted as the return of {ret.partner_name} ({d.partner_id}{who}){lifted}"


def _words(d: Override, what: str) -> dict[str, str]:
    return {"source": d.source, "line": str(d.line), "what": what, "note": d.note or "none"}


def _applied(d: Override, file: str, what: str) -> Finding:
    return finding(Code.OVERRIDE_APPLIED, file, **_words(d, what))


def _no_match(d: Override, what: str, given: str) -> Finding:
    return finding(
        Code.OVERRIDE_NO_MATCH,
        d.source,
        where=f"{d.source}, line {d.line}",
        action=d.action,
        what=what,
        given=given,
    )


class DecisionFiles(NamedTuple):
    """The coordinator's decision files given on the command line (None: not given)."""

    ratings_map: Path | None = None
    overrides: Path | None = None

    def inputs(self) -> dict[str, Path | None]:
        """The files, by what a refusal to write over one calls it."""
        return {
            "the ratings map given with --ratings-map": self.ratings_map,
            "the overrides file given with --overrides": self.overrides,
        }


NO_DECISIONS = DecisionFiles()


@dataclass
class Decisions:
    """The coordinator's decisions for one run, ready for the reader."""

    #: The framework carrying the ratings map and who each accepted file is from.
    framework: Framework
    overrides: Overrides | None = None
    #: The ratings map's rules, each in a sentence (the overrides' are added when applied).
    listed: list[str] = field(default_factory=list)
    #: What the run should say about where the decisions came from.
    notes: list[str] = field(default_factory=list)

    def record(self, result: CheckResult) -> CheckResult:
        """``result`` with the map's rules listed first among its decisions, and the notes."""
        result.decisions[:0] = self.listed
        result.notes += self.notes
        return result


def coordinator_decisions(
    paths: Iterable[str | Path],
    framework: Framework,
    partners: Sequence[Partner] | None = None,
    files: DecisionFiles = NO_DECISIONS,
) -> Decisions:
    """Read ``--ratings-map`` and the overrides (``--overrides``, else ``overrides.csv`` in
    a returns folder) into the framework the returns are read with. Raises
    :class:`~lsp_xlsx.returns.ratings_map.RatingsMapError` or :class:`OverridesError`."""
    from lsp_xlsx.returns.ratings_map import read_ratings_map

    paths, (ratings_map, overrides) = list(paths), files
    made = Decisions(framework)
    if ratings_map is not None:
        rules = read_ratings_map(ratings_map, framework, partners)
        made.framework = with_rules(framework, rules)
        made.listed = [rule.describe() for rule in rules]
    in_folder = find_overrides(paths)
    if overrides is not None and in_folder is not None:
        made.notes.append(
            f"{in_folder} was not used: --overrides gave {overrides} instead. It is not read "
            "as a return either."
        )
    chosen = overrides or in_folder
    if chosen is not None:
        made.overrides = load_overrides(chosen, made.framework, partners)
        made.framework = made.overrides.framework(made.framework)
    return made
