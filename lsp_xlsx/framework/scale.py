"""scale.csv: the rating scale's options, each with its synonyms, as the loader validates them.

``synonyms`` (optional) lists other words that unambiguously mean an answer ("Adequate",
"N/A"), separated by ``|``: never part of a rating's words, and not the CSV's own separator
(a comma, or a semicolon in many European Excels). A word may stand for one answer only.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.framework.csvfile import CsvTable
from lsp_xlsx.framework.model import ScaleOption, rating_key

#: What separates the synonyms in scale.csv's ``synonyms`` column.
SYNONYM_SEPARATOR = "|"


def load_scale(table: CsvTable, problems: list[Finding]) -> list[ScaleOption]:
    """The scale's options from scale.csv, each with its synonyms; every problem noted."""
    options: list[ScaleOption] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        label = " ".join(row["label"].split())
        if not label:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_EMPTY_VALUE,
                    line,
                    "label",
                    column="label",
                )
            )
            continue
        key = label.casefold()
        if key in seen:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_SCALE_DUPLICATE_LABEL,
                    line,
                    "label",
                    label=label,
                    first=seen[key],
                )
            )
            continue
        seen[key] = line
        raw_score = row.get("score", "")
        score: int | None = None
        if raw_score:
            try:
                number = float(raw_score)
                if not number.is_integer():
                    raise ValueError(raw_score)
                score = int(number)
            except ValueError:
                problems.append(
                    table.finding(
                        Code.FRAMEWORK_SCALE_BAD_SCORE,
                        line,
                        "score",
                        value=raw_score,
                    )
                )
                continue
        options.append(ScaleOption(label, score, row["description"]))
        lines.append(line)
    if not any(o.score is not None for o in options):
        problems.append(finding(Code.FRAMEWORK_SCALE_NO_SCORE, table.name))
    return _with_synonyms(table, options, lines, problems)


def _bare(label: str) -> str:
    return re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", label)


def _with_synonyms(
    table: CsvTable, options: list[ScaleOption], lines: list[int], problems: list[Finding]
) -> list[ScaleOption]:
    """Each option with its synonyms; a word that would stand for two answers is an error
    naming both lines (a label, its words without the number, or another's synonym)."""
    claimed: dict[str, tuple[str, str]] = {}  # key -> (label, where it was claimed)
    for option, line in zip(options, lines, strict=True):
        for key in (rating_key(option.label), rating_key(_bare(option.label))):
            if key:
                claimed.setdefault(key, (option.label, f"its label, line {line}"))
    rows = {line: row for row, line in zip(table.rows, table.lines, strict=True)}
    made: list[ScaleOption] = []
    for option, line in zip(options, lines, strict=True):
        words: list[str] = []
        for word in rows[line].get("synonyms", "").split(SYNONYM_SEPARATOR):
            word = " ".join(word.split())
            key = rating_key(word)
            if not key:
                continue
            label, first = claimed.setdefault(key, (option.label, f"line {line}"))
            if label != option.label:
                problems.append(
                    table.finding(
                        Code.FRAMEWORK_SCALE_SYNONYM_CLASH,
                        line,
                        "synonyms",
                        synonym=word,
                        label=option.label,
                        other=label,
                        first=first,
                    )
                )
            elif word not in words:
                words.append(word)
        made.append(replace(option, synonyms=tuple(words)))
    return made
