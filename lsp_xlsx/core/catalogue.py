"""The finding catalogue: every code, with its severity and its message template, in one place.

Each member of :class:`Code` is one entry: the stable code string scripts rely on, how
much it matters, and a template that says what is wrong and then what to do. The place
("return.xlsx, sheet '1 Outcomes', cell C5") is put in front by
:func:`lsp_xlsx.core.findings.finding`, so templates start with what is wrong.

Codes come in families by prefix: ``csv-`` for any coordinator's CSV file,
``framework-`` for the framework folder, ``partners-`` for partners.csv, ``refused-`` for
a whole file that could not be read, and the rest for problems inside a return or in
writing the outputs.
"""

from __future__ import annotations

import enum
import string


class Severity(enum.StrEnum):
    """How much a finding matters: errors lose or reject data, warnings need a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741  (short, for the table)


class Code(enum.StrEnum):
    """Stable finding codes; scripts may rely on them. Each carries its severity and template."""

    severity: Severity
    template: str

    def __new__(cls, value: str, severity: Severity, template: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        member.template = template
        return member

    @property
    def fields(self) -> tuple[str, ...]:
        """The placeholders the template needs, in order of first use."""
        names = [f for _, f, _, _ in string.Formatter().parse(self.template) if f]
        return tuple(dict.fromkeys(names))

    # Any coordinator's CSV file (the framework's files and partners.csv)
    CSV_FILE_MISSING = (
        "csv-file-missing",
        E,
        "the file is missing. Add {name} to the framework folder.",
    )
    CSV_FILE_EMPTY = (
        "csv-file-empty",
        E,
        "the file is empty. Give it a header row and at least one row.",
    )
    CSV_NOT_UTF8 = (
        "csv-not-utf8",
        W,
        "the file is not UTF-8, so it was read as Windows-1252 (Excel's plain 'CSV'). "
        "Check accented letters and curly quotes, or save it as 'CSV UTF-8'.",
    )
    CSV_COLUMN_MISSING = (
        "csv-column-missing",
        E,
        "the required column '{column}' is missing. Add a column headed '{column}' (the "
        "columns are: {expected}).",
    )
    CSV_COLUMN_UNKNOWN = (
        "csv-column-unknown",
        W,
        "the column '{column}' is not one this tool reads, so it is ignored. {hint}",
    )
    CSV_SEMICOLONS = (
        "csv-semicolons",
        I,
        "the values are separated by semicolons (as Excel saves CSV in many European "
        "locales), so it was read that way. No action needed.",
    )
    CSV_EXTRA_VALUES = (
        "csv-extra-values",
        E,
        "this row has {count} {noun} beyond the last heading ({values}), which would be "
        "lost. Give the column a heading, or remove the values (often a stray comma).",
    )
    CSV_CONTROL_CHARACTER = (
        "csv-control-character",
        E,
        "the value holds a line break or another control character ({character}), which "
        "would break a workbook name or an e-mail header. Retype it on one line.",
    )
    # Framework folder
    FRAMEWORK_FILE_MISSING = (
        "framework-file-missing",
        E,
        "the file is missing. Add {name} to the framework folder.",
    )
    FRAMEWORK_DUPLICATE_ID = (
        "framework-duplicate-id",
        E,
        "the id '{id}' is used again (first on line {first}). Give every row its own id.",
    )
    FRAMEWORK_EMPTY_VALUE = (
        "framework-empty-value",
        E,
        "'{column}' is empty. Fill it in or delete the row.",
    )
    FRAMEWORK_BAD_ID = (
        "framework-bad-id",
        E,
        "the id '{id}' has characters other than letters, digits, '.', '-' and '_'. Use a"
        " short id such as T2.Q5a.",
    )
    FRAMEWORK_UNKNOWN_PARENT = (
        "framework-unknown-parent",
        E,
        "the parent '{parent}' of '{id}' is not an id in this file. Use the id of a "
        "question above it, or leave parent_id empty.",
    )
    FRAMEWORK_PARENT_OTHER_THEME = (
        "framework-parent-other-theme",
        E,
        "the parent '{parent}' of '{id}' is in theme {parent_theme}, not {theme}. A sub-"
        "question must sit in its parent's theme.",
    )
    FRAMEWORK_CYCLE = (
        "framework-cycle",
        E,
        "'{id}' is its own ancestor ({chain}). Break the loop by fixing one parent_id.",
    )
    FRAMEWORK_BAD_RATED = (
        "framework-bad-rated",
        E,
        "rated is '{value}'. Write yes or no.",
    )
    FRAMEWORK_UNKNOWN_THEME = (
        "framework-unknown-theme",
        E,
        "the theme '{theme}' is not in themes.csv. Use one of: {known}.",
    )
    FRAMEWORK_THEME_EMPTY = (
        "framework-theme-empty",
        E,
        "theme '{theme}' has no questions. Add questions to it in questions.csv, or remove it.",
    )
    FRAMEWORK_SHEET_NAME_LONG = (
        "framework-sheet-name-long",
        E,
        "the sheet name '{sheet_name}' has {length} characters; Excel allows 31. Shorten it.",
    )
    FRAMEWORK_SHEET_NAME_ILLEGAL = (
        "framework-sheet-name-illegal",
        E,
        "the sheet name '{sheet_name}' {why}. Excel does not allow this; choose another name.",
    )
    FRAMEWORK_SHEET_NAME_DUPLICATE = (
        "framework-sheet-name-duplicate",
        E,
        "the sheet name '{sheet_name}' is already used (line {first}); Excel ignores "
        "case. Give each theme its own sheet name.",
    )
    FRAMEWORK_SCALE_NO_SCORE = (
        "framework-scale-no-score",
        E,
        "no option has a score, so nothing could be averaged. Give at least one option a "
        "whole-number score.",
    )
    FRAMEWORK_SCALE_DUPLICATE_LABEL = (
        "framework-scale-duplicate-label",
        E,
        "the label '{label}' is used again (first on line {first}). Every option needs "
        "its own label.",
    )
    FRAMEWORK_SCALE_BAD_SCORE = (
        "framework-scale-bad-score",
        E,
        "the score '{value}' is not a whole number. Write a whole number, or leave it "
        'empty for an answer that is not scored (such as "Don\'t know").',
    )
    FRAMEWORK_BAD_META = (
        "framework-bad-meta",
        E,
        "{problem}. {fix}",
    )
    # Partners file
    PARTNERS_FILE_MISSING = (
        "partners-file-missing",
        E,
        "there is no such file. Check the path given to --partners, or write the file: one "
        "row per partner with the columns {columns}.",
    )
    PARTNERS_SAME_ORGANISATION = (
        "partners-same-organisation",
        W,
        "'{name}' <{email}> is also listed as '{other_id}' on line {other_line}, so it would "
        "get two workbooks and two e-mails. Delete one of the lines, unless they really are "
        "two partners.",
    )
    PARTNERS_EXTRA_COLUMNS = (
        "partners-extra-columns",
        I,
        "columns the tool does not need: {columns}. They are kept, and can group partners "
        "in the comparison (collate --group-by). No action needed.",
    )
    PARTNERS_DUPLICATE_ID = (
        "partners-duplicate-id",
        E,
        "the partner id '{id}' is used again (first on line {first}). Give each partner "
        "its own id.",
    )
    PARTNERS_MISSING_NAME = (
        "partners-missing-name",
        E,
        "the partner '{id}' has no name. Fill in the name column.",
    )
    PARTNERS_BAD_EMAIL = (
        "partners-bad-email",
        E,
        "'{email}' is not an e-mail address. Write one address such as name@example.org.",
    )
    PARTNERS_MISSING_ID = (
        "partners-missing-id",
        E,
        "the partner_id is empty. Give every partner a short id.",
    )
    PARTNERS_BAD_ID = (
        "partners-bad-id",
        E,
        "the partner id '{id}' has characters other than letters, digits, '.', '-' and "
        "'_'. Use a short id such as police or nhs-trust.",
    )
    # Whole returned file refused
    REFUSED_EMPTY = (
        "refused-empty",
        E,
        "refused: the file is empty (0 bytes). Ask the partner to send it again.",
    )
    REFUSED_NOT_SPREADSHEET = (
        "refused-not-spreadsheet",
        E,
        "refused: this is not a spreadsheet but {kind}. Ask the partner to send the "
        "workbook itself (.xlsx, .xls or .ods).",
    )
    REFUSED_OTHER_SPREADSHEET = (
        "refused-other-spreadsheet",
        E,
        "refused: this is {kind}, which this tool cannot read. {fix}",
    )
    REFUSED_CORRUPT = (
        "refused-corrupt",
        E,
        "refused: the file is damaged or cut short ({detail}). Ask the partner to save "
        "and send it again.",
    )
    REFUSED_PASSWORD = (
        "refused-password",
        E,
        "refused: the file is protected by a password. Ask the partner for a copy without"
        " a password to open.",
    )
    REFUSED_ZIP_BOMB = (
        "refused-zip-bomb",
        E,
        "refused: {detail}, which looks like a zip bomb. Ask the partner to re-save it "
        "from Excel or LibreOffice; if it is genuine, raise the limit with {option}.",
    )
    REFUSED_TOO_LARGE = (
        "refused-too-large",
        E,
        "refused: the file is {size} bytes, over the limit of {limit}. Ask the partner to"
        " remove pictures or extra sheets; if it is genuine, raise --max-file-size.",
    )
    REFUSED_OTHER_FRAMEWORK = (
        "refused-other-framework",
        E,
        "refused: this workbook was built for framework '{found}', not '{expected}'. Read"
        " it with --framework pointing at the '{found}' framework, or send the partner "
        "the current workbook.",
    )
    REFUSED_UNRECOGNISED = (
        "refused-unrecognised",
        E,
        "refused: no self-assessment found: there is no meta sheet and no sheet with an "
        "'ID' and 'Rating' header for framework '{expected}'. Check it is the right file.",
    )
    REFUSED_UNREADABLE = (
        "refused-unreadable",
        E,
        "refused: the spreadsheet could not be read ({detail}). Ask the partner to save "
        "it again as .xlsx.",
    )
    REFUSED_TOO_MANY_CELLS = (
        "refused-too-many-cells",
        E,
        "refused: sheet '{sheet_name}' reaches cell {corner}, an area of {cells} cells, over the "
        "limit of {limit} (a return has a few hundred). Ask the partner to delete whatever is "
        "far below or to the right of the questions and save again; if it is genuine, raise "
        "--max-cells.",
    )
    REFUSED_TIMEOUT = (
        "refused-timeout",
        E,
        "refused: reading it did not finish within {seconds} seconds (a file that runs the "
        "reader out of memory can also end this way), so it was stopped. Ask the partner to "
        "save it again as .xlsx; if it is genuine, raise --max-seconds or --max-memory.",
    )
    REFUSED_CRASHED = (
        "refused-crashed",
        E,
        "refused: the reader stopped on this file ({detail}), so it was not read; the other "
        "files were. Ask the partner to save it again as .xlsx.",
    )
    REFUSED_AMBIGUOUS = (
        "refused-ambiguous",
        E,
        "refused: the package holds two parts named '{part}', and spreadsheet programs "
        "disagree about which one they show. Ask the partner to save it again from Excel or "
        "LibreOffice.",
    )
    # issue 21: formats
    REFUSED_VARIANT = (
        "refused-variant",
        E,
        "refused: this is a valid {kind}, but of a variant this tool cannot read ({detail}); "
        "it is not damaged. Ask the partner to save it as .xlsx (File › Save As › Excel "
        "Workbook) and send that.",
    )
    # Inside a return
    IDENTITY_FROM_FILENAME = (
        "identity-from-filename",
        W,
        "no partner id or organisation in the workbook, so the partner '{name}' was taken"
        " from the file name. Check it, and ask the partner to fill in 'Organisation' on "
        "'Start here'.",
    )
    IDENTITY_EDITED = (
        "identity-edited",
        W,
        "the {what} here is '{found}', but the workbook was made for '{expected}'. Check "
        "which organisation this return is from.",
    )
    IDENTITY_MISMATCH = (
        "identity-mismatch",
        E,
        "this return says it is from '{claimed}', but {issued}. It is not counted and replaces "
        "no other return. Ask '{claimed}' whether they sent it, and check the file with them.",
    )
    IDENTITY_CONFLICT = (
        "identity-conflict",
        E,
        "this return and {others} both say they are from '{claimed}', but come from different "
        "copies of the workbook, so neither is counted. Run again with --manifest to tell the "
        "genuine one, or ask '{claimed}' which one they sent.",
    )
    OTHER_ROUND = (
        "other-round",
        E,
        "this return is from round {found}, not round {expected}, so it is not counted. If it "
        "is last round's file, move it out of this round's folder; if the round is wrong, "
        "run again with --round {found}.",
    )
    IDENTITY_UNVERIFIED = (
        "identity-unverified",
        I,
        "this return has no copy id (it was filled in from the blank workbook), so it is "
        "taken to be from '{claimed}', as it says. Check that with the partner if in doubt.",
    )
    PARTNER_UNKNOWN = (
        "partner-unknown",
        W,
        "the partner id '{id}' is not in {partners_file}. Add the partner to it, or check"
        " the workbook came from this partnership.",
    )
    FRAMEWORK_VERSION_DIFFERS = (
        "framework-version-differs",
        W,
        "this workbook was built from version {found} of '{framework}', not version "
        "{expected}, so questions were matched by id. Check the warnings below.",
    )
    FRAMEWORK_HASH_DIFFERS = (
        "framework-hash-differs",
        I,
        "the framework's questions or scale changed after this workbook was built. "
        "Answers were matched by question id.",
    )
    META_MISSING = (
        "meta-missing",
        W,
        "the hidden meta sheet is missing, so the workbook was recognised by its theme "
        "sheets. Check the partner and framework shown for this file.",
    )
    QUESTION_UNKNOWN = (
        "question-unknown",
        W,
        "question id '{id}' is not in the framework, so its answers ({summary}) are kept "
        "apart and not scored. Check the ID cell, or send the current workbook.",
    )
    QUESTION_MISSING = (
        "question-missing",
        W,
        "question {id} is not in this workbook, so it counts as not answered. Ask the "
        "partner to answer it, or send the current workbook.",
    )
    QUESTION_DUPLICATE = (
        "question-duplicate",
        E,
        "question {id} appears again (first at {first}); the first row is used and this "
        "one's answers ({summary}) are kept apart. Delete the extra row, or merge the "
        "answers.",
    )
    QUESTION_TEXT_EDITED = (
        "question-text-edited",
        W,
        "the text of question {id} was changed; the answer is kept. Check that the answer"
        ' still fits the original question: "{expected}".',
    )
    ROW_WITHOUT_ID = (
        "row-without-id",
        W,
        "this row has answers ({summary}) but no question ID, so they cannot be matched "
        "to a question. Put the question's ID back in column {column}.",
    )
    SHEET_MISSING = (
        "sheet-missing",
        E,
        "the sheet for theme {theme} ('{expected}') is missing, so its {count} questions "
        "count as not answered. Ask the partner to send the complete workbook.",
    )
    SHEET_RENAMED = (
        "sheet-renamed",
        W,
        "this sheet holds theme {theme}, which should be on a sheet named '{expected}'. "
        "It was read by its IDs; no action is needed unless the theme is wrong.",
    )
    COLUMN_MISSING = (
        "column-missing",
        E,
        "the '{label}' column is missing from the header row, so that answer is empty for"
        " every question on this sheet. Ask the partner to restore the column.",
    )
    RATING_VARIANT = (
        "rating-variant",
        I,
        "the rating '{raw}' was read as '{label}'. No action needed; choose from the "
        "dropdown next time.",
    )
    RATING_UNRECOGNISED = (
        "rating-unrecognised",
        E,
        "the rating '{raw}' is not on the scale, so it is kept as typed but not scored. "
        "Ask the partner to choose one of: {allowed}.",
    )
    RATING_ON_STEM = (
        "rating-on-stem",
        W,
        "'{raw}' was entered against {id}, which introduces sub-questions and takes no "
        "rating. It is kept but not scored; ask the partner to rate the sub-questions.",
    )
    NUMBER_NOT_A_DATE = (
        "number-not-a-date",
        W,
        "the {column} holds {raw}, which is {why}, so it is kept as typed. Ask the partner "
        "what they meant to write.",
    )
    TEXT_CONVERTED = (
        "text-converted",
        I,
        "the {column} was a {kind} and was turned into the text '{text}'. Check it reads "
        "as intended.",
    )
    DATE_FROM_TEXT = (
        "date-from-text",
        I,
        "the {column} '{raw}' was typed as text and read as {date}. No action needed.",
    )
    DATE_UNPARSED = (
        "date-unparsed",
        W,
        "the {column} '{raw}' is not a date this tool can read for sure, so it is kept as"
        " typed. Ask for a date as day/month/year, e.g. 31/03/2027.",
    )
    FORMULA_NO_VALUE = (
        "formula-no-value",
        W,
        "this cell holds a formula with no saved result, so its value is empty. Ask the "
        "partner to open and save the workbook in Excel or LibreOffice, or to type the "
        "answer in.",
    )
    SUPERSEDED = (
        "superseded",
        W,
        "another return from '{partner}' is newer ({newer}: {why}), so this one is not "
        "used. Delete this file if it is an old draft.",
    )
    # Writing outputs
    TEXT_TRUNCATED = (
        "text-truncated",
        W,
        "the text is {length} characters, over Excel's limit of 32,767, so it is cut in "
        "the workbook. The full text is in {full_in}.",
    )
    TEXT_CHARACTERS_REPLACED = (
        "text-characters-replaced",
        I,
        "characters that spreadsheets cannot hold (such as pasted Word control characters) "
        "were replaced in the workbook, {count} in all. The original text is in {full_in}.",
    )
    SHEET_COLUMNS_CUT = (
        "sheet-columns-cut",
        W,
        "this sheet shows the first {shown} of {partners} partners: a column per partner "
        "would pass Excel's limit of {limit} columns. The statistics on the sheet are over "
        "every partner; every partner's answers are in {full_in}.",
    )
    # issue 21: bounds and identity
    FINDINGS_CAPPED = (
        "findings-capped",
        I,
        "{omitted} more {noun} of code '{kind}' {verb} not listed ({total} in all; the "
        "first {shown} are above, and every count includes them all). The next are at: "
        "{cells}. Ask the partner to fix the first ones and send the file again.",
    )
    REFUSED_TOO_MANY_SHEETS = (
        "refused-too-many-sheets",
        E,
        "refused: the workbook names {sheets} sheets, over the limit of {limit} (a return has "
        "about a dozen). Ask the partner to delete the extra sheets and save again; if it is "
        "genuine, raise --max-sheets.",
    )
    REFUSED_RESULT_TOO_LARGE = (
        "refused-result-too-large",
        E,
        "refused: what was read from it is {size} bytes, over the limit of {limit} (a return "
        "reads to a few hundred kilobytes). Ask the partner to remove whatever was pasted in "
        "bulk and save again; if it is genuine, raise --max-result-size.",
    )
    AGREED_ROW_UNMATCHED = (
        "agreed-row-unmatched",
        E,
        "this row has the board's entries ({summary}), but {why}, so they cannot be matched "
        "to a question. They are kept in agreed.csv (and the plan) as typed. Put the "
        "question's ID in column {column}, or move the entries to the question's own row.",
    )
    IDENTITY_UNVERIFIED_HELD = (
        "identity-unverified-held",
        E,
        "this return says it is from '{claimed}', but {why}; {other} {other_is}. So this one is "
        "not counted and replaces no other return. Ask '{claimed}' whether they sent it; if "
        "so, ask them to fill in the copy they were sent.",
    )
    COPY_ID_SHARED = (
        "copy-id-shared",
        E,
        "this return and {others} come from the same copy of the workbook (copy id "
        "{copy_id}), but say they are from different partners ({claims}), so none of them is "
        "counted. Run again with --manifest to tell whose copy it is, or ask the partners.",
    )
    MANIFEST_DUPLICATE_COPY_ID = (
        "manifest-duplicate-copy-id",
        W,
        "the copy id {copy_id} is given to more than one copy ({partners}), so a return made "
        "from it cannot be verified and is held. Check the manifest was not edited by hand, "
        "or build the copies again.",
    )
    META_CONTRACT_NEWER = (
        "meta-contract-newer",
        W,
        "this workbook was made by a newer lsp-xlsx (workbook contract version {found}; this "
        "tool reads version {supported}), so some of its contents may not be read. Update "
        "lsp-xlsx, or check the answers shown for this file.",
    )
    AGREED_FORMULA_NO_VALUE = (
        "agreed-formula-no-value",
        W,
        "this cell of the Agreed sheet holds a formula with no saved result, so it is read "
        "as empty. Open the workshop's copy in Excel or LibreOffice and save it again, or "
        "type the agreed entry in.",
    )
    # issue 21: safe text and bounded inputs
    CSV_TEXT_REPLACED = (
        "csv-text-replaced",
        W,
        "the value holds {count} {noun} that no workbook or document can hold "
        "({characters}), so every output shows U+FFFD (\ufffd) in their place. Retype the "
        "value to correct it.",
    )
    CSV_TOO_LARGE = (
        "csv-too-large",
        E,
        "the file is {size}, over the limit of {limit} for this file. Check it is the right "
        "file; to read a larger one, {hint}.",
    )
    CSV_TOO_MANY_ROWS = (
        "csv-too-many-rows",
        E,
        "the file has more than {limit} rows, the most this file may have. Check it is the "
        "right file; to read more, {hint}.",
    )
    CSV_FIELD_TOO_LONG = (
        "csv-field-too-long",
        E,
        "a value is longer than {limit} characters, the most one value of this file may "
        "hold (a quote left open makes the rest of the file one value). Check the quotes "
        "from this line on; to allow longer values, {hint}.",
    )
    PREFILL_TEXT_CUT = (
        "prefill-text-cut",
        W,
        "the {column} of {partner}'s answer to {question} is {length} characters, over "
        "Excel's limit of 32,767, so the pre-filled cell holds its start and says it was "
        "cut. The full text is still in this file: give it to the partner if they need it.",
    )
    # issue 24: collect
    COLLECT_MESSAGE_REFUSED = (
        "collect-message-refused",
        E,
        "this message from {sender} ({subject}) was not read: {reason}. It is recorded in "
        "collected.csv and left in the mailbox; open it in your mail program and save any "
        "return in it into the returns folder by hand.",
    )
    COLLECT_NOT_A_RETURN = (
        "collect-not-a-return",
        E,
        "this attachment from {sender} is {kind}, not a workbook, so it is not a return. It "
        "is saved as {saved} for you to look at. Ask the partner to send the workbook itself "
        "(.xlsx), filled in.",
    )
    COLLECT_SENDER_NOT_PARTNER = (
        "collect-sender-not-partner",
        W,
        "sent by {sender}, not an address of {partner} ({expected}). The return is kept and "
        "read as usual; check with {partner} that they sent it.",
    )
    COLLECT_AUTHENTICATION_FAILED = (
        "collect-authentication-failed",
        W,
        "the receiving mail server's check of this message from {sender} says {verdict}, so "
        "it may not be from who it says. The return is kept; check with the partner.",
    )
    # --- issue 25: respondents (partners.csv rows sharing a partner_id, returns per person) ---
    PARTNERS_RESPONDENT_DIFFERS = (
        "partners-respondent-differs",
        E,
        "this row of '{partner}' gives the {column} '{found}', but line {first} gives "
        "'{expected}'. Give every row of one partner the same {column}, or leave it empty "
        "after the first row.",
    )
    PARTNERS_DUPLICATE_RESPONDENT = (
        "partners-duplicate-respondent",
        E,
        "the respondent id '{id}' of '{partner}' is used again (first on line {first}). Give "
        "each respondent of a partner its own respondent_id, or leave it empty to have one "
        "made.",
    )
    PARTNERS_SAME_RESPONDENT = (
        "partners-same-respondent",
        E,
        "{who} is listed again as a respondent of '{partner}' (first on line {first}). "
        "Delete one of the lines.",
    )
    PARTNERS_BAD_RESPONDENT_ID = (
        "partners-bad-respondent-id",
        E,
        "the respondent id '{id}' has characters other than letters, digits, '.', '-' and "
        "'_'. Use a short id such as ceo or head-of-partnerships, or leave it empty.",
    )
    PARTNERS_RESPONDENT_BY_ORDER = (
        "partners-respondent-by-order",
        W,
        "this respondent of '{partner}' has neither an e-mail nor a contact name, so its id "
        "'{id}' comes from its place among the partner's rows and changes if a row is added "
        "above it. Give it a contact_name, an e-mail or a respondent_id.",
    )
    RESPONDENT_MATCHED = (
        "respondent-matched",
        I,
        "the workbook records no respondent (it was built before respondents, or is the "
        "blank workbook), so it was taken as {respondent}'s return: {by}. No action needed.",
    )
    RESPONDENT_OWN = (
        "respondent-own",
        W,
        "the workbook records no respondent, and the name and e-mail on 'Start here' "
        "({typed}) match none of the respondents listed for '{partner}', so it is counted as "
        "a respondent of its own ('{id}'), never as another's. If it is one of them, correct "
        "the name or e-mail on 'Start here'; if it is someone new, add them to partners.csv "
        "with respondent_id {id}.",
    )
    RESPONDENT_UNKNOWN = (
        "respondent-unknown",
        W,
        "the workbook was made for the respondent '{id}' of '{partner}', who is not in "
        "partners.csv. It is counted as that respondent; add them to partners.csv (with "
        "respondent_id {id}) if they still take part.",
    )
    # --- issue 22: the year closes its loop (loop22) ---
    PLAN_STATUS_UNRECOGNISED = (
        "plan-status-unrecognised",
        W,
        "the status '{raw}' is not one of {allowed}. It is kept as typed and the action is "
        "counted as neither done nor late. Choose the status from the dropdown.",
    )
    PLAN_ROW_UNMATCHED = (
        "plan-row-unmatched",
        W,
        "this row of the improvement plan ({summary}) matches no agreed action (by ID and "
        "action), so its owner, status and note are not carried. Keep the ID and the agreed "
        "action as the plan wrote them, or agree the action again on the Agreed sheet.",
    )
    # --- issue 23: ratings, dates and the coordinator's overrides (ratings23) ---
    FRAMEWORK_SCALE_SYNONYM_CLASH = (
        "framework-scale-synonym-clash",
        E,
        "the synonym '{synonym}' of '{label}' already stands for '{other}' ({first}), so it "
        "could mean either. A word may stand for one answer only: remove it from one of "
        "them, and settle it per partner with --ratings-map if you need to.",
    )
    RATING_SYNONYM = (
        "rating-synonym",
        I,
        "{count} typed as other words for the scale's answers, and read so: {pairs}, in "
        "{cells}. The words as typed are kept (rating_raw in the tidy table). No action "
        "needed, unless one is wrong: then settle it with --ratings-map.",
    )
    RATING_MAPPED = (
        "rating-mapped",
        I,
        "{count} read by the coordinator's ratings map ({source}): {pairs}, in {cells}. The "
        "words as typed are kept (rating_raw in the tidy table). No action needed.",
    )
    RATING_BETWEEN_STEPS = (
        "rating-between-steps",
        E,
        "the rating '{raw}' falls between two steps of the scale ({low} and {high}). It is "
        "never rounded, so it is kept as typed but not scored. Ask the partner which one "
        "they mean, or settle it with --ratings-map (typed '{raw}', rating: the label).",
    )
    RATINGS_MAP_BAD_RATING = (
        "ratings-map-bad-rating",
        E,
        "'{rating}' is not an answer on the framework's scale. Write one of: {allowed}.",
    )
    RATINGS_MAP_CLASH = (
        "ratings-map-clash",
        E,
        "'{typed}'{scope} is mapped to '{rating}', but line {first} maps it to '{other}'. "
        "Keep one of the two lines.",
    )
    RATINGS_MAP_INCOMPLETE = (
        "ratings-map-incomplete",
        E,
        "the line needs both the text as typed and the rating it means (columns typed and "
        "rating). Fill both in, or delete the line.",
    )
    RATINGS_MAP_PARTNER_UNKNOWN = (
        "ratings-map-partner-unknown",
        E,
        "the partner id '{partner}' is not in {partners_file}, so this rule would apply to "
        "no one. Check the id against {partners_file}.",
    )
    OVERRIDE_BAD_ACTION = (
        "override-bad-action",
        E,
        "the action '{action}' is not one this tool knows. Write one of: {allowed}.",
    )
    OVERRIDE_INCOMPLETE = (
        "override-incomplete",
        E,
        "the action '{action}' needs {needed}. Fill it in, or delete the line.",
    )
    OVERRIDE_NO_MATCH = (
        "override-no-match",
        E,
        "the {action} decision matches no {what} ('{given}'), so nothing was done. Check the "
        "file's name or SHA-256 (shown on the comparison's Input files sheet) or the partner "
        "id, or delete the line.",
    )
    OVERRIDE_APPLIED = (
        "override-applied",
        I,
        "the coordinator's decision ({source}, line {line}) applied: {what}. Note: {note}. "
        "The partner's file is unchanged.",
    )
    # --- issue 22: the board paper's sentences (paper-templates.csv) ---
    PAPER_TEMPLATE_BAD_LINE = (
        "paper-template-bad-line",
        E,
        "{problem}, so the board paper cannot use this line. {fix}",
    )
    # --- issue 23: words (grouped findings, extra text, partners lists, true words) ---
    EXTRA_TEXT_KEPT = (
        "extra-text-kept",
        W,
        "this cell ({column}) is part of no answer, so its text '{text}' is kept as typed "
        "with {id}: in responses.csv (column extra_text) and on the Evidence sheet. If it "
        "is an answer, ask the partner to put it in that answer's column.",
    )
    TABLE_FILE_NOT_A_TABLE = (
        "table-file-not-a-table",
        E,
        "this is {kind}, not a table. Give it as a CSV file, or as the Excel or "
        "OpenDocument workbook (.xlsx, .ods) you keep it in.",
    )
    TABLE_FILE_UNREADABLE = (
        "table-file-unreadable",
        E,
        "the file could not be read ({detail}). Open it in Excel or LibreOffice and save it "
        "again, as .xlsx or as CSV UTF-8.",
    )
    TABLE_FILE_READ_FROM = (
        "table-file-read-from",
        I,
        "read from {source}. No action needed.",
    )
    CSV_HEADER_SYNONYM = (
        "csv-header-synonym",
        I,
        "the headings are read as the standard columns: {columns}. No action needed.",
    )
