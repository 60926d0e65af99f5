"""Several respondents per partner (issue 25 items 1 and 2): partners.csv rows sharing a
partner_id, one personalised copy each, mail/status/remind per person, returns read per
person (newest-wins per person, matching by "Start here", a respondent of its own)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import PartnersError
from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner, PartnerList, load_partners
from lsp_xlsx.returns.batch import check
from lsp_xlsx.returns.model import CheckResult, Return, Status
from lsp_xlsx.returns.verify import issued_copies
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.manifest import MANIFEST_NAME, read_manifest
from tests.fill import full_answers, set_answers, set_start
from tests.test_send import PASSWORD, Inbox, smtp_server  # noqa: F401  (the loopback server)

HEADER = "partner_id,name,sector,contact_name,email,role\n"
ROWS = (
    "council,North Shire Council,Local government,Jane Smith,jane@council.example,Chief Executive\n"
    "council,,,Raj Patel,raj@council.example,Head of Partnerships\n"
    "council,North Shire Council,,Ann Lee,ann@council.example,\n"
    "police,North Shire Police,Police,Sam Ode,sam@police.example,Superintendent\n"
    "police,North Shire Police,Police,Kim Wu,kim@police.example,Analyst\n"
    "fire,North Shire Fire,Fire,Bo Grant,bo@fire.example,\n"
)
# The loopback server asks for AUTH without TLS on purpose: it never leaves this machine.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
SETTINGS = BuildSettings(deadline=dt.date(2027, 3, 31), contact="Jo Bloggs, jo@lsp.example")


def _partners(tmp_path: Path, text: str = HEADER + ROWS) -> Path:
    path = tmp_path / "partners.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _ids(partners: PartnerList) -> dict[str, str]:
    return {p.contact_name: p.respondent_id for p in partners.respondents}


def _messages(path: Path) -> list[str]:
    with pytest.raises(PartnersError) as raised:
        load_partners(path)
    return [p.message for p in raised.value.findings]


# --- partners.csv ------------------------------------------------------------------------------


def test_rows_sharing_a_partner_id_are_its_respondents(tmp_path: Path) -> None:
    partners = load_partners(_partners(tmp_path))
    assert [p.partner_id for p in partners] == ["council", "police", "fire"]
    council, police, fire = partners
    assert [p.contact_name for p in council.respondents] == ["Jane Smith", "Raj Patel", "Ann Lee"]
    assert len(police.respondents) == 2 and fire.respondents == ()
    assert fire.respondent_id == "" and fire.people == (fire,)  # one row: as before
    raj = council.respondents[1]
    assert (raj.name, raj.sector, raj.role) == (
        "North Shire Council",
        "Local government",
        "Head of Partnerships",
    )
    ids = [p.respondent_id for p in partners.respondents]
    assert len(set(ids)) == 6 and ids[-1] == ""  # fire has none
    assert "role" not in partners.extra_columns and not partners.warnings


def test_made_ids_stay_the_same_when_rows_are_added_or_moved(tmp_path: Path) -> None:
    before = _ids(load_partners(_partners(tmp_path)))
    lines = ROWS.splitlines(keepends=True)
    added = "council,North Shire Council,,Zoe New,zoe@council.example,\n"
    moved = HEADER + added + "".join(reversed(lines[:3])) + "".join(lines[3:])
    after = _ids(load_partners(_partners(tmp_path, moved)))
    assert {k: after[k] for k in before} == before
    assert after["Zoe New"] not in before.values()


def test_a_given_respondent_id_is_kept_and_a_duplicate_names_its_line(tmp_path: Path) -> None:
    text = (
        "partner_id,name,contact_name,email,respondent_id\n"
        "council,Council,Jane,jane@c.example,ceo\n"
        "council,Council,Raj,raj@c.example,\n"
        "police,Police,Sam,sam@p.example,ceo\n"  # another partner may use the same id
    )
    partners = load_partners(_partners(tmp_path, text))
    assert partners.respondents[0].respondent_id == "ceo"
    assert partners.respondents[2].key == "police/ceo"
    text += "council,Council,Ann,ann@c.example,CEO\n"
    assert _messages(_partners(tmp_path, text)) == [
        "partners.csv, line 5, column 'respondent_id': the respondent id 'CEO' of 'Council' is "
        "used again (first on line 2). Give each respondent of a partner its own "
        "respondent_id, or leave it empty to have one made."
    ]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (
            "council,North Shire Council,,Jane again,JANE@council.example,\n",
            "line 8, column 'email': 'JANE@council.example' is listed again as a respondent of "
            "'North Shire Council' (first on line 2). Delete one of the lines.",
        ),
        (
            "council,North Shire Council,Health,Zoe,zoe@council.example,\n",
            "line 8, column 'sector': this row of 'North Shire Council' gives the sector "
            "'Health', but line 2 gives 'Local government'.",
        ),
        (
            "police,Police Scotland,,Zoe,zoe@police.example,\n",
            "line 8, column 'partner_id': the partner id 'police' is used again (first on line 5)",
        ),
    ],
)
def test_rows_that_cannot_be_respondents_are_errors(tmp_path: Path, row: str, words: str) -> None:
    messages = _messages(_partners(tmp_path, HEADER + ROWS + row))
    assert len(messages) == 1 and words in messages[0]


def test_a_respondent_with_nothing_to_make_an_id_from_is_warned(tmp_path: Path) -> None:
    text = HEADER + ROWS + "fire,North Shire Fire,,,,\n"
    partners = load_partners(_partners(tmp_path, text))
    assert [p.respondent_id for p in partners[2].respondents][1] == "r2"
    assert [w.code for w in partners.warnings] == [Code.PARTNERS_RESPONDENT_BY_ORDER]


# --- build --partners ----------------------------------------------------------------------------


@pytest.fixture
def partners(tmp_path: Path) -> PartnerList:
    return load_partners(_partners(tmp_path))


@pytest.fixture
def copies(tmp_path: Path, framework: Framework, partners: PartnerList) -> Path:
    out = tmp_path / "to-send"
    build_for_partners(framework, partners, out, SETTINGS)
    return out


def _meta(wb: Workbook) -> dict[str, Any]:
    return {r[0].value: r[1].value for r in wb[C.META_SHEET].iter_rows(min_row=2)}


def _start(wb: Workbook) -> dict[str, Any]:
    return {r[0].value: r[1].value for r in wb[C.START_SHEET].iter_rows() if r[0].value}


def _cells(wb: Workbook) -> dict[str, list[Any]]:
    return {ws.title: [c.value for row in ws.iter_rows() for c in row] for ws in wb.worksheets}


def test_one_personalised_copy_per_respondent(
    copies: Path, partners: PartnerList, framework: Framework
) -> None:
    assert sorted(p.name for p in copies.glob("*.xlsx")) == [
        "north-shire-council-ann-lee.xlsx",
        "north-shire-council-jane-smith.xlsx",
        "north-shire-council-raj-patel.xlsx",
        "north-shire-fire.xlsx",
        "north-shire-police-kim-wu.xlsx",
        "north-shire-police-sam-ode.xlsx",
    ]
    manifest = read_manifest(copies)
    raj = partners.respondents[1]
    entry = manifest[raj.key]
    assert (entry.respondent_id, entry.respondent) == (raj.respondent_id, "Raj Patel")
    wb = load_workbook(entry.path)
    meta = _meta(wb)
    assert meta["contract_version"] == "4" and meta["copy_id"] == entry.copy_id
    assert (meta["respondent_id"], meta["respondent_name"], meta["respondent_email"]) == (
        raj.respondent_id,
        "Raj Patel",
        "raj@council.example",
    )
    start = _start(wb)
    assert (start["Your name"], start["Your role"], start["E-mail"]) == (
        "Raj Patel",
        "Head of Partnerships",
        "raj@council.example",
    )
    assert start["Organisation"] == "North Shire Council" and start["Partner ID"] == "council"
    fire = load_workbook(manifest["fire"].path)  # one respondent: as before respondents
    assert _meta(fire)["respondent_id"] is None and _start(fire)["Your name"] is None
    # Every copy, patched from a template, equals one built directly for that person.
    for person in partners.respondents:
        made = manifest[person.key]
        buffer = io.BytesIO()
        build_workbook(framework, person, SETTINGS, made.built_at, made.copy_id).save(buffer)
        assert _cells(load_workbook(made.path)) == _cells(load_workbook(buffer)), person.key


# --- returns per respondent ------------------------------------------------------------------


def _fill(copy: Path, target: Path, framework: Framework, rating: str, **start: Any) -> Path:
    wb = load_workbook(copy)
    set_answers(wb, framework, full_answers(framework, rating))
    set_start(wb, **start)
    return save_workbook(wb, target)


def _old_style(framework: Framework, partners: PartnerList, pid: str) -> Workbook:
    """A workbook as the builder made it before respondents: contract 3, no respondent keys."""
    partner = next(p for p in partners if p.partner_id == pid)
    wb = build_workbook(framework, Partner(partner.partner_id, partner.name), SETTINGS)
    ws = wb[C.META_SHEET]
    for row in range(ws.max_row, 1, -1):
        if str(ws.cell(row=row, column=1).value).startswith("respondent_"):
            ws.delete_rows(row)
        elif ws.cell(row=row, column=1).value == "contract_version":
            ws.cell(row=row, column=2).value = "3"
    set_answers(wb, framework, full_answers(framework, "2 - Performs adequately"))
    return wb


@pytest.fixture
def returns(tmp_path: Path, copies: Path, framework: Framework) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    ratings = ["1 - Performs poorly", "2 - Performs adequately", "4 - Performs excellently"]
    council = sorted(copies.glob("north-shire-council-*.xlsx"))
    for copy, rating in zip(council, ratings, strict=True):
        _fill(copy, folder / copy.name, framework, rating, completed=dt.datetime(2027, 3, 20))
    _fill(copies / "north-shire-police-sam-ode.xlsx", folder / "sam.xlsx", framework, ratings[1])
    return folder


def _check(
    folder: Path, framework: Framework, partners: PartnerList, copies: Path | None = None
) -> CheckResult:
    issued = issued_copies(copies / MANIFEST_NAME) if copies else None
    return check([folder], framework, partners=partners, issued=issued)


def _by_file(result: CheckResult) -> dict[str, Return]:
    return {r.path.name: r for r in result.returns}


def test_each_respondents_return_counts_none_superseded(
    returns: Path, partners: PartnerList, copies: Path, framework: Framework
) -> None:
    result = _check(returns, framework, partners, copies)
    assert len(result.counted) == 4 and result.counts()["superseded"] == 0
    assert all(r.identity_verified and r.status is Status.OK for r in result.returns)
    people = {p.key: p for p in partners.respondents}
    for ret in result.returns:
        assert f"{ret.partner_id}/{ret.respondent_id}" in people
    assert len({r.respondent_id for r in result.returns if r.partner_id == "council"}) == 3


def test_newest_wins_per_respondent_only(
    returns: Path, partners: PartnerList, copies: Path, framework: Framework
) -> None:
    jane = copies / "north-shire-council-jane-smith.xlsx"
    _fill(
        jane,
        returns / "jane-v2.xlsx",
        framework,
        "3 - Performs well",
        completed=dt.datetime(2027, 3, 25),
    )
    result = _check(returns, framework, partners, copies)
    by_file = _by_file(result)
    old = by_file["north-shire-council-jane-smith.xlsx"]
    assert old.status is Status.SUPERSEDED and old.superseded_by == returns / "jane-v2.xlsx"
    (why,) = [f.message for f in old.findings if f.code is Code.SUPERSEDED]
    assert "another return from 'North Shire Council (Jane Smith)' is newer" in why
    assert [r.path.name for r in result.returns if r.status is Status.SUPERSEDED] == [old.path.name]


def test_an_old_workbook_reads_as_the_partners_single_respondent(
    tmp_path: Path, partners: PartnerList, framework: Framework
) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    draft = _old_style(framework, partners, "fire")
    set_start(draft, completed=dt.datetime(2027, 3, 1))
    save_workbook(draft, folder / "fire-draft.xlsx")
    final = _old_style(framework, partners, "fire")
    set_start(final, completed=dt.datetime(2027, 3, 9), respondent="Bo Grant")
    save_workbook(final, folder / "fire.xlsx")
    result = _check(folder, framework, partners)
    by_file = _by_file(result)
    assert by_file["fire.xlsx"].counts and by_file["fire.xlsx"].respondent_id == ""
    assert by_file["fire-draft.xlsx"].status is Status.SUPERSEDED  # one person: newest wins
    codes = {f.code for r in result.returns for f in r.findings}
    assert not codes & {Code.RESPONDENT_MATCHED, Code.RESPONDENT_OWN}


def test_a_return_without_respondent_is_matched_by_start_here(
    tmp_path: Path, returns: Path, partners: PartnerList, copies: Path, framework: Framework
) -> None:
    # Raj fills in an old (pre-respondents) copy of the council's workbook: his e-mail
    # typed on Start here says who he is.
    old = _old_style(framework, partners, "council")
    set_start(old, respondent="R. Patel", email="RAJ@council.example")
    save_workbook(old, returns / "council-old.xlsx")
    # Someone not in partners.csv fills in the blank workbook for the police.
    blank = build_workbook(framework, settings=SETTINGS)
    set_answers(blank, framework, full_answers(framework))
    set_start(blank, organisation="North Shire Police", respondent="Pat Stranger")
    save_workbook(blank, returns / "police-blank.xlsx")
    raj_copy = returns / "north-shire-council-raj-patel.xlsx"
    raj_data = raj_copy.read_bytes()
    raj_copy.unlink()
    result = check([returns], framework, partners=partners)
    by_file = _by_file(result)
    raj = partners.respondents[1]
    matched = by_file["council-old.xlsx"]
    assert (matched.partner_id, matched.respondent_id) == ("council", raj.respondent_id)
    assert [f.code for f in matched.findings if f.code.name.startswith("RESPONDENT")] == [
        Code.RESPONDENT_MATCHED
    ]
    assert matched.counts and len([r for r in result.counted if r.partner_id == "council"]) == 3
    # With Raj's own copy back, the one without a copy id is held for his (it may be a
    # forgery), not for Jane's or Ann's, which still count.
    raj_copy.write_bytes(raj_data)
    again = _by_file(check([returns], framework, partners=partners))
    assert again["council-old.xlsx"].status is Status.HELD
    (held,) = [f for f in again["council-old.xlsx"].findings if f.code.name.endswith("HELD")]
    assert raj_copy.name in held.message and "jane" not in held.message
    assert again["north-shire-council-jane-smith.xlsx"].counts
    stranger = by_file["police-blank.xlsx"]
    assert stranger.counts and stranger.partner_id == "police"
    assert stranger.respondent_id.startswith("u-")
    (own,) = [f for f in stranger.findings if f.code is Code.RESPONDENT_OWN]
    assert "('Pat Stranger')" in own.message and stranger.respondent_id in own.message
    # The same file gives the same id in every run.
    assert again["police-blank.xlsx"].respondent_id == stranger.respondent_id
    assert len([r for r in result.counted if r.partner_id == "police"]) == 2


def test_without_partners_csv_returns_naming_respondents_are_kept_apart(
    returns: Path, framework: Framework
) -> None:
    result = check([returns], framework)
    assert len(result.counted) == 4 and result.counts()["superseded"] == 0


def test_the_comparison_keeps_every_respondents_rows(
    returns: Path, partners: PartnerList, framework: Framework
) -> None:
    from lsp_xlsx.compare.tables import collate

    result = check([returns], framework, partners=partners)
    comparison = collate(result.counted, framework, partners)
    tidy = comparison.responses
    council = tidy[tidy["partner_id"] == "council"]
    assert council["respondent_id"].nunique() == 3
    assert len(council) == 3 * len(framework.questions)


# --- mail, status and remind per respondent ----------------------------------------------------


def _smtp(port: int) -> list[str]:
    return [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--security",
        "none",
        "--smtp-user",
        "lsp",
        "--from",
        "lsp@lsp.example",
        "--delay",
        "0",
    ]


def test_mail_status_and_remind_address_each_person(
    smtp_server: tuple[Inbox, int],  # noqa: F811
    tmp_path: Path,
    copies: Path,
    returns: Path,
) -> None:
    inbox, port = smtp_server
    partners_csv = tmp_path / "partners.csv"
    env = {"LSP_XLSX_SMTP_PASSWORD": PASSWORD}
    args = ["mail", "--partners", str(partners_csv), "--dir", str(copies), *_smtp(port)]
    sent = CliRunner().invoke(cli, args, env=env)
    assert sent.exit_code == 0, sent.output
    got = {next(iter(to)): m for to, m in inbox.messages}
    assert sorted(got) == sorted(
        f"{n}@{d}.example"
        for n, d in [
            ("jane", "council"),
            ("raj", "council"),
            ("ann", "council"),
            ("sam", "police"),
            ("kim", "police"),
            ("bo", "fire"),
        ]
    )
    (attached,) = list(got["kim@police.example"].iter_attachments())
    assert attached.get_filename() == "north-shire-police-kim-wu.xlsx"
    assert got["kim@police.example"]["To"] == "Kim Wu <kim@police.example>"
    log = list(csv.DictReader(io.StringIO((copies / "sent.csv").read_text(encoding="utf-8"))))
    assert len({(r["partner_id"], r["respondent_id"]) for r in log}) == 6
    status = ["status", str(returns), "--partners", str(partners_csv), "--dir", str(copies)]
    shown = CliRunner().invoke(cli, [*status, "--today", "2027-04-02"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    jane = next(line for line in lines if line.startswith("North Shire Council (Jane Smith)"))
    assert "returned" in jane and "north-shire-council-jane-smith.xlsx" in jane
    kim = next(line for line in lines if line.startswith("North Shire Police (Kim Wu)"))
    assert "not returned" in kim and "2 days overdue" in kim
    assert lines[-1] == "4 of 6 returned, 0 incomplete, 2 outstanding (2 overdue)"
    inbox.messages.clear()
    reminded = CliRunner().invoke(
        cli, [*status, "--today", "2027-04-02", "--remind", *_smtp(port)], env=env
    )
    assert reminded.exit_code == 0, reminded.output
    assert sorted(to[0] for to, _ in inbox.messages) == ["bo@fire.example", "kim@police.example"]
    (again,) = [m for to, m in inbox.messages if to == ["kim@police.example"]]
    (attached,) = list(again.iter_attachments())
    assert attached.get_filename() == "north-shire-police-kim-wu.xlsx"


def test_check_lists_each_respondent(returns: Path, tmp_path: Path) -> None:
    partners_csv = tmp_path / "partners.csv"
    shown = CliRunner().invoke(cli, ["check", str(returns), "--partners", str(partners_csv)])
    lines = shown.output.splitlines()
    for name in ("Jane Smith", "Raj Patel", "Ann Lee"):
        assert any(f"North Shire Council (council): {name}" in line for line in lines), name
    args = ["check", str(returns), "--partners", str(partners_csv), "--format", "json"]
    files = json.loads(CliRunner().invoke(cli, args).output)["files"]
    assert len({f["respondent_id"] for f in files}) == 4


def test_a_copy_for_a_person_no_longer_listed_still_counts_with_a_warning(
    returns: Path, tmp_path: Path, framework: Framework
) -> None:
    # partners.csv now lists the council on one row: Raj's, Jane's and Ann's copies still
    # count, each as its own respondent, each with a warning naming the id to add back.
    shorter = HEADER + ROWS.splitlines(keepends=True)[0] + "".join(ROWS.splitlines(True)[3:])
    partners = load_partners(_partners(tmp_path, shorter))
    result = check([returns], framework, partners=partners)
    council = [r for r in result.returns if r.partner_id == "council"]
    assert len(council) == 3 and all(r.counts for r in council)
    for ret in council:
        (unknown,) = [f for f in ret.findings if f.code is Code.RESPONDENT_UNKNOWN]
        assert ret.respondent_id in unknown.message
