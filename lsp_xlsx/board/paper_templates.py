"""The board paper's sentences: the templates of its Key messages and Recommendations, the
defaults shipped here, and the coordinator's own wording read from the framework folder.

A framework folder may hold ``paper-templates.csv`` with the columns ``key`` and
``template``: each line replaces the default sentence of one key, in the coordinator's
words, with ``{placeholders}`` for the figures (the placeholders each key may use are in
:data:`DEFAULTS`). Keys left out keep the shipped wording. A key that is not a sentence
of the paper, a placeholder the key does not have (or a format such as ``{mean:.2f}``: the
figures come already rounded, as the workbook shows them), a stray brace or a key given
twice is an error naming the line, found before any return is read.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lsp_xlsx.core.errors import FrameworkError
from lsp_xlsx.core.findings import Code, Finding, Severity
from lsp_xlsx.framework.csvfile import CsvTable, read_csv

#: The file, in the framework folder, that overrides the default sentences.
TEMPLATES_NAME = "paper-templates.csv"
COLUMNS = ("key", "template")

_THEMES = ("strongest", "strongest_mean", "strongest_words", "weakest", "weakest_mean")
_THEMES_ALL = (*_THEMES, "weakest_words", "low", "high")
_QUESTION = ("split_count", "question_id", "question", "theme", "where")
_GAP = ("question_id", "question", "theme", "grouping", "lowest", "lowest_mean", "highest")
_GAP_ALL = (*_GAP, "highest_mean", "gap", "min_size")

#: key -> (default template, the placeholders it may use). Sentences of Key messages first,
#: then the Recommendations' opening and its three requests.
DEFAULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "themes": (
        "The partnership rates {strongest} highest, at {strongest_mean} (nearest to "
        '"{strongest_words}"), and {weakest} lowest, at {weakest_mean} (nearest to '
        '"{weakest_words}"), on the scale from {low} to {high}.',
        _THEMES_ALL,
    ),
    "themes_none": ("No theme has a score yet: no return rated enough of its questions.", ()),
    "split": (
        "Partners are split on {split_count}, most of all on {question_id} ({theme}): {where}.",
        _QUESTION,
    ),
    "split_none": (
        "Partners broadly agree: no question meets the rule for disagreement.",
        (),
    ),
    "group_gap": (
        "The largest gap between groups of at least {min_size} partners is on {question_id} "
        "({theme}): by {grouping}, {lowest} at {lowest_mean} and {highest} at {highest_mean}, "
        "{gap} points apart.",
        _GAP_ALL,
    ),
    "group_gap_none": (
        "No two groups of at least {min_size} partners differ by {gap} point or more on any "
        "question.",
        ("min_size", "gap"),
    ),
    "missing": (
        "{missing} of {expected} partners did not return a workbook that counts: {names}.",
        ("missing", "expected", "names"),
    ),
    "missing_public": (
        "{missing} of {expected} partners did not return a workbook that counts.",
        ("missing", "expected"),
    ),
    "missing_none": (
        "No return is missing: {partners} returned a workbook that counts.",
        ("partners",),
    ),
    "recommend_intro": ("The board is asked to:", ()),
    "recommend_note": (
        "note the results from {counted} of {expected} partners, with {weakest} the weakest "
        "theme at {weakest_mean};",
        ("counted", "expected", "weakest", "weakest_mean"),
    ),
    "recommend_note_none": (
        "note that {counted} of {expected} partners returned, too few scores to compare;",
        ("counted", "expected"),
    ),
    "recommend_questions": (
        "agree the questions for the workshop, starting with {questions} (see Questions to "
        "discuss first);",
        ("questions",),
    ),
    "recommend_questions_none": (
        "agree the questions for the workshop;",
        (),
    ),
    "recommend_actions": (
        "agree the actions due: {due} of the {actions} proposed by partners reach their "
        "target date by {today}, most of them on {due_theme}.",
        ("due", "actions", "today", "due_theme"),
    ),
    "recommend_actions_later": (
        "agree the actions due: none of the {actions} proposed is due by {today}, so agree who "
        "leads each, by when.",
        ("actions", "today"),
    ),
    "recommend_actions_none": (
        "agree the actions due: no partner proposed one, so the workshop should.",
        (),
    ),
}


@dataclass(frozen=True)
class PaperTemplates:
    """The sentence templates in use: the defaults, with the framework folder's overrides."""

    templates: dict[str, str]
    #: Where the overrides came from (None: the shipped wording only).
    source: Path | None = None

    def say(self, key: str, **values: object) -> str:
        """The sentence ``key`` with its figures filled in."""
        return self.templates[key].format(**values)


def _placeholder_problem(text: str, allowed: tuple[str, ...]) -> str | None:
    """What is wrong with the placeholders of ``text`` (None when nothing)."""
    if not text.strip():
        return "is empty"
    try:
        fields = [(f, s, c) for _, f, s, c in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        return f"has a stray brace ({exc})"
    for name, spec, conversion in fields:
        if spec or conversion:
            return f"formats {{{name}}} itself; the figures come rounded as the workbook shows"
        if name not in allowed:
            return f"uses {{{name}}}, which this sentence does not have"
    return None


def _bad(table: CsvTable, line: int, column: str, problem: str, fix: str) -> Finding:
    return table.finding(Code.PAPER_TEMPLATE_BAD_LINE, line, column, problem=problem, fix=fix)


def _check(table: CsvTable, problems: list[Finding]) -> dict[str, str]:
    known = ", ".join(DEFAULTS)
    found: dict[str, str] = {}
    first: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        key, text = row.get("key", "").strip(), row.get("template", "")
        if key not in DEFAULTS:
            problem = f"'{key}' is not one of the board paper's sentences"
            problems.append(_bad(table, line, "key", problem, f"Use one of: {known}."))
        elif key in first:
            problem = f"'{key}' is given again (first on line {first[key]})"
            problems.append(_bad(table, line, "key", problem, "Delete one of the two lines."))
        else:
            first[key] = line
            allowed = DEFAULTS[key][1]
            wrong = _placeholder_problem(text, allowed)
            if wrong is None:
                found[key] = text.strip()
                continue
            shown = ", ".join("{" + a + "}" for a in allowed) or "none"
            fix = f"Its placeholders are: {shown}; write {{{{ and }}}} for a brace itself."
            problems.append(_bad(table, line, "template", f"the template for '{key}' {wrong}", fix))
    return found


def read_templates(folder: Path) -> PaperTemplates:
    """The templates for a framework folder: its ``paper-templates.csv`` over the defaults.

    Raises :class:`FrameworkError` listing every problem in the file, each naming its line.
    """
    path = folder / TEMPLATES_NAME
    defaults = {k: v[0] for k, v in DEFAULTS.items()}
    if not path.is_file():
        return PaperTemplates(defaults)
    try:
        stamp = path.stat()
    except OSError:
        return PaperTemplates(defaults)
    return _read_cached(path, stamp.st_mtime_ns, stamp.st_size)


@lru_cache(maxsize=8)
def _read_cached(path: Path, _mtime: int, _size: int) -> PaperTemplates:
    # Cached by the file's time and size: a split run writes a paper per partnership.
    problems: list[Finding] = []
    table = read_csv(path, COLUMNS, COLUMNS, problems)
    overrides = _check(table, problems) if table is not None else {}
    if any(p.severity is Severity.ERROR for p in problems):
        raise FrameworkError(f"The board paper's sentences in {path}", problems)
    return PaperTemplates({k: overrides.get(k, v[0]) for k, v in DEFAULTS.items()}, path)
