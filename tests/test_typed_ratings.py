"""Ratings and dates as people type them (issue 23, items 1 and 2): the scale's synonyms, the
coordinator's ratings map, values between two steps, UK dates, and text dates once per file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.errors import FrameworkError
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.loader import load_framework
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.ratings import BETWEEN, EXACT, SYNONYM, UNKNOWN, VARIANT, RatingReader
from lsp_xlsx.returns.ratings_map import RatingsMapError, read_ratings_map, with_rules
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.returns.text_dates import with_carried_dates
from tests.fill import full_answers, make_return

POOR, ADEQUATE, WELL, EXCELLENT = (
    "1 - Performs poorly",
    "2 - Performs adequately",
    "3 - Performs well",
    "4 - Performs excellently",
)
DK, NA = "Don't know", "Not applicable"
POLICE = Partner("police", "North Shire Police")
TRUST = Partner("trust", "North Shire Hospital Trust")


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/27", dt.date(2027, 3, 31)),
        ("31/03/2027", dt.date(2027, 3, 31)),
        ("31.3.2027", dt.date(2027, 3, 31)),
        ("31.03.27", dt.date(2027, 3, 31)),
        ("31-3-27", dt.date(2027, 3, 31)),
        ("1/4/27", dt.date(2027, 4, 1)),  # day first, always: 1 April, not 4 January
        ("04/01/2027", dt.date(2027, 1, 4)),
        ("31st March 2027", dt.date(2027, 3, 31)),
        ("1st April 2027", dt.date(2027, 4, 1)),
        ("2nd May 27", dt.date(2027, 5, 2)),
        ("3rd June 2027", dt.date(2027, 6, 3)),
        ("22nd Sept 2027", dt.date(2027, 9, 22)),
        ("31 Mar 27", dt.date(2027, 3, 31)),
        ("31 Mar. 2027", dt.date(2027, 3, 31)),
        ("31-Mar-2027", dt.date(2027, 3, 31)),
        ("31 march 2027", dt.date(2027, 3, 31)),
        ("31 March, 2027", dt.date(2027, 3, 31)),
        ("Wed 31st March 2027", dt.date(2027, 3, 31)),
        ("Wednesday, 31 March 2027", dt.date(2027, 3, 31)),
        ("2027-03-31", dt.date(2027, 3, 31)),
        ("03/31/27", None),  # US order: there is no 31st month
        ("31/3-2027", None),  # two separators: not sure
        ("31 Marchy 2027", None),
        ("31 Ma 2027", None),  # too short to name a month
        ("March 2027", None),
        ("TBC", None),
        ("ongoing", None),
        ("30/02/27", None),
    ],
)
def test_uk_dates_are_read_day_first(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("typed", ["31/03/27", "31.3.2027", "31st March 2027", "31 Mar 27"])
def test_build_deadline_takes_the_same_forms(tmp_path: Path, typed: str) -> None:
    out = tmp_path / "blank.xlsx"
    result = CliRunner().invoke(cli, ["build", "-o", str(out), "--deadline", typed])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    meta = load_workbook(out)["_meta"]
    values = {row[0].value: row[1].value for row in meta.iter_rows() if row[0].value}
    assert values["deadline"] == "2027-03-31"


def test_a_deadline_that_is_not_a_date_is_refused_with_the_forms(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "-o", str(tmp_path / "b.xlsx"), "--deadline", "TBC"])
    assert result.exit_code == 2
    assert "'TBC' is not a date" in result.output and "31/03/27" in result.output


# --- the scale's synonyms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "label", "how"),
    [
        (WELL, WELL, EXACT),
        ("3 – performs WELL", WELL, VARIANT),
        ("Performs well", WELL, VARIANT),
        ("3", WELL, VARIANT),
        (3, WELL, VARIANT),
        (3.0, WELL, VARIANT),
        ("Poor", POOR, SYNONYM),
        ("poorly", POOR, SYNONYM),
        ("Adequate", ADEQUATE, SYNONYM),
        (" ADEQUATE ", ADEQUATE, SYNONYM),
        ("Excellent", EXCELLENT, SYNONYM),
        ("N/A", NA, SYNONYM),
        ("NA", NA, SYNONYM),
        ("n/a", NA, SYNONYM),
        ("DK", DK, SYNONYM),
        ("Don't know", DK, EXACT),
        ("Don’t know", DK, VARIANT),  # a curly apostrophe
        ("don't KNOW", DK, VARIANT),
        ("Not known", DK, SYNONYM),
        ("Not Applicable", NA, VARIANT),
        ("Good", None, UNKNOWN),  # "good" may be adequate or well: left to the ratings map
        ("Satisfactory", None, UNKNOWN),
        ("5", None, UNKNOWN),
        (True, None, UNKNOWN),
    ],
)
def test_the_shipped_scale_reads_each_form(
    framework: Framework, typed: object, label: str | None, how: str
) -> None:
    reading = RatingReader(framework.scale).reading(typed)
    assert (reading.option.label if reading.option else None, reading.how) == (label, how)


@pytest.mark.parametrize(
    ("typed", "low", "high"),
    [
        ("2.5", ADEQUATE, WELL),
        (2.5, ADEQUATE, WELL),
        ("1.25", POOR, ADEQUATE),
        ("3.9", WELL, EXCELLENT),
        ("2/3", ADEQUATE, WELL),
        ("3/2", ADEQUATE, WELL),
        ("2-3", ADEQUATE, WELL),
        ("2 – 3", ADEQUATE, WELL),
        ("2 or 3", ADEQUATE, WELL),
        ("1 to 4", POOR, EXCELLENT),
    ],
)
def test_a_value_between_two_steps_is_never_rounded(
    framework: Framework, typed: object, low: str, high: str
) -> None:
    reader = RatingReader(framework.scale)
    reading, code, params = reader.settle(typed, str(typed), "C5")
    assert reading.option is None and reading.how == BETWEEN
    assert code is Code.RATING_BETWEEN_STEPS
    assert (params["low"], params["high"], params["raw"]) == (low, high, str(typed))


@pytest.mark.parametrize("typed", ["0.5", "4.5", "2/2", "0/1", "7-8"])
def test_outside_the_scale_is_unrecognised_not_between(framework: Framework, typed: str) -> None:
    assert RatingReader(framework.scale).reading(typed).how == UNKNOWN


def test_a_synonym_claimed_by_two_labels_is_an_error_naming_the_line(
    framework_copy: Path,
) -> None:
    scale = framework_copy / "scale.csv"
    text = scale.read_text(encoding="utf-8")
    scale.write_text(text.replace(",DK|Not known", ",DK|Not known|Adequate"), encoding="utf-8")
    with pytest.raises(FrameworkError) as caught:
        load_framework(framework_copy)
    [problem] = [f for f in caught.value.findings if f.code is Code.FRAMEWORK_SCALE_SYNONYM_CLASH]
    assert problem.message.startswith("scale.csv, line 6, column 'synonyms': ")
    assert "'Adequate' of 'Don't know' already stands for '2 - Performs adequately'" in (
        problem.message
    )
    assert "line 3" in problem.message


def test_a_synonym_that_is_another_label_is_an_error(framework_copy: Path) -> None:
    scale = framework_copy / "scale.csv"
    text = scale.read_text(encoding="utf-8")
    scale.write_text(text.replace(",Poor|Poorly", ",Poor|Not applicable"), encoding="utf-8")
    with pytest.raises(FrameworkError) as caught:
        load_framework(framework_copy)
    assert any(
        f.code is Code.FRAMEWORK_SCALE_SYNONYM_CLASH and "its label, line 7" in f.message
        for f in caught.value.findings
    )


def test_synonyms_are_not_part_of_the_framework_hash(
    framework: Framework, framework_copy: Path
) -> None:
    scale = framework_copy / "scale.csv"
    text = scale.read_text(encoding="utf-8")
    scale.write_text(text.replace(",Poor|Poorly", ",Poor|Poorly|Weak"), encoding="utf-8")
    changed = load_framework(framework_copy)
    assert changed.scale[0].synonyms == ("Poor", "Poorly", "Weak")
    assert changed.hash == framework.hash  # returns built before still match


def _typed(framework: Framework, ratings: dict[int, object]) -> dict[str, dict[str, object]]:
    answers = full_answers(framework)
    rated = framework.rated_questions
    for index, rating in ratings.items():
        answers[rated[index].id]["rating"] = rating
    return answers


def test_a_synonym_is_read_and_noted_once_per_file_with_the_raw_text(
    tmp_path: Path, framework: Framework
) -> None:
    typed = {0: "Adequate", 1: "Adequate", 2: "N/A", 3: "DK"}
    path = make_return(tmp_path / "police.xlsx", framework, _typed(framework, typed), POLICE)
    ret = read_return(path, framework)
    rated = framework.rated_questions
    got = [
        (ret.responses[rated[i].id].rating_label, ret.responses[rated[i].id].rating_raw)
        for i in typed
    ]
    assert got == [(ADEQUATE, "Adequate"), (ADEQUATE, "Adequate"), (NA, "N/A"), (DK, "DK")]
    assert ret.responses[rated[0].id].rating == 2
    [note] = [f for f in ret.findings if f.code is Code.RATING_SYNONYM]
    assert note.params["count"] == "4 ratings"
    assert "'Adequate' as '2 - Performs adequately' (2 times)" in note.params["pairs"]
    assert note.params["cells"].count("!") == 4
    assert not [f for f in ret.findings if f.code is Code.RATING_VARIANT]
    assert str(ret.status) == "ok"


def test_a_between_steps_value_in_a_return_is_an_error_quoting_it(
    tmp_path: Path, framework: Framework
) -> None:
    path = make_return(tmp_path / "p.xlsx", framework, _typed(framework, {0: "2.5"}), POLICE)
    ret = read_return(path, framework)
    response = ret.responses[framework.rated_questions[0].id]
    assert (response.rating, response.rating_label, response.rating_raw) == (None, "", "2.5")
    [error] = [f for f in ret.findings if f.code is Code.RATING_BETWEEN_STEPS]
    assert "'2.5' falls between two steps" in error.message and error.cell
    assert str(ret.status) == "errors"


# --- the coordinator's ratings map --------------------------------------------------------------


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ratings-map.csv"
    path.write_text(text, encoding="utf-8")
    return path


MAP = (
    "Typed text,Scale label,Partner ID,Note\n"
    "Good,3 - Performs well,,Agreed by the coordinators\n"
    "Good,2,trust,The trust's 'good' is its minimum\n"
    "2.5,2 - Performs adequately,trust,Asked the trust\n"
)


def test_the_ratings_map_settles_text_and_a_partners_own_rule_wins(
    tmp_path: Path, framework: Framework
) -> None:
    rules = read_ratings_map(_map(tmp_path, MAP), framework, [POLICE, TRUST])
    assert [(r.typed, r.label, r.partner_id, r.line) for r in rules] == [
        ("Good", WELL, "", 2),
        ("Good", ADEQUATE, "trust", 3),
        ("2.5", ADEQUATE, "trust", 4),
    ]
    mapped = with_rules(framework, rules)
    answers = _typed(framework, {0: "Good", 1: "good", 2: "2.5"})
    police = read_return(make_return(tmp_path / "police.xlsx", framework, answers, POLICE), mapped)
    trust = read_return(make_return(tmp_path / "trust.xlsx", framework, answers, TRUST), mapped)
    q = [framework.rated_questions[i].id for i in range(3)]
    assert [police.responses[i].rating_label for i in q] == [WELL, WELL, ""]
    assert [trust.responses[i].rating_label for i in q] == [ADEQUATE, ADEQUATE, ADEQUATE]
    assert trust.responses[q[2]].rating_raw == "2.5"
    assert [f.code for f in police.findings if f.code is Code.RATING_BETWEEN_STEPS] == [
        Code.RATING_BETWEEN_STEPS
    ]
    [note] = [f for f in trust.findings if f.code is Code.RATING_MAPPED]
    assert note.params["count"] == "3 ratings" and "ratings-map.csv" in note.params["source"]
    assert str(trust.status) == "ok"
    # Without the map, the same file's "Good" is not read, as before.
    bare = read_return(tmp_path / "trust.xlsx", framework)
    assert bare.responses[q[0]].rating_label == ""


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("typed,rating\nGood,Very good\n", Code.RATINGS_MAP_BAD_RATING, "line 2, column 'rating'"),
        ("typed,rating\nGood,3\ngood,2\n", Code.RATINGS_MAP_CLASH, "line 3"),
        ("typed,rating\nGood,\n", Code.RATINGS_MAP_INCOMPLETE, "line 2"),
        ("typed,rating,partner_id\nGood,3,nobody\n", Code.RATINGS_MAP_PARTNER_UNKNOWN, "line 2"),
        ("text typed,label\nGood,3\n", Code.CSV_COLUMN_MISSING, "line 1"),
    ],
)
def test_a_bad_ratings_map_names_the_line(
    tmp_path: Path, framework: Framework, text: str, code: Code, where: str
) -> None:
    with pytest.raises(RatingsMapError) as caught:
        read_ratings_map(_map(tmp_path, text), framework, [POLICE])
    assert any(f.code is code and where in f.message for f in caught.value.findings), str(
        caught.value
    )


def test_the_same_text_for_two_partners_is_no_clash(tmp_path: Path, framework: Framework) -> None:
    text = "typed,rating,partner_id\nGood,3,police\nGood,2,trust\nGood,4,\n"
    rules = read_ratings_map(_map(tmp_path, text), framework, [POLICE, TRUST])
    assert len(rules) == 3


# --- text dates, once per file -------------------------------------------------------------------


def _dated(framework: Framework, dates: dict[int, object]) -> dict[str, dict[str, object]]:
    answers = full_answers(framework)
    for index, date in dates.items():
        answers[framework.rated_questions[index].id]["target_date"] = date
    return answers


def test_text_dates_are_kept_and_reported_once_per_file(
    tmp_path: Path, framework: Framework
) -> None:
    dates = {0: "TBC", 1: "ongoing", 2: "March 2027", 3: "TBC", 4: "31/03/27"}
    path = make_return(tmp_path / "p.xlsx", framework, _dated(framework, dates), POLICE)
    ret = read_return(path, framework)
    q = [framework.rated_questions[i].id for i in dates]
    assert [ret.responses[i].target_date for i in q] == [
        "TBC",
        "ongoing",
        "March 2027",
        "TBC",
        "2027-03-31",
    ]
    # One finding a cell, for scripts; the reports group them into one line a file.
    kept = [f for f in ret.findings if f.code is Code.DATE_UNPARSED]
    assert [f.params["raw"] for f in kept] == ["TBC", "ongoing", "March 2027", "TBC"]
    assert len({f.cell for f in kept}) == 4


def test_a_prefilled_text_date_unchanged_is_not_reported_again(
    tmp_path: Path, framework: Framework
) -> None:
    import pandas as pd

    q = [framework.rated_questions[i].id for i in range(3)]
    before = pd.DataFrame(
        {
            "partner_id": ["police"] * 3,
            "question_id": q,
            "target_date": ["TBC", "ongoing", "2027-03-31"],
        }
    )
    carried = with_carried_dates(framework, before)
    dates = {0: "TBC", 1: "ongoing until June", 2: "TBC"}  # 0 unchanged, 1 changed, 2 new
    path = make_return(tmp_path / "p.xlsx", framework, _dated(framework, dates), POLICE)
    ret = read_return(path, carried)
    kept = [f for f in ret.findings if f.code is Code.DATE_UNPARSED]
    assert [f.params["raw"] for f in kept] == ["ongoing until June", "TBC"]
    assert ret.responses[q[0]].target_date == "TBC"  # kept, only not reported
    all_carried = make_return(tmp_path / "q.xlsx", framework, _dated(framework, {0: "TBC"}), POLICE)
    assert not [
        f for f in read_return(all_carried, carried).findings if f.code is Code.DATE_UNPARSED
    ]


# --- agree reads by the same rules ---------------------------------------------------------------


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A comparison whose Agreed sheet the board typed 'Adequate', '2.5', 'Good' and 'N/A' in."""
    from openpyxl import load_workbook

    from lsp_xlsx.compare import agreed_contract as A

    out = tmp_path_factory.mktemp("workshop")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--partners", "4"])
    assert result.exit_code in (0, 1), result.output
    wb = load_workbook(out / "comparison.xlsx")
    ws = wb[A.SHEET]
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: c.column for c in ws[header]}
    for offset, typed in enumerate(["Adequate", "2.5", "Good", "N/A"]):
        ws.cell(row=header + 1 + offset, column=col["Agreed rating"]).value = typed
    wb.save(out / "workshop.xlsx")
    return out / "workshop.xlsx"


