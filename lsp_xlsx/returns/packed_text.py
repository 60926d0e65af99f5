"""A return's answer text as one blob, as a worker hands it to the main process (issue 26).

See :class:`PackedText`; :mod:`~lsp_xlsx.returns.model` packs a return's answers with
:func:`pack_text`, and :mod:`~lsp_xlsx.compare.text_columns` makes the tidy table's text
columns over the same bytes.
"""

from __future__ import annotations

import array
from collections.abc import Sequence
from typing import Any, NamedTuple


class PackedText(NamedTuple):
    """A return's answer text, every text field at once: one UTF-8 blob and where each
    value ends in it (Arrow's large string layout, as pandas' text columns use: int64
    offsets, the first 0). Field ``names[k]`` holds values ``k * rows`` to
    ``(k + 1) * rows``. A Python string costs about 50 bytes more than its text, and the
    evidence of 11,000 returns is 660,000 of them; as one blob a return's text is one
    object, and the tidy table refers to it without a copy."""

    names: tuple[str, ...]
    rows: int
    offsets: bytes
    data: bytes

    def values(self, name: str) -> tuple[str, ...]:
        """One field's values, as strings."""
        ends = memoryview(self.offsets).cast("q")
        first = self.names.index(name) * self.rows
        data = self.data
        return tuple(data[ends[i] : ends[i + 1]].decode() for i in range(first, first + self.rows))


def pack_text(
    packed: dict[str, tuple[Any, ...]], fields: Sequence[str], repeated: Sequence[str]
) -> PackedText | None:
    """Every field whose values are all text (whatever fields a Response gains), moved
    out of ``packed`` into one :class:`PackedText`; None when there is none, or when
    some text cannot be UTF-8 (it then travels as it is)."""
    names = tuple(
        n
        for n in fields
        if n not in repeated and n != "cells" and all(type(v) is str for v in packed[n])
    )
    if not names or not packed[names[0]]:
        return None
    try:
        encoded = [v.encode() for n in names for v in packed[n]]
    except UnicodeEncodeError:
        return None
    ends = array.array("q", [0])
    total = 0
    for value in encoded:
        total += len(value)
        ends.append(total)
    for n in names:
        del packed[n]
    return PackedText(names, len(encoded) // len(names), ends.tobytes(), b"".join(encoded))
