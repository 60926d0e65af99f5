"""The framework as data: themes, questions and the rating scale, as the loader validated them.

Every stage reads these types; only :mod:`lsp_xlsx.framework.loader` makes them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
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
    #: Other words for this answer that mean it unambiguously ("Adequate", "N/A"), from
    #: scale.csv's ``synonyms`` column: read with a note, never part of the framework's hash.
    synonyms: tuple[str, ...] = ()


_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = dict.fromkeys(map(ord, "‘’‛′`´"), "'")


def rating_key(text: str) -> str:
    """A rating as typed, made comparable: case, spacing, dashes and quotes ignored
    ("Don’t  Know" and "don't know" are one key). Labels, synonyms and the coordinator's
    ratings map are all matched by this key."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    return re.sub(r"\s*-\s*", "-", " ".join(text.split()).casefold())


@dataclass(frozen=True)
class ReadingRules:
    """The coordinator's decisions the reader applies to every return (from
    ``--ratings-map`` and ``overrides.csv``): they travel with the framework to the workers.

    Typed texts are keys made by :func:`rating_key`, and ratings are scale labels;
    ``by_partner`` and ``carried_dates`` are keyed by partner id, case-folded."""

    #: Typed text -> scale label, for every partner.
    general: Mapping[str, str] = field(default_factory=dict)
    #: Partner id -> typed text -> scale label: wins over ``general`` for that partner.
    by_partner: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: A file's name (case-folded) or SHA-256 -> the partner id an ``accept-as`` gives it,
    #: so that partner's rules apply to a return whose identity was stripped.
    file_partner: Mapping[str, str] = field(default_factory=dict)
    #: Partner id -> question id -> a target date last round's tidy table held as text
    #: ("TBC"): carried into this round by the pre-fill, so not reported again unchanged.
    carried_dates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The file(s) the ratings map came from, for the findings' words.
    map_source: str = ""

    def partner_for(self, name: str, sha256: str, partner_id: str) -> str:
        """The partner whose rules apply to a file: an ``accept-as`` one, else its own."""
        return self.file_partner.get(sha256) or self.file_partner.get(name.casefold()) or partner_id

    def mapping_for(self, partner_id: str) -> dict[str, str]:
        """The ratings map for one partner: its own rules over the general ones."""
        return {**self.general, **self.by_partner.get(partner_id.casefold(), {})}


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
    #: The coordinator's decisions for reading returns (``--ratings-map``, overrides).
    rules: ReadingRules = field(default_factory=ReadingRules, compare=False)

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
