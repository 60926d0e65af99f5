"""Read a Rating cell: whatever a partner typed, turned into a scale option, or not.

The exact label is read silently. Safe variants (case, spacing, dashes, the label without
its number, the score as a number) are read with a note. Anything else is unrecognised:
the caller keeps it verbatim and reports it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from lsp_xlsx.framework.model import ScaleOption

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = dict.fromkeys(map(ord, "‘’‛′`´"), "'")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = re.sub(r"\s*-\s*", "-", " ".join(text.split()).casefold())
    return text


def _without_number(label: str) -> str:
    return re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", label)


class RatingReader:
    """Turns whatever is in a Rating cell into a scale option, or says it cannot."""

    def __init__(self, scale: Sequence[ScaleOption]) -> None:
        self.exact = {o.label: o for o in scale}
        self.variants: dict[str, ScaleOption] = {}
        for option in scale:
            self.variants.setdefault(_norm(option.label), option)
            bare = _norm(_without_number(option.label))
            if bare:
                self.variants.setdefault(bare, option)
        self.by_score = {o.score: o for o in scale if o.score is not None}
        self.allowed = ", ".join(f"'{o.label}'" for o in scale)

    def read(self, value: object) -> tuple[ScaleOption | None, bool]:
        """(option, exact). ``None`` when unrecognised. Empty values are not passed in."""
        if isinstance(value, str):
            if value in self.exact:
                return self.exact[value], True
            key = _norm(value)
            if key in self.variants:
                return self.variants[key], False
            try:
                number = float(key)
            except ValueError:
                return None, False
            return self._by_number(number), False
        if isinstance(value, bool):
            return None, False
        if isinstance(value, int | float):
            return self._by_number(float(value)), False
        return None, False  # dates, times and anything else

    def _by_number(self, number: float) -> ScaleOption | None:
        if math.isfinite(number) and number.is_integer():
            return self.by_score.get(int(number))
        return None
