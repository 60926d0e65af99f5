"""Findings: every problem found in an input file, as data.

A :class:`Finding` names the file, the sheet and the cell, says what is wrong and
what to do about it. Messages come from one catalogue (:data:`CATALOGUE`) so that a
message and its test are built from the same template and never drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Severity(enum.StrEnum):
    """How much a finding matters: errors lose or reject data, warnings need a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(enum.StrEnum):
    """Stable finding codes; scripts may rely on them."""

    # Framework folder
    FRAMEWORK_FILE_MISSING = "framework-file-missing"
    FRAMEWORK_FILE_EMPTY = "framework-file-empty"
    FRAMEWORK_NOT_UTF8 = "framework-not-utf8"
    FRAMEWORK_COLUMN_MISSING = "framework-column-missing"
    FRAMEWORK_COLUMN_UNKNOWN = "framework-column-unknown"
    FRAMEWORK_DUPLICATE_ID = "framework-duplicate-id"
    FRAMEWORK_EMPTY_VALUE = "framework-empty-value"
    FRAMEWORK_BAD_ID = "framework-bad-id"
    FRAMEWORK_UNKNOWN_PARENT = "framework-unknown-parent"
    FRAMEWORK_PARENT_OTHER_THEME = "framework-parent-other-theme"
    FRAMEWORK_CYCLE = "framework-cycle"
    FRAMEWORK_BAD_RATED = "framework-bad-rated"
    FRAMEWORK_UNKNOWN_THEME = "framework-unknown-theme"
    FRAMEWORK_THEME_EMPTY = "framework-theme-empty"
    FRAMEWORK_SHEET_NAME_LONG = "framework-sheet-name-long"
    FRAMEWORK_SHEET_NAME_ILLEGAL = "framework-sheet-name-illegal"
    FRAMEWORK_SHEET_NAME_DUPLICATE = "framework-sheet-name-duplicate"
    FRAMEWORK_SCALE_NO_SCORE = "framework-scale-no-score"
    FRAMEWORK_SCALE_DUPLICATE_LABEL = "framework-scale-duplicate-label"
    FRAMEWORK_SCALE_BAD_SCORE = "framework-scale-bad-score"
    FRAMEWORK_BAD_META = "framework-bad-meta"
    # Partners file
    PARTNERS_DUPLICATE_ID = "partners-duplicate-id"
    PARTNERS_MISSING_NAME = "partners-missing-name"
    PARTNERS_BAD_EMAIL = "partners-bad-email"
    PARTNERS_MISSING_ID = "partners-missing-id"
    PARTNERS_BAD_ID = "partners-bad-id"
    # Whole returned file refused
    REFUSED_EMPTY = "refused-empty"
    REFUSED_NOT_SPREADSHEET = "refused-not-spreadsheet"
    REFUSED_CORRUPT = "refused-corrupt"
    REFUSED_PASSWORD = "refused-password"
    REFUSED_ZIP_BOMB = "refused-zip-bomb"
    REFUSED_TOO_LARGE = "refused-too-large"
    REFUSED_OTHER_FRAMEWORK = "refused-other-framework"
    REFUSED_UNRECOGNISED = "refused-unrecognised"
    REFUSED_UNREADABLE = "refused-unreadable"
    # Inside a return
    IDENTITY_FROM_FILENAME = "identity-from-filename"
    IDENTITY_MISMATCH = "identity-mismatch"
    PARTNER_UNKNOWN = "partner-unknown"
    FRAMEWORK_VERSION_DIFFERS = "framework-version-differs"
    FRAMEWORK_HASH_DIFFERS = "framework-hash-differs"
    META_MISSING = "meta-missing"
    QUESTION_UNKNOWN = "question-unknown"
    QUESTION_MISSING = "question-missing"
    QUESTION_DUPLICATE = "question-duplicate"
    QUESTION_TEXT_EDITED = "question-text-edited"
    ROW_WITHOUT_ID = "row-without-id"
    SHEET_MISSING = "sheet-missing"
    SHEET_RENAMED = "sheet-renamed"
    COLUMN_MISSING = "column-missing"
    RATING_VARIANT = "rating-variant"
    RATING_UNRECOGNISED = "rating-unrecognised"
    RATING_ON_STEM = "rating-on-stem"
    TEXT_CONVERTED = "text-converted"
    DATE_FROM_TEXT = "date-from-text"
    DATE_UNPARSED = "date-unparsed"
    FORMULA_NO_VALUE = "formula-no-value"
    SUPERSEDED = "superseded"
    # Writing outputs
    TEXT_TRUNCATED = "text-truncated"
    TEXT_CHARACTERS_REPLACED = "text-characters-replaced"


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

