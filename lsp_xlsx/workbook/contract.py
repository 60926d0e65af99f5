"""The workbook contract: every name, label and position a self-assessment workbook uses.

The builder (:mod:`lsp_xlsx.workbook.build`) writes workbooks from these constants and the reader
(:mod:`lsp_xlsx.returns.reader`) reads returns by them, so the format is defined once, here.

Layout of a theme sheet (contract version 2)::

    row 1   "Theme 2 of 7: <the theme's question>"        (A1, a heading)
    row 2-3 how to answer, a sentence or two per row      (A2, A3)
    row 4   ID | Question | Rating | Evidence | ... | Target date   (HEADER_ROW)
    row 5+  one row per question, in framework order      (FIRST_DATA_ROW)

    The header row and the question rows are one Excel table, named by TABLE_NAME.

Version 3 adds the meta keys ``round`` and ``prefilled_from``, and, in a workbook
pre-filled from last round, a read-only column "Last rating" after "Rating"
(:data:`LAST_RATING`), which the reader passes over. Version 1 (before the workbooks met
the accessibility basics) had the heading and the
instructions in merged cells and the header on row 3; the reader reads both, because it
finds the header by its labels, wherever it is. Version 4 adds the meta keys
``respondent_id``, ``respondent_name`` and ``respondent_email``: the person a copy was
built for, where a partner has several (all empty otherwise, and in older workbooks).

The reader never relies on positions: it finds the header row by its labels and each
question's row by its ID, so inserted, moved or sorted rows and columns still read right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Bumped when the layout changes. The reader reads every version up to this one.
CONTRACT_VERSION = 4

START_SHEET = "Start here"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
#: Defined name that feeds the Rating dropdown (a range, not a literal list: LibreOffice
#: cuts literal lists longer than 255 characters when it re-saves).
RATING_LIST_NAME = "RatingOptions"

HEADER_ROW = 4
FIRST_DATA_ROW = 5
#: How to answer, one row each between the heading and the header.
GUIDE_LINES = (
    "Choose a rating for each question from the dropdown in the Rating column, then give "
    "your evidence and where it can be found.",
    "Where you see room to improve, add the action, the post that leads it and a target "
    "date. You can type only in the pale yellow cells with borders.",
)


def table_name(theme_number: int) -> str:
    """The Excel table name of a theme sheet's questions: 'Theme1Questions'."""
    return f"Theme{theme_number}Questions"


@dataclass(frozen=True)
class Column:
    """A column of a theme sheet: machine key, header label (a contract), width in chars."""

    key: str
    label: str
    width: float


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 10),
    Column("question", "Question", 58),
    Column("rating", "Rating", 24),
    Column("evidence", "Evidence", 52),
    Column("evidence_source", "Evidence source", 26),
    Column("improvement_action", "Improvement action", 40),
    Column("lead", "Lead (post)", 18),
    Column("target_date", "Target date", 13),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
#: In a workbook pre-filled from last round: the partner's rating then, right after Rating.
LAST_RATING = Column("last_rating", "Last rating", 22)
#: The longest a round label may be: "2010" or "2010-11" fit with room to spare.
ROUND_MAX = 20


def columns_for(prefilled: bool) -> tuple[Column, ...]:
    """The theme sheet's columns: with "Last rating" after "Rating" when pre-filled."""
    if not prefilled:
        return COLUMNS
    at = [c.key for c in COLUMNS].index("rating") + 1
    return (*COLUMNS[:at], LAST_RATING, *COLUMNS[at:])


#: What a partner types: every column after the question.
RESPONSE_KEYS = (
    "rating",
    "evidence",
    "evidence_source",
    "improvement_action",
    "lead",
    "target_date",
)
#: Free-text answers, kept verbatim.
TEXT_KEYS = ("evidence", "evidence_source", "improvement_action", "lead")

#: Shown in the Rating cell of a question that only introduces sub-questions. The reader
#: treats it as empty. Words, not just grey, so colour carries no meaning alone.
STEM_PLACEHOLDER = "No rating: rate the parts below"

#: Keys of the hidden meta sheet (column A key, column B value, from row 2).
META_KEYS = (
    "contract_version",
    "framework_id",
    "framework_version",
    "framework_hash",
    "built_at",
    "tool_version",
    "partner_id",
    "partner_name",
    "title",
    "partnership",
    "deadline",
    "contact",
    # An unguessable id for each personalised copy, recorded in manifest.csv, so that a
    # return can be checked against the copy its partner was sent (empty when blank).
    "copy_id",
    # The round of the self-assessment (e.g. 2027): last year's file is not this year's.
    "round",
    # The round a pre-filled workbook's answers were carried over from ('' if none).
    "prefilled_from",
    # The person the copy was built for, where the partner has several respondents
    # (partners.csv rows sharing its partner_id); '' otherwise.
    "respondent_id",
    "respondent_name",
    "respondent_email",
    # "yes" when the round was built anonymous (build --anonymous); '' otherwise.
    "anonymous",
)
#: The fields on "Start here" pre-filled on a respondent's copy, from their row of
#: partners.csv (field key -> Partner attribute).
RESPONDENT_START_FIELDS = {"respondent": "contact_name", "role": "role", "email": "email"}


@dataclass(frozen=True)
class StartField:
    """A labelled cell on "Start here": label in column A, value in column B."""

    key: str
    label: str
    editable: bool
    hint: str


START_FIELDS: tuple[StartField, ...] = (
    StartField("partner_id", "Partner ID", False, "Filled in by the coordinator."),
    StartField("organisation", "Organisation", True, "The organisation you answer for."),
    StartField("respondent", "Your name", True, ""),
    StartField("role", "Your role", True, "For example: Director of Finance."),
    StartField("email", "E-mail", True, ""),
    StartField("completed", "Date completed", True, "The date you finished, e.g. 31/03/2027."),
)
START_FIELD_BY_LABEL = {f.label.casefold(): f for f in START_FIELDS}
#: Column of "Start here" holding the labels, and the one holding the values.
START_LABEL_COL = 1
START_VALUE_COL = 2

DATE_FORMAT = "dd/mm/yyyy"


def normalise_label(text: object) -> str:
    """Compare header labels the forgiving way: case, spaces and punctuation ignored."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


#: Normalised header label -> column key.
HEADER_KEYS = {normalise_label(c.label): c.key for c in COLUMNS}


def theme_heading(number: int, count: int, title: str) -> str:
    """Text of row 1 on a theme sheet."""
    return f"Theme {number} of {count}: {title}"
