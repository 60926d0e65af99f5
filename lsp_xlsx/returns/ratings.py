"""Read a Rating cell: whatever a partner (or the board's workshop) typed, turned into a scale
option, or not. One set of rules for returns and for ``agree``'s Agreed sheet.

In order:

1. the exact label: read silently;
2. the coordinator's ratings map (``--ratings-map``, overrides' ``map-rating``; a partner's
   own rules before the general ones): read, and noted once per file;
3. safe variants (case, spacing, dashes, the label without its number, the score as a
   number): read with a note per cell;
4. the scale's synonyms (scale.csv's ``synonyms`` column: "Adequate", "N/A"): read, and
   noted once per file;
5. a value between two steps ("2.5", "2/3", "2-3", "2 or 3"): never rounded, an error that
   quotes it (the map can settle it);
6. anything else: unrecognised. The caller keeps it verbatim and reports it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.model import Framework, ScaleOption, rating_key

if TYPE_CHECKING:
    from lsp_xlsx.returns.model import Return

#: How a rating was read: the words of :class:`Reading`'s ``how``.
EXACT, MAPPED, VARIANT, SYNONYM, BETWEEN, UNKNOWN = (
    "exact",
    "mapped",
    "variant",
    "synonym",
    "between",
    "unknown",
)

#: Two scores typed as one answer: "2/3", "2-3", "2 - 3", "2 or 3", "2 to 3", "2&3".
_TWO_STEPS = re.compile(r"^(\d+)\s*(?:/|-|or|to|&|and)\s*(\d+)$")


def _without_number(label: str) -> str:
    return re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", label)


@dataclass(frozen=True)
class Reading:
    """What a typed rating was read as, and how; ``between`` names the steps either side."""

    option: ScaleOption | None
    how: str
    between: tuple[ScaleOption, ScaleOption] | None = None


class RatingReader:
    """Turns whatever is in a Rating cell into a scale option, or says why it cannot.

    ``mapping`` is the coordinator's ratings map for this file's partner (typed text ->
    label, see :meth:`ReadingRules.mapping_for`), ``source`` the file(s) it came from. One
    instance per file: it gathers the synonyms and mapped ratings read, for
    :meth:`grouped`'s one finding each per file."""

    def __init__(
        self,
        scale: Sequence[ScaleOption],
        mapping: Mapping[str, str] | None = None,
        source: str = "",
    ) -> None:
        self.exact = {o.label: o for o in scale}
        self.variants: dict[str, ScaleOption] = {}
        for option in scale:
            self.variants.setdefault(rating_key(option.label), option)
            bare = rating_key(_without_number(option.label))
            if bare:
                self.variants.setdefault(bare, option)
        self.synonyms = {rating_key(w): o for o in scale for w in o.synonyms}
        self.mapped = {
            rating_key(typed): self.exact[label]
            for typed, label in (mapping or {}).items()
            if label in self.exact
        }
        self.by_score = {o.score: o for o in scale if o.score is not None}
        self.allowed = ", ".join(f"'{o.label}'" for o in scale)
        self.source = source
        #: (how, typed, label) -> where each was read, for the one finding per file.
        self.seen: dict[tuple[str, str, str], list[str]] = {}

    def read(self, value: object) -> tuple[ScaleOption | None, bool]:
        """(option, exact). ``None`` when not read. Empty values are not passed in."""
        reading = self.reading(value)
        return reading.option, reading.how == EXACT

    def reading(self, value: object) -> Reading:
        """How ``value`` reads on the scale (see the module's order)."""
        if isinstance(value, bool):
            return Reading(None, UNKNOWN)
        if isinstance(value, str):
            if value in self.exact:
                return Reading(self.exact[value], EXACT)
            key = rating_key(value)
        elif isinstance(value, int | float):
            if not math.isfinite(value):
                return Reading(None, UNKNOWN)
            number = float(value)
            key = str(int(number)) if number.is_integer() else repr(number)
        else:
            return Reading(None, UNKNOWN)  # dates, times and anything else
        for how, table in ((MAPPED, self.mapped), (VARIANT, self.variants)):
            if key in table:
                return Reading(table[key], how)
        if key in self.synonyms:
            return Reading(self.synonyms[key], SYNONYM)
        return self._numbers(key)

    def _numbers(self, key: str) -> Reading:
        """The score as a number, or the two steps a number (or a pair) falls between."""
        two = _TWO_STEPS.match(key)
        if two:
            low, high = sorted((int(two[1]), int(two[2])))
            if low != high and low in self.by_score and high in self.by_score:
                return Reading(None, BETWEEN, (self.by_score[low], self.by_score[high]))
            return Reading(None, UNKNOWN)
        try:
            number = float(key)
        except ValueError:
            return Reading(None, UNKNOWN)
        if not math.isfinite(number):
            return Reading(None, UNKNOWN)
        if number.is_integer():
            option = self.by_score.get(int(number))
            return Reading(option, VARIANT) if option else Reading(None, UNKNOWN)
        below = [s for s in self.by_score if s < number]
        above = [s for s in self.by_score if s > number]
        if below and above:
            steps = (self.by_score[max(below)], self.by_score[min(above)])
            return Reading(None, BETWEEN, steps)
        return Reading(None, UNKNOWN)

    def settle(self, value: object, raw: str, where: str) -> tuple[Reading, Code | None, Any]:
        """Read ``value`` (typed as ``raw``, at ``where``): the reading, and the finding to
        make for this cell (its code and params), if any. A synonym or a mapped rating
        makes none here: it is gathered for :meth:`grouped`."""
        reading = self.reading(value)
        if reading.how in (SYNONYM, MAPPED):
            assert reading.option is not None
            self.seen.setdefault((reading.how, raw, reading.option.label), []).append(where)
            return reading, None, {}
        if reading.how == VARIANT:
            assert reading.option is not None
            return reading, Code.RATING_VARIANT, {"raw": raw, "label": reading.option.label}
        if reading.how == BETWEEN:
            assert reading.between is not None
            low, high = reading.between
            steps = {"raw": raw, "low": low.label, "high": high.label}
            return reading, Code.RATING_BETWEEN_STEPS, steps
        if reading.how == UNKNOWN:
            return reading, Code.RATING_UNRECOGNISED, {"raw": raw, "allowed": self.allowed}
        return reading, None, {}

    def forget(self, where: str) -> None:
        """Leave ``where`` out of the grouped findings (a rating on a stem, noted apart)."""
        for places in self.seen.values():
            if where in places:
                places.remove(where)

    def grouped(self) -> list[tuple[Code, dict[str, str]]]:
        """One finding for the synonyms read in this file, one for the mapped ratings."""
        found = []
        for how, code in ((SYNONYM, Code.RATING_SYNONYM), (MAPPED, Code.RATING_MAPPED)):
            pairs, cells = [], []
            for (kind, raw, label), places in self.seen.items():
                if kind == how and places:
                    times = f" ({len(places)} times)" if len(places) > 1 else ""
                    pairs.append(f"'{raw}' as '{label}'{times}")
                    cells += places
            if cells:
                params = {
                    "count": counted(len(cells), "rating"),
                    "pairs": "; ".join(pairs),
                    "cells": ", ".join(cells),
                }
                if how == MAPPED:
                    params["source"] = self.source or "--ratings-map"
                found.append((code, params))
        return found


def rating_reader(framework: Framework, ret: Return | None = None) -> RatingReader:
    """The reader for one file: the framework's scale and synonyms, and the coordinator's
    map for the file's partner (an ``accept-as`` override's partner when it has one).
    Without ``ret`` (the Agreed sheet), the map's general rules only."""
    rules = framework.rules
    partner = rules.partner_for(ret.path.name, ret.sha256, ret.partner_id) if ret else ""
    return RatingReader(framework.scale, rules.mapping_for(partner), rules.map_source)
