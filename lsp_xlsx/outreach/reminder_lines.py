"""What a reminder lists (issue 23): at most ten problems, those of one kind on one line,
the scale quoted once, and the count of the rest: a short e-mail a busy person reads, not
one line per cell each repeating the scale."""

from __future__ import annotations

from lsp_xlsx.core.groups import CELLS_SHOWN, VALUES_SHOWN
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.model import Return

#: Most problems a reminder lists; the rest are counted on one more line.
MAX_PROBLEMS = 10
#: How a line of :func:`~lsp_xlsx.outreach.tracking.missing_parts` about one rating not on
#: the scale quotes the scale.
SCALE_TAIL = " Choose one of: "


def reminder_lines(parts: list[str], ret: Return | None, framework: Framework) -> list[str]:
    """The reminder's list from ``parts`` (``missing_parts``' lines): theme by theme what is
    missing, then the ratings not on the scale on one line, at most :data:`MAX_PROBLEMS` in
    all, then the scale once."""
    alone = [p for p in parts if SCALE_TAIL in p]
    if ret is None or len(alone) < 2:
        return _capped(parts)  # one rating off the scale: its own line, quoting the scale
    lines = [p for p in parts if SCALE_TAIL not in p]
    invalid = _not_on_scale(ret, framework)
    if invalid:
        lines.append(invalid)
    lines = _capped(lines)
    if invalid:
        lines.append(f"The scale: {', '.join(framework.labels)}.")
    return lines


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_PROBLEMS:
        return lines
    rest = len(lines) - MAX_PROBLEMS
    more = f"And {counted(rest, 'more problem')}: see the check report for every one."
    return [*lines[:MAX_PROBLEMS], more]


def _not_on_scale(ret: Return, framework: Framework) -> str:
    """Every rating typed that is not on the scale, in one line: how many, what was typed,
    and where, sheet by sheet ('' when there is none)."""
    typed: list[str] = []
    by_sheet: dict[str, list[str]] = {}
    count = 0
    for q in framework.rated_questions:
        response = ret.responses[q.id]
        if not response.rating_raw or response.answered:
            continue
        count += 1
        typed.append(" ".join(response.rating_raw.split())[:30])
        if count <= CELLS_SHOWN:
            cell = response.cells.get("rating", q.id)
            by_sheet.setdefault(response.sheet, []).append(cell)
    if not count:
        return ""
    distinct = list(dict.fromkeys(typed))
    values = ", ".join(f"'{v}'" for v in distinct[:VALUES_SHOWN])
    values += ", …" if len(distinct) > VALUES_SHOWN else ""
    where = "; ".join(f"sheet '{s}' {', '.join(c)}" for s, c in by_sheet.items())
    where += f", … and {count - CELLS_SHOWN:,} more" if count > CELLS_SHOWN else ""
    noun = "rating is" if count == 1 else "ratings are"
    return f"{count:,} {noun} not on the scale ({values}): {where}. Choose each from the scale."