def test_agree_reads_synonyms_and_refuses_to_round(workshop: Path, framework: Framework) -> None:
    from lsp_xlsx.board.agree import read_agreed

    agreed = read_agreed(workshop, framework)
    labels = [(r.agreed_raw, r.agreed_label) for r in agreed.rows[:4]]
    assert labels == [("Adequate", ADEQUATE), ("2.5", ""), ("Good", ""), ("N/A", NA)]
    codes = [f.code for f in agreed.findings]
    assert codes.count(Code.RATING_SYNONYM) == 1
    assert Code.RATING_BETWEEN_STEPS in codes and Code.RATING_UNRECOGNISED in codes


def test_agree_takes_the_ratings_map(tmp_path: Path, workshop: Path) -> None:
    ratings_map = _map(tmp_path, "typed,rating\nGood,3 - Performs well\n2.5,3\n")
    out = tmp_path / "agreed"
    args = ["agree", str(workshop), "-o", str(out), "--ratings-map", str(ratings_map)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    import pandas as pd

    table = pd.read_csv(out / "agreed.csv", dtype=str, keep_default_na=False)
    first = table.head(4)
    assert list(first["agreed_label"]) == [ADEQUATE, WELL, WELL, NA]
    assert list(first["agreed_raw"]) == ["Adequate", "2.5", "Good", "N/A"]