#: code -> (severity, template). Templates say what is wrong, then what to do.
#: The place ("file, sheet 'X', cell C7") is put in front by :func:`finding`.
CATALOGUE: dict[Code, tuple[Severity, str]] = {
    Code.FRAMEWORK_FILE_MISSING: (_E, "the file is missing. Add {name} to the framework folder."),
    Code.FRAMEWORK_FILE_EMPTY: (
        _E,
        "the file is empty. Give it a header row and at least one row.",
    ),
    Code.FRAMEWORK_NOT_UTF8: (
        _W,
        "the file is not UTF-8, so it was read as Windows-1252 (Excel's plain 'CSV'). "
        "Check accented letters and curly quotes, or save it as 'CSV UTF-8'.",
    ),
    Code.FRAMEWORK_COLUMN_MISSING: (
        _E,
        "the required column '{column}' is missing. Add a column headed '{column}' "
        "(the columns are: {expected}).",
    ),
    Code.FRAMEWORK_COLUMN_UNKNOWN: (
        _W,
        "the column '{column}' is not one this tool reads, so it is ignored. {hint}",
    ),
    Code.FRAMEWORK_DUPLICATE_ID: (
        _E,
        "the id '{id}' is used again (first on line {first}). Give every row its own id.",
    ),
    Code.FRAMEWORK_EMPTY_VALUE: (_E, "'{column}' is empty. Fill it in or delete the row."),
    Code.FRAMEWORK_BAD_ID: (
        _E,
        "the id '{id}' has characters other than letters, digits, '.', '-' and '_'. "
        "Use a short id such as T2.Q5a.",
    ),
    Code.FRAMEWORK_UNKNOWN_PARENT: (
        _E,
        "the parent '{parent}' of '{id}' is not an id in this file. "
        "Use the id of a question above it, or leave parent_id empty.",
    ),
    Code.FRAMEWORK_PARENT_OTHER_THEME: (
        _E,
        "the parent '{parent}' of '{id}' is in theme {parent_theme}, not {theme}. "
        "A sub-question must sit in its parent's theme.",
    ),
    Code.FRAMEWORK_CYCLE: (
        _E,
        "'{id}' is its own ancestor ({chain}). Break the loop by fixing one parent_id.",
    ),
    Code.FRAMEWORK_BAD_RATED: (_E, "rated is '{value}'. Write yes or no."),
    Code.FRAMEWORK_UNKNOWN_THEME: (
        _E,
        "the theme '{theme}' is not in themes.csv. Use one of: {known}.",
    ),
    Code.FRAMEWORK_THEME_EMPTY: (
        _E,
        "theme '{theme}' has no questions. Add questions to it in questions.csv, or remove it.",
    ),
    Code.FRAMEWORK_SHEET_NAME_LONG: (
        _E,
        "the sheet name '{sheet_name}' has {length} characters; Excel allows 31. Shorten it.",
    ),
    Code.FRAMEWORK_SHEET_NAME_ILLEGAL: (
        _E,
        "the sheet name '{sheet_name}' {why}. Excel does not allow this; choose another name.",
    ),
    Code.FRAMEWORK_SHEET_NAME_DUPLICATE: (
        _E,
        "the sheet name '{sheet_name}' is already used (line {first}); Excel ignores case. "
        "Give each theme its own sheet name.",
    ),
    Code.FRAMEWORK_SCALE_NO_SCORE: (
        _E,
        "no option has a score, so nothing could be averaged. Give at least one option a "
        "whole-number score.",
    ),
    Code.FRAMEWORK_SCALE_DUPLICATE_LABEL: (
        _E,
        "the label '{label}' is used again (first on line {first}). Every option needs its "
        "own label.",
    ),
    Code.FRAMEWORK_SCALE_BAD_SCORE: (
        _E,
        "the score '{value}' is not a whole number. Write a whole number, or leave it empty "
        'for an answer that is not scored (such as "Don\'t know").',
    ),
    Code.FRAMEWORK_BAD_META: (_E, "{problem}. {fix}"),
    Code.PARTNERS_DUPLICATE_ID: (
        _E,
        "the partner id '{id}' is used again (first on line {first}). Give each partner its "
        "own id.",
    ),
    Code.PARTNERS_MISSING_NAME: (_E, "the partner '{id}' has no name. Fill in the name column."),
    Code.PARTNERS_BAD_EMAIL: (
        _E,
        "'{email}' is not an e-mail address. Write one address such as name@example.org.",
    ),
    Code.PARTNERS_MISSING_ID: (_E, "the partner_id is empty. Give every partner a short id."),
    Code.PARTNERS_BAD_ID: (
        _E,
        "the partner id '{id}' has characters other than letters, digits, '.', '-' and '_'. "
        "Use a short id such as police or nhs-trust.",
    ),
    Code.REFUSED_EMPTY: (
        _E,
        "refused: the file is empty (0 bytes). Ask the partner to send it again.",
    ),
    Code.REFUSED_NOT_SPREADSHEET: (
        _E,
        "refused: this is not a spreadsheet but {kind}. Ask the partner to send the workbook "
        "itself (.xlsx, .xls or .ods).",
    ),
    Code.REFUSED_CORRUPT: (
        _E,
        "refused: the file is damaged or cut short ({detail}). Ask the partner to save and "
        "send it again.",
    ),
    Code.REFUSED_PASSWORD: (
        _E,
        "refused: the file is protected by a password. Ask the partner for a copy without "
        "a password to open.",
    ),
    Code.REFUSED_ZIP_BOMB: (
        _E,
        "refused: {detail}, which looks like a zip bomb. Ask the partner to re-save it from "
        "Excel or LibreOffice; if it is genuine, raise the limit with {option}.",
    ),
    Code.REFUSED_TOO_LARGE: (
        _E,
        "refused: the file is {size} bytes, over the limit of {limit}. Ask the partner to "
        "remove pictures or extra sheets; if it is genuine, raise --max-file-size.",
    ),
    Code.REFUSED_OTHER_FRAMEWORK: (
        _E,
        "refused: this workbook was built for framework '{found}', not '{expected}'. Read it "
        "with --framework pointing at the '{found}' framework, or send the partner the "
        "current workbook.",
    ),
    Code.REFUSED_UNRECOGNISED: (
        _E,
        "refused: no self-assessment found: there is no meta sheet and no sheet with an "
        "'ID' and 'Rating' header for framework '{expected}'. Check it is the right file.",
    ),
    Code.REFUSED_UNREADABLE: (
        _E,
        "refused: the spreadsheet could not be read ({detail}). Ask the partner to save it "
        "again as .xlsx.",
    ),
    Code.IDENTITY_FROM_FILENAME: (
        _W,
        "no partner id or organisation in the workbook, so the partner '{name}' was taken from "
        "the file name. Check it, and ask the partner to fill in 'Organisation' on "
        "'Start here'.",
    ),
    Code.IDENTITY_MISMATCH: (
        _W,
        "the {what} here is '{found}', but the workbook was made for '{expected}'. Check "
        "which organisation this return is from.",
    ),
    Code.PARTNER_UNKNOWN: (
        _W,
        "the partner id '{id}' is not in {partners_file}. Add the partner to it, or check "
        "the workbook came from this partnership.",
    ),
    Code.FRAMEWORK_VERSION_DIFFERS: (
        _W,
        "this workbook was built from version {found} of '{framework}', not version "
        "{expected}, so questions were matched by id. Check the warnings below.",
    ),
    Code.FRAMEWORK_HASH_DIFFERS: (
        _I,
        "the framework's questions or scale changed after this workbook was built. "
        "Answers were matched by question id.",
    ),
    Code.META_MISSING: (
        _W,
        "the hidden meta sheet is missing, so the workbook was recognised by its theme "
        "sheets. Check the partner and framework shown for this file.",
    ),
    Code.QUESTION_UNKNOWN: (
        _W,
        "question id '{id}' is not in the framework, so its answers ({summary}) are kept "
        "apart and not scored. Check the ID cell, or send the current workbook.",
    ),
    Code.QUESTION_MISSING: (
        _W,
        "question {id} is not in this workbook, so it counts as not answered. Ask the "
        "partner to answer it, or send the current workbook.",
    ),
    Code.QUESTION_DUPLICATE: (
        _E,
        "question {id} appears again (first at {first}); the first row is used and this "
        "one's answers ({summary}) are kept apart. Delete the extra row, or merge the answers.",
    ),
    Code.QUESTION_TEXT_EDITED: (
        _W,
        "the text of question {id} was changed; the answer is kept. Check that the answer "
        'still fits the original question: "{expected}".',
    ),
    Code.ROW_WITHOUT_ID: (
        _W,
        "this row has answers ({summary}) but no question ID, so they cannot be matched to "
        "a question. Put the question's ID back in column {column}.",
    ),
    Code.SHEET_MISSING: (
        _E,
        "the sheet for theme {theme} ('{expected}') is missing, so its {count} questions "
        "count as not answered. Ask the partner to send the complete workbook.",
    ),
    Code.SHEET_RENAMED: (
        _W,
        "this sheet holds theme {theme}, which should be on a sheet named '{expected}'. It "
        "was read by its IDs; no action is needed unless the theme is wrong.",
    ),
    Code.COLUMN_MISSING: (
        _E,
        "the '{label}' column is missing from the header row, so that answer is empty for "
        "every question on this sheet. Ask the partner to restore the column.",
    ),
    Code.RATING_VARIANT: (
        _I,
        "the rating '{raw}' was read as '{label}'. No action needed; choose from the "
        "dropdown next time.",
    ),
    Code.RATING_UNRECOGNISED: (
        _E,
        "the rating '{raw}' is not on the scale, so it is kept as typed but not scored. "
        "Ask the partner to choose one of: {allowed}.",
    ),
    Code.RATING_ON_STEM: (
        _W,
        "'{raw}' was entered against {id}, which introduces sub-questions and takes no "
        "rating. It is kept but not scored; ask the partner to rate the sub-questions.",
    ),
    Code.TEXT_CONVERTED: (
        _I,
        "the {column} was a {kind} and was turned into the text '{text}'. Check it reads "
        "as intended.",
    ),
    Code.DATE_FROM_TEXT: (
        _I,
        "the {column} '{raw}' was typed as text and read as {date}. No action needed.",
    ),
    Code.DATE_UNPARSED: (
        _W,
        "the {column} '{raw}' is not a date this tool can read for sure, so it is kept as "
        "typed. Ask for a date as day/month/year, e.g. 31/03/2027.",
    ),
    Code.FORMULA_NO_VALUE: (
        _W,
        "this cell holds a formula with no saved result, so its value is empty. Ask the "
        "partner to open and save the workbook in Excel or LibreOffice, or to type the "
        "answer in.",
    ),
    Code.SUPERSEDED: (
        _W,
        "another return from '{partner}' is newer ({newer}: {why}), so this one is not "
        "used. Delete this file if it is an old draft.",
    ),
    Code.TEXT_TRUNCATED: (
        _W,
        "the text is {length} characters, over Excel's limit of 32,767, so it is cut in "
        "the workbook. The full text is in {full_in}.",
    ),
    Code.TEXT_CHARACTERS_REPLACED: (
        _I,
        "{count} character(s) that spreadsheets cannot hold (such as pasted Word control "
        "characters) were replaced in the workbook. The original text is in {full_in}.",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One problem in one place. ``message`` names the place first and the fix last."""

    severity: Severity
    code: Code
    file: str
    sheet: str
    cell: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON and tables."""
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["code"] = str(self.code)
        return data


def place(file: str, sheet: str = "", cell: str = "") -> str:
    """The words that start a message: 'return.xlsx, sheet '1 Outcomes', cell C5'."""
    parts = [file] if file else []
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if cell:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


def finding(
    code: Code,
    file: str,
    sheet: str = "",
    cell: str = "",
    *,
    where: str | None = None,
    **values: Any,
) -> Finding:
    """Build a finding from the catalogue: the place, then what is wrong, then the fix.

    ``where`` overrides the place words, e.g. "questions.csv, line 5, column 'text'" for CSV
    files, whose ``cell`` is still recorded in A1 form.
    """
    severity, template = CATALOGUE[code]
    if where is None:
        where = place(file, sheet, cell)
    text = template.format(**values)
    return Finding(severity, code, file, sheet, cell, f"{where}: {text}" if where else text)
