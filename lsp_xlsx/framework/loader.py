"""Load and validate a framework folder: the questions, themes, rating scale and intro.

A framework folder holds::

    framework.toml   id, version, title, source
    themes.csv       theme_id, sheet_name, title
    questions.csv    id, theme_id, parent_id, rated, text
    scale.csv        score, label, description, synonyms (optional: other words for the
                     answer, separated by |, such as "Adequate" or "N/A|NA")
    intro.md         the introduction shown on "Start here" (optional)

:func:`load_framework` returns a :class:`Framework`, or raises one
:class:`~lsp_xlsx.core.errors.FrameworkError` listing every problem it found.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from lsp_xlsx.core.errors import FrameworkError
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework.csvfile import CsvTable, read_csv
from lsp_xlsx.framework.model import Framework, Question, ScaleOption, Theme
from lsp_xlsx.framework.scale import load_scale


def _default_framework() -> Path:
    # In a checkout (or editable install) the framework is the repo's framework/ folder;
    # in a wheel it is packed inside the package as _framework/.
    package = Path(__file__).resolve().parents[1]
    repo = package.parent / "framework"
    return repo if (repo / "questions.csv").is_file() else package / "_framework"


#: The framework shipped with the tool.
DEFAULT_FRAMEWORK = _default_framework()

QUESTION_COLUMNS = ("id", "theme_id", "parent_id", "rated", "text")
QUESTION_REQUIRED = ("id", "theme_id", "rated", "text")
THEME_COLUMNS = ("theme_id", "sheet_name", "title")
SCALE_COLUMNS = ("score", "label", "description", "synonyms")
SCALE_REQUIRED = ("label", "description")

#: Sheet names the workbook itself uses; a theme may not take them.
RESERVED_SHEET_NAMES = ("start here", "_meta", "_lists", "history")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ILLEGAL_SHEET_CHARS = set("[]:*?/\\")


def _check_id(table: CsvTable, line: int, column: str, value: str, problems: list[Finding]) -> bool:
    if not value:
        problems.append(
            table.finding(
                Code.FRAMEWORK_EMPTY_VALUE,
                line,
                column,
                column=column,
            )
        )
        return False
    if not _ID_RE.match(value):
        problems.append(
            table.finding(
                Code.FRAMEWORK_BAD_ID,
                line,
                column,
                id=value,
            )
        )
        return False
    return True


def sheet_name_problem(name: str) -> str | None:
    """Why Excel would refuse ``name`` as a sheet name (besides length), or None."""
    if not name.strip():
        return "is empty"
    bad = sorted(set(name) & _ILLEGAL_SHEET_CHARS)
    if bad:
        return "contains " + " ".join(bad)
    if name.startswith("'") or name.endswith("'"):
        return "starts or ends with an apostrophe"
    if name.strip().casefold() in RESERVED_SHEET_NAMES:
        return "is reserved by Excel or by this workbook"
    if any(ord(c) < 32 for c in name):
        return "contains a control character"
    return None


def _load_themes(table: CsvTable, problems: list[Finding]) -> list[tuple[str, str, str, int]]:
    themes: list[tuple[str, str, str, int]] = []
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        theme_id, sheet_name, title = row["theme_id"], row["sheet_name"], row["title"]
        ok = _check_id(table, line, "theme_id", theme_id, problems)
        if ok and theme_id in seen_ids:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_DUPLICATE_ID,
                    line,
                    "theme_id",
                    id=theme_id,
                    first=seen_ids[theme_id],
                )
            )
            ok = False
        seen_ids.setdefault(theme_id, line)
        if not title:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_EMPTY_VALUE,
                    line,
                    "title",
                    column="title",
                )
            )
        if len(sheet_name) > 31:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_SHEET_NAME_LONG,
                    line,
                    "sheet_name",
                    sheet_name=sheet_name,
                    length=len(sheet_name),
                )
            )
        why = sheet_name_problem(sheet_name)
        if why:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_SHEET_NAME_ILLEGAL,
                    line,
                    "sheet_name",
                    sheet_name=sheet_name,
                    why=why,
                )
            )
        key = sheet_name.casefold()
        if sheet_name and key in seen_names:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_SHEET_NAME_DUPLICATE,
                    line,
                    "sheet_name",
                    sheet_name=sheet_name,
                    first=seen_names[key],
                )
            )
        seen_names.setdefault(key, line)
        if ok:
            themes.append((theme_id, sheet_name, title, line))
    return themes


def _load_questions(
    table: CsvTable, theme_ids: dict[str, int], problems: list[Finding]
) -> list[tuple[Question, int]]:
    rows: list[tuple[Question, int]] = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        qid = row["id"]
        ok = _check_id(table, line, "id", qid, problems)
        if ok and qid in seen:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_DUPLICATE_ID,
                    line,
                    "id",
                    id=qid,
                    first=seen[qid],
                )
            )
            ok = False
        if ok:
            seen[qid] = line
        theme = row["theme_id"]
        if theme not in theme_ids:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_UNKNOWN_THEME,
                    line,
                    "theme_id",
                    theme=theme,
                    known=", ".join(theme_ids) or "(none)",
                )
            )
            ok = False
        if not row["text"]:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_EMPTY_VALUE,
                    line,
                    "text",
                    column="text",
                )
            )
            ok = False
        rated_raw = row["rated"].casefold()
        if rated_raw not in ("yes", "no"):
            problems.append(
                table.finding(
                    Code.FRAMEWORK_BAD_RATED,
                    line,
                    "rated",
                    value=row["rated"],
                )
            )
            ok = False
        if ok:
            parent = row.get("parent_id", "") or None
            question = Question(qid, theme, parent, rated_raw == "yes", row["text"])
            rows.append((question, line))
    return rows


def _resolve_parents(
    table: CsvTable, rows: list[tuple[Question, int]], problems: list[Finding]
) -> dict[str, int]:
    """Check every parent exists, shares the theme and forms no loop; return each depth."""
    by_id = {q.id: q for q, _ in rows}
    depths: dict[str, int] = {}
    for question, line in rows:
        parent = question.parent_id
        if parent is None:
            continue
        if parent not in by_id:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_UNKNOWN_PARENT,
                    line,
                    "parent_id",
                    parent=parent,
                    id=question.id,
                )
            )
        elif by_id[parent].theme_id != question.theme_id:
            problems.append(
                table.finding(
                    Code.FRAMEWORK_PARENT_OTHER_THEME,
                    line,
                    "parent_id",
                    parent=parent,
                    id=question.id,
                    parent_theme=by_id[parent].theme_id,
                    theme=question.theme_id,
                )
            )
    reported: set[str] = set()
    for question, line in rows:
        chain = [question.id]
        current = question.parent_id
        while current is not None and current in by_id:
            if current in chain:
                loop = [*chain[chain.index(current) :], current]
                if not reported & set(loop):
                    problems.append(
                        table.finding(
                            Code.FRAMEWORK_CYCLE,
                            line,
                            "parent_id",
                            id=question.id,
                            chain=" → ".join(loop),
                        )
                    )
                    reported.update(loop)
                break
            chain.append(current)
            current = by_id[current].parent_id
        depths[question.id] = len(chain) - 1
    return depths


def _load_meta(folder: Path, problems: list[Finding]) -> tuple[str, int, str, str]:
    name = "framework.toml"
    path = folder / name
    if not path.is_file():
        problems.append(finding(Code.FRAMEWORK_FILE_MISSING, name, name=name))
        return "", 0, "", ""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(
            finding(
                Code.FRAMEWORK_BAD_META,
                name,
                problem=f"it is not valid TOML ({exc})",
                fix='Write lines such as id = "my-framework" and version = 1',
            )
        )
        return "", 0, "", ""
    fid, version = data.get("id"), data.get("version")
    if not isinstance(fid, str) or not _ID_RE.match(fid):
        problems.append(
            finding(
                Code.FRAMEWORK_BAD_META,
                name,
                problem="'id' is missing or not a short name",
                fix='Add a line such as id = "my-framework"',
            )
        )
        fid = ""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(
            finding(
                Code.FRAMEWORK_BAD_META,
                name,
                problem="'version' is missing or not a whole number of 1 or more",
                fix="Add a line such as version = 1",
            )
        )
        version = 0
    title = str(data.get("title", fid))
    source = str(data.get("source", ""))
    return str(fid), int(version), title, source


def content_hash(
    themes: Sequence[Theme], scale: Sequence[ScaleOption], framework_id: str, version: int
) -> str:
    """SHA-256 of the framework's meaning, independent of CSV quoting, BOMs or line endings."""
    payload = {
        "id": framework_id,
        "version": version,
        "themes": [[t.id, t.sheet_name, t.title] for t in themes],
        "questions": [
            [q.id, q.theme_id, q.parent_id or "", q.rated, q.text]
            for t in themes
            for q in t.questions
        ],
        "scale": [[o.label, o.score, o.description] for o in scale],
    }
    blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def load_framework(path: str | Path = DEFAULT_FRAMEWORK) -> Framework:
    """Load and validate the framework folder at ``path``.

    Raises :class:`FrameworkError` listing every problem when any is an error. Warnings
    (an unknown column, a file not in UTF-8) are kept in ``Framework.warnings``.

    >>> fw = load_framework()
    >>> len(fw.themes), fw.id
    (7, 'lsp-governance-2009')
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FrameworkError(
            f"The framework folder {folder}",
            [
                finding(
                    Code.FRAMEWORK_FILE_MISSING,
                    str(folder),
                    name="this folder (check --framework)",
                )
            ],
        )
    problems: list[Finding] = []
    framework_id, version, title, source = _load_meta(folder, problems)
    themes_table = read_csv(folder / "themes.csv", THEME_COLUMNS, THEME_COLUMNS, problems)
    questions_table = read_csv(
        folder / "questions.csv", QUESTION_COLUMNS, QUESTION_REQUIRED, problems
    )
    scale_table = read_csv(folder / "scale.csv", SCALE_COLUMNS, SCALE_REQUIRED, problems)

    theme_rows = _load_themes(themes_table, problems) if themes_table else []
    theme_ids = {t[0]: t[3] for t in theme_rows}
    question_rows: list[tuple[Question, int]] = []
    depths: dict[str, int] = {}
    if questions_table:
        question_rows = _load_questions(questions_table, theme_ids, problems)
        depths = _resolve_parents(questions_table, question_rows, problems)
    scale = load_scale(scale_table, problems) if scale_table else []

    themes: list[Theme] = []
    for number, (theme_id, sheet_name, theme_title, line) in enumerate(theme_rows, start=1):
        questions = tuple(
            Question(q.id, q.theme_id, q.parent_id, q.rated, q.text, depths.get(q.id, 0))
            for q, _ in question_rows
            if q.theme_id == theme_id
        )
        if not questions and themes_table is not None and questions_table is not None:
            problems.append(
                themes_table.finding(
                    Code.FRAMEWORK_THEME_EMPTY,
                    line,
                    "theme_id",
                    theme=theme_id,
                )
            )
        themes.append(Theme(theme_id, number, sheet_name, theme_title, questions))

    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise FrameworkError(f"The framework in {folder}", problems)
    intro_path = folder / "intro.md"
    intro = intro_path.read_text(encoding="utf-8-sig").strip() if intro_path.is_file() else ""
    return Framework(
        id=framework_id,
        version=version,
        title=title,
        source=source,
        intro=intro,
        themes=tuple(themes),
        scale=tuple(scale),
        hash=content_hash(themes, scale, framework_id, version),
        path=folder,
        warnings=tuple(problems),
    )
