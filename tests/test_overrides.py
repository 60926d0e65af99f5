"""The coordinator's overrides (issue 23, item 5): decisions about returns, applied and listed,
and never written into a partner's file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.batch import discover
from lsp_xlsx.returns.overrides import OverridesError, load_overrides
from lsp_xlsx.workbook import contract as C
from tests.fill import full_answers, make_return

PARTNERS = [
    Partner("police", "North Shire Police"),
    Partner("fire", "North Shire Fire"),
    Partner("trust", "North Shire Hospital Trust"),
    Partner("council", "North Shire Council"),
]
OVERRIDES = (
    "action,file,partner_id,respondent_id,typed,rating,note\n"
    "accept-as,Book1.xlsx,trust,,,,Saved by Numbers without its identity; the trust confirmed\n"
    "exclude,council-draft.xlsx,,,,,A draft sent by mistake\n"
    "accept-late,fire.xlsx,,,,,The board agreed on 2 April to accept it\n"
    "map-rating,,trust,,Satisfactory,2 - Performs adequately,Asked the trust\n"
)


def _strip_identity(wb: object) -> None:
    """What another spreadsheet program does: the hidden meta sheet gone, Start here blank."""
    del wb[C.META_SHEET]  # type: ignore[index]


def _sha(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def returns(tmp_path: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    by_id = {p.partner_id: p for p in PARTNERS}
    answers = full_answers(framework)
    make_return(folder / "police.xlsx", framework, answers, by_id["police"])
    make_return(folder / "fire.xlsx", framework, answers, by_id["fire"])
    make_return(folder / "council.xlsx", framework, answers, by_id["council"])
    draft = full_answers(framework, "1 - Performs poorly")
    make_return(folder / "council-draft.xlsx", framework, draft, by_id["council"])
    trust = full_answers(framework)
    trust[framework.rated_questions[0].id]["rating"] = "Satisfactory"
    make_return(folder / "Book1.xlsx", framework, trust, None, edit=_strip_identity)
    (folder / "overrides.csv").write_text(OVERRIDES, encoding="utf-8")
    partners = tmp_path / "partners.csv"
    partners.write_text(
        "partner_id,name\n" + "".join(f"{p.partner_id},{p.name}\n" for p in PARTNERS),
        encoding="utf-8",
    )
    return folder


def _about(path: Path) -> dict[str, str]:
    ws = load_workbook(path)["About"]
    return {str(r[0].value): str(r[1].value) for r in ws.iter_rows() if r[0].value and r[1].value}


def test_overrides_accept_exclude_and_accept_late_and_are_listed(
    tmp_path: Path, returns: Path
) -> None:
    before = _sha(returns)
    out = tmp_path / "out" / "comparison.xlsx"
    args = ["collate", str(returns), "--partners", str(tmp_path / "partners.csv"), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _sha(returns) == before  # every partner's file, and overrides.csv, byte for byte
    tidy = pd.read_csv(out.with_name("responses.csv"), dtype=str, keep_default_na=False)
    assert sorted(set(tidy["partner_id"])) == ["council", "fire", "police", "trust"]
    trust = tidy[tidy["partner_id"] == "trust"]
    assert set(trust["partner"]) == {"North Shire Hospital Trust"}
    first = trust.iloc[0]
    assert (first["rating_label"], first["rating_raw"]) == (
        "2 - Performs adequately",
        "Satisfactory",
    )
    # The draft is left out: council's ratings are the final return's 3s, not the draft's 1s.
    council = tidy[(tidy["partner_id"] == "council") & (tidy["rating"] != "")]
    assert set(council["rating"]) == {"3"}
    decisions = [v for k, v in _about(out).items() if k.startswith("Coordinator's decision")]
    assert len(decisions) == 4
    joined = "\n".join(decisions)
    assert "Book1.xlsx accepted as the return of North Shire Hospital Trust (trust)" in joined
    assert "the trust confirmed" in joined
    assert "council-draft.xlsx left out of the run" in joined and "A draft sent" in joined
    assert "fire.xlsx counted although late" in joined and "agreed on 2 April" in joined
    assert "'Satisfactory' typed by partner trust means '2 - Performs adequately'" in joined
    assert "override-applied" not in result.output or "Book1.xlsx" in result.output
    assert "overrides.csv" not in [p.name for p in discover([returns])[0]]


def test_the_decisions_are_reported_in_check_json(tmp_path: Path, returns: Path) -> None:
    partners = str(tmp_path / "partners.csv")
    result = CliRunner().invoke(
        cli, ["check", str(returns), "--partners", partners, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    applied = [f for f in data["findings"] if f["code"] == "override-applied"]
    named = sorted(Path(f["file"]).name for f in applied)
    assert named == ["Book1.xlsx", "council-draft.xlsx", "fire.xlsx"]
    assert "council-draft.xlsx" not in json.dumps(data.get("files", data.get("returns", [])))


def test_an_override_that_matches_nothing_is_an_error(tmp_path: Path, returns: Path) -> None:
    given = tmp_path / "decisions.csv"
    given.write_text(
        "action,file,partner_id,respondent_id,typed,rating,note\n"
        "exclude,no-such-file.xlsx,,,,,\n"
        "map-rating,,fire,,Fine,3,\n"
        "accept-late,fire.xlsx,,,,,Agreed\n",
        encoding="utf-8",
    )
    partners = str(tmp_path / "partners.csv")
    args = ["check", str(returns), "--partners", partners, "--overrides", str(given)]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output[result.output.index("{") :])
    misses = [f for f in data["findings"] if f["code"] == "override-no-match"]
    assert [f["message"].split(":")[0] for f in misses] == ["decisions.csv, line 2"]
    # overrides.csv in the folder is not used when --overrides is given, and says so.
    result = CliRunner().invoke(cli, args)
    assert "overrides.csv was not used" in result.output


def test_an_override_by_sha256_matches_the_file(
    tmp_path: Path, returns: Path, framework: Framework
) -> None:
    digest = hashlib.sha256((returns / "Book1.xlsx").read_bytes()).hexdigest()
    (returns / "overrides.csv").write_text(
        f"action,file,partner_id,respondent_id,typed,rating,note\naccept-as,{digest.upper()},"
        "trust,ward-7,,,By fingerprint\n",
        encoding="utf-8",
    )
    from lsp_xlsx.workflow import check_returns

    result = check_returns([returns], framework)
    [book] = [r for r in result.returns if r.path.name == "Book1.xlsx"]
    assert (book.partner_id, book.respondent_id, book.identity_verified) == (
        "trust",
        "ward-7",
        True,
    )
    assert result.decisions and "respondent ward-7" in result.decisions[0]


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("approve,x.xlsx,,,,,", Code.OVERRIDE_BAD_ACTION),
        ("accept-as,x.xlsx,,,,,", Code.OVERRIDE_INCOMPLETE),
        ("exclude,,,,,,", Code.OVERRIDE_INCOMPLETE),
        ("accept-as,x.xlsx,nobody,,,,", Code.OVERRIDE_NO_MATCH),
        ("map-rating,,trust,,Fine,Very fine,", Code.RATINGS_MAP_BAD_RATING),
    ],
)
def test_a_bad_override_line_is_an_error_naming_it(
    tmp_path: Path, framework: Framework, row: str, code: Code
) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(f"action,file,partner_id,respondent_id,typed,rating,note\n{row}\n", "utf-8")
    with pytest.raises(OverridesError) as caught:
        load_overrides(path, framework, PARTNERS)
    assert any(f.code is code and "line 2" in f.message for f in caught.value.findings)


def test_accept_as_lifts_a_hold_on_who_sent_it(tmp_path: Path, framework: Framework) -> None:
    """Fire edits its copy to claim to be the police: both police claims are held, as
    identity-conflict, until the coordinator says whose each file is."""
    from openpyxl import load_workbook as load

    from lsp_xlsx.core.files import save_workbook
    from lsp_xlsx.workbook.build import BuildSettings
    from lsp_xlsx.workbook.copies import build_for_partners
    from lsp_xlsx.workbook.fill import fill_answers
    from lsp_xlsx.workflow import check_returns

    sent = tmp_path / "to-send"
    build_for_partners(framework, PARTNERS[:2], sent, BuildSettings())
    folder = tmp_path / "returns"
    folder.mkdir()
    for name, claims in (("north-shire-police.xlsx", None), ("north-shire-fire.xlsx", "police")):
        wb = load(sent / name)
        fill_answers(wb, framework, full_answers(framework))
        if claims:
            for row in wb[C.META_SHEET].iter_rows():
                if row[0].value == "partner_id":
                    row[1].value = claims
        save_workbook(wb, folder / name)
    held = check_returns([folder], framework)
    assert [str(r.status) for r in held.returns] == ["held", "held"]
    (folder / "overrides.csv").write_text(
        "action,file,partner_id,respondent_id,typed,rating,note\n"
        "accept-as,north-shire-fire.xlsx,fire,,,,Fire's clerk typed the wrong id\n"
        "accept-as,north-shire-police.xlsx,police,,,,\n",
        encoding="utf-8",
    )
    result = check_returns([folder], framework)
    assert [(r.partner_id, r.counts) for r in result.returns] == [("fire", True), ("police", True)]
    fire = result.returns[0]
    assert str(fire.status) == "warnings"  # the edited id on Start here is still reported
    assert Code.IDENTITY_EDITED in [f.code for f in fire.findings]
    assert "lifting its hold (identity-conflict)" in result.decisions[0]
    assert result.exit_code == 0
