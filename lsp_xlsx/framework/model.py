"""The framework as data: themes, questions and the rating scale, as the loader validated them.

Every stage reads these types; only :mod:`lsp_xlsx.framework.loader` makes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lsp_xlsx.core.findings import Finding


@dataclass(frozen=True)
class ScaleOption:
    """One answer on the rating scale. ``score`` is None for answers that are not scored."""

    label: str
    score: int | None
    description: str


@dataclass(frozen=True)
class Question:
    """One question or sub-question. ``depth`` is 0 for a top-level question."""

    id: str
    theme_id: str
    parent_id: str | None
    rated: bool
    text: str
    depth: int = 0


@dataclass(frozen=True)
class Theme:
    """One theme: its full question as ``title`` and a short, Excel-legal ``sheet_name``."""

    id: str
    number: int
    sheet_name: str
    title: str
    questions: tuple[Question, ...]

    @property
    def rated_questions(self) -> tuple[Question, ...]:
        """The questions in this theme that take a rating."""
        return tuple(q for q in self.questions if q.rated)


@dataclass(frozen=True)
class Framework:
    """A validated framework. ``hash`` fingerprints the questions, themes and scale."""

    id: str
    version: int
    title: str
    source: str
    intro: str
    themes: tuple[Theme, ...]
    scale: tuple[ScaleOption, ...]
    hash: str
    path: Path
    warnings: tuple[Finding, ...] = field(default=(), compare=False)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in framework order."""
        return tuple(q for t in self.themes for q in t.questions)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        """Questions by id."""
        return {q.id: q for q in self.questions}

    @cached_property
    def theme_of(self) -> dict[str, Theme]:
        """The theme of each question id."""
        return {q.id: t for t in self.themes for q in t.questions}

    @cached_property
    def rated_questions(self) -> tuple[Question, ...]:
        """Every question that takes a rating."""
        return tuple(q for q in self.questions if q.rated)

    def whole_text(self, question_id: str) -> str:
        """A question's full text: a sub-question joined to its parent's stem (by
        ``parent_id``, up to the top), so it reads alone wherever its parent's row is not
        beside it: "How does your LSP board ensure that performance management is used to:
        support strategic thinking and forward planning"."""
        return self._whole_texts.get(question_id, question_id)

    @cached_property
    def _whole_texts(self) -> dict[str, str]:
        whole: dict[str, str] = {}
        for q in self.questions:  # parents come before their sub-questions
            parent = whole.get(q.parent_id or "")
            whole[q.id] = _join_stem(parent, q.text) if parent else q.text
        return whole

    @property
    def labels(self) -> tuple[str, ...]:
        """The scale's labels, in order: what the dropdown offers."""
        return tuple(o.label for o in self.scale)

    @cached_property
    def scored_options(self) -> tuple[ScaleOption, ...]:
        """The options that carry a score, lowest score first."""
        return tuple(sorted((o for o in self.scale if o.score is not None), key=_score))

    @cached_property
    def unscored_labels(self) -> tuple[str, ...]:
        """Labels of the answers that are not scored (such as "Don't know")."""
        return tuple(o.label for o in self.scale if o.score is None)

    @property
    def score_range(self) -> tuple[int, int]:
        """The lowest and the highest score on the scale."""
        scores = [o.score for o in self.scored_options if o.score is not None]
        return min(scores), max(scores)

    def describe_scale(self) -> str:
        """The scale in one sentence, in the framework's own words."""
        low, high = self.scored_options[0], self.scored_options[-1]
        text = f"Scores run from {_scored_words(low)} to {_scored_words(high)}"
        unscored = self.unscored_labels
        if unscored:
            quoted = " and ".join(f'"{label}"' for label in unscored)
            text += f"; {quoted} {'is' if len(unscored) == 1 else 'are'} not scored"
        return text + "."


def _join_stem(stem: str, text: str) -> str:
    """A stem and its sub-question as one sentence: the list's "; and" or ";" dropped."""
    part = re.sub(r"\s*(?:[;,]\s*(?:and|or)?|\band)\s*$", "", text.strip())
    if stem.rstrip().endswith((":", "?", ".", "!")):
        return f"{stem.rstrip()} {part}"
    return f"{stem.rstrip()}: {part}"


def _score(option: ScaleOption) -> int:
    return option.score if option.score is not None else 0


def _scored_words(option: ScaleOption) -> str:
    """'1 (performs poorly)' from the label '1 - Performs poorly'; the label alone otherwise."""
    bare = re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", option.label).strip()
    if bare and bare != option.label:
        return f"{option.score} ({bare[0].lower()}{bare[1:]})"
    return f"{option.score} ({option.label})" if option.label != str(option.score) else option.label


def iter_intro_blocks(intro: str) -> Iterator[tuple[str, str]]:
    """Split the intro into ('para', text) and ('bullet', text) blocks, in order."""
    for block in re.split(r"\n\s*\n", intro.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith(("- ", "* ")) for line in lines):
            for line in lines:
                yield "bullet", line[2:].strip()
        elif lines:
            yield "para", " ".join(lines)
