"""Synthetic, seeded partner returns: see the whole workflow without real data.

:func:`make_demo` builds the workbook, writes ``partners.csv`` and N filled returns for
realistic partners (a council, police, NHS, fire, the voluntary sector and so on), then
collates them. It always includes a late partner (no return), a partial return, a
typed-over rating and a superseded draft, so every sheet has something to show.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lsp_xlsx.core.files import save_workbook, write_csv
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import (
    PARTNER_COLUMNS,
    Partner,
    people_of,
    respondent_id_for,
    unique_filenames,
)
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.fill import fill_workbook

_PARTNERS = [
    ("council", "North Shire County Council", "Local government", "Priya Shah"),
    ("borough", "Northtown Borough Council", "Local government", "Tom Hughes"),
    ("police", "North Shire Police", "Police", "Ch Supt Alan Reid"),
    ("fire", "North Shire Fire and Rescue Service", "Fire and rescue", "Grace Okafor"),
    ("icb", "NHS North Shire Integrated Care Board", "Health", "Dr Helen Marsh"),
    ("community-health", "North Shire Community Health NHS Trust", "Health", "Sunil Patel"),
    ("vans", "Voluntary Action North Shire", "Voluntary sector", "Maggie O'Neill"),
    ("chamber", "North Shire Chamber of Commerce", "Business", "Rob Ellis"),
    ("college", "Northtown College", "Education", "Fatima Begum"),
    ("housing", "North Shire Housing Partnership", "Housing", "Dan Kowalski"),
    ("jobcentre", "Jobcentre Plus North Shire", "Central government", "Linda Carter"),
    ("probation", "North Shire Probation Service", "Justice", "Owen Price"),
    ("faith", "Northtown Faith Forum", "Voluntary sector", "Revd Ann Walsh"),
    ("youth", "North Shire Youth Council", "Voluntary sector", "Jordan Lee"),
    ("environment", "Environment Agency North Shire Area", "Central government", "Ruth Evans"),
    (
        "sport",
        "North Shire Sport and Physical Activity Partnership",
        "Voluntary sector",
        "Ben Adeyemi",
    ),
]
_ROLES = [
    "Director of Strategy",
    "Head of Partnerships",
    "Chief Executive",
    "Policy Manager",
    "Board member",
]
_DOCS = [
    "sustainable community strategy",
    "LAA delivery plan",
    "partnership performance report",
    "board's annual review",
    "joint strategic needs assessment",
    "partnership risk register",
    "resource mapping exercise",
    "terms of reference",
]
#: Evidence sentences, with {doc}, {month}, {year} and {day} to fill in.
EVIDENCE = [
    "The {doc} (agreed {month} {year}) sets this out, and board minutes of {day} {month} record "
    "how partners reviewed progress against it. Some partners were not present at that meeting.",
    "Quarterly reports to the board track this through the {doc}. Our organisation contributes "
    "data, but we have not yet seen the results used to change priorities.",
    "We rely on the {doc}, last refreshed in {month} {year}. It is fit for purpose but needs "
    "updating to reflect the new LAA targets and the views of community groups.",
    "Discussed at the executive group in {month} {year}; actions are recorded in the {doc}. "
    "Evidence of impact on outcomes for local people is still limited.",
    "Partly: the {doc} covers it for statutory partners, but voluntary and community sector "
    "members are not consistently involved, as our own forum has pointed out.",
]
#: Where partners say the evidence can be found.
EVIDENCE_SOURCES = [
    "Board minutes",
    "LSP website",
    "Performance report Q3",
    "Internal audit report",
    "Partnership handbook",
]
_ACTIONS = [
    "Refresh the {doc} with all partners and report to the board",
    "Agree a shared approach to this and add it to the {doc}",
    "Commission an independent review and bring findings to the board",
    "Set up a task-and-finish group to close the gap",
]
_LEADS = [
    "Head of Partnerships",
    "LSP Manager",
    "Director of Strategy",
    "Performance Lead",
    "Board Chair",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "September",
    "October",
    "November",
]


#: The three levels joint working happens at, in the source's words: who sits where.
_LEVELS = {
    "council": "strategic",
    "police": "strategic",
    "icb": "strategic",
    "fire": "strategic",
    "borough": "executive",
    "community-health": "executive",
    "housing": "executive",
    "jobcentre": "executive",
    "probation": "executive",
    "environment": "executive",
}
#: Partners that several people answer for (issue 25): the council three, the police two.
#: The first of each is the partner's contact above.
_RESPONDENTS = {
    "council": [
        ("Priya Shah", "Chief Executive"),
        ("Mark Douglas", "Head of Partnerships"),
        ("Aisha Khan", "Director of Public Health"),
    ],
    "police": [("Ch Supt Alan Reid", "Superintendent"), ("Kerry Nolan", "Performance Analyst")],
}
#: The board sees its own work more kindly than the front line does.
_LEVEL_BIAS = {"strategic": 0.25, "executive": 0.0, "operational": -0.25}


def demo_partners(count: int) -> list[Partner]:
    """``count`` realistic partners; beyond the named ones, numbered community groups."""
    partners = []
    for i in range(count):
        if i < len(_PARTNERS):
            pid, name, sector, contact = _PARTNERS[i]
        else:
            pid, name, sector, contact = (
                f"group-{i + 1}",
                f"North Shire Community Group {i + 1}",
                "Voluntary sector",
                f"Contact {i + 1}",
            )
        email = f"{contact.split()[-1].casefold().replace(chr(39), '')}@{pid}.example.org"
        level = (("level", _LEVELS.get(pid, "operational")),)
        partner = Partner(pid, name, sector, contact, email, extra=level)
        partners.append(_with_respondents(partner))
    return partners


def _with_respondents(partner: Partner) -> Partner:
    """The partner with its respondents, for the partners in :data:`_RESPONDENTS`; their
    ids are made as load_partners makes them, so partners.csv read back gives the same."""
    people = []
    for position, (name, role) in enumerate(_RESPONDENTS.get(partner.partner_id, []), start=1):
        email = f"{name.split()[-1].casefold()}@{partner.partner_id}.example.org"
        person = replace(partner, contact_name=name, email=email, role=role)
        people.append(replace(person, respondent_id=respondent_id_for(person, position)[0]))
    return replace(partner, respondents=tuple(people)) if people else partner


def _answers(
    framework: Framework, rng: random.Random, bias: float, base: dict[str, float], themes: int
) -> dict[str, dict[str, Any]]:
    labels = {o.score: o.label for o in framework.scale if o.score is not None}
    unscored = [o.label for o in framework.scale if o.score is None]
    low, high = min(labels), max(labels)
    answers: dict[str, dict[str, Any]] = {}
    for theme in framework.themes[:themes]:
        for q in theme.rated_questions:
            roll = rng.random()
            if roll < 0.05 and unscored:
                label = unscored[0]
                score = None
            elif roll < 0.07 and len(unscored) > 1:
                label = unscored[1]
                score = None
            else:
                score = min(
                    high,
                    max(low, round(base[q.id] + bias + rng.gauss(0, 0.6 * _spread(framework)))),
                )
                label = labels[score]
            fill = {
                "month": rng.choice(_MONTHS),
                "year": rng.choice([2025, 2026]),
                "day": rng.randint(1, 28),
                "doc": rng.choice(_DOCS),
            }
            answer: dict[str, Any] = {"rating": label}
            if rng.random() < 0.85:
                answer["evidence"] = rng.choice(EVIDENCE).format(**fill)
                answer["evidence_source"] = rng.choice(EVIDENCE_SOURCES)
            if score is not None and score <= 2 and rng.random() < 0.6:
                answer["improvement_action"] = rng.choice(_ACTIONS).format(**fill)
                answer["lead"] = rng.choice(_LEADS)
                if rng.random() < 0.85:
                    answer["target_date"] = dt.datetime(
                        2027, rng.randint(1, 12), rng.randint(1, 28)
                    )
            answers[q.id] = answer
    return answers


def _spread(framework: Framework) -> float:
    """The scale's range relative to the 2009 scale's 1 to 4, so any scale gets the same shape."""
    low, high = framework.score_range
    return max(high - low, 1) / 3


def _not_on_scale(framework: Framework) -> str:
    """A word a partner might type over the dropdown, that is not on the scale."""
    labels = {label.casefold() for label in framework.labels}
    return next(w for w in ("Good", "Quite good", "OK-ish") if w.casefold() not in labels)


def _write_partners(partners: list[Partner], path: Path) -> Path:
    """partners.csv: a row per respondent, with each partner's level and each person's role."""
    columns = (*PARTNER_COLUMNS, "level", "role")
    return write_csv(path, columns, [[p.value(c) for c in columns] for p in people_of(partners)])


def _save(
    framework: Framework,
    person: Partner,
    settings: BuildSettings,
    answers: dict[str, dict[str, Any]],
    start: dict[str, Any],
    path: Path,
) -> Path:
    """One return: the person's workbook, filled in and saved."""
    wb = build_workbook(framework, person, settings)
    fill_workbook(wb, framework, answers, start)
    return save_workbook(wb, path)


def _colleague(
    framework: Framework,
    person: Partner,
    start: dict[str, Any],
    base: dict[str, float],
    bias: float,
    seed: int,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Another respondent's "Start here" and answers: the partner's view give or take their
    own, drawn from a generator of their own so that the other partners' returns are the
    same as before respondents."""
    rng = random.Random(f"{seed}-{person.key}")
    own = bias + _spread(framework) * rng.gauss(0, 0.35)
    answers = _answers(framework, rng, own, base, len(framework.themes))
    completed = dt.datetime(2027, 3, rng.randint(1, 28))
    values = {"respondent": person.contact_name, "role": person.role, "email": person.email}
    return start | values | {"completed": completed}, answers


@dataclass
class DemoFiles:
    """What :func:`make_demo` wrote."""

    blank: Path
    partners_csv: Path
    returns_dir: Path
    returns: list[Path]
    late: list[Partner]
    #: Who sent each return (by its file name): the sender of its demo e-mail.
    authors: dict[str, Partner] = field(default_factory=dict)


def make_demo(framework: Framework, out: Path, count: int = 12, seed: int = 2009) -> DemoFiles:
    """Write the blank workbook, partners.csv and seeded synthetic returns under ``out``."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    settings = BuildSettings(
        partnership="North Shire Partnership (demo)",
        deadline=dt.date(2027, 3, 31),
        contact="LSP team, lsp@northshire.example.org",
    )
    blank = save_workbook(
        build_workbook(framework, settings=settings), out / "lsp-self-assessment.xlsx"
    )
    partners = demo_partners(count)
    settings_p = BuildSettings(
        settings.title, settings.partnership, settings.deadline, settings.contact
    )
    partners_csv = _write_partners(partners, out / "partners.csv")
    returns_dir = out / "returns"
    returns_dir.mkdir(exist_ok=True)
    for old in returns_dir.glob("*.xlsx"):
        old.unlink()  # the demo owns this folder; stale returns would change the result
    names = unique_filenames(people_of(partners))
    low, k = framework.score_range[0], _spread(framework)
    # One theme is rated lower across the board, so the Summary has a weak spot to show.
    second_theme = framework.themes[min(1, len(framework.themes) - 1)].id
    base = {
        q.id: low + k * (rng.uniform(0.8, 2.4) - (0.4 if q.theme_id == second_theme else 0))
        for q in framework.rated_questions
    }
    # The specials: who is late, who is partial, who typed over a rating, who sent a draft.
    late = {3} if count >= 4 else set()
    partial = 5 if count >= 6 else None
    typed_over = 1 if count >= 2 else None
    draft = 0
    written: dict[Path, Partner] = {}  # each return, and who sent it
    for index, partner in enumerate(partners):
        bias = k * (rng.gauss(0, 0.45) + (-0.6 if partner.sector == "Voluntary sector" else 0.0))
        bias += k * _LEVEL_BIAS[partner.value("level")]
        if index == partial:
            # Three themes done, the fourth just begun: its score rests on too few
            # answers, so the comparison stars it and leaves it out of the means.
            answers = _answers(framework, rng, bias, base, 4)
            begun = [
                q.id for q in framework.themes[min(3, len(framework.themes) - 1)].rated_questions
            ]
            for qid in begun[max(1, (len(begun) - 1) // 2) :]:
                answers.pop(qid, None)
        else:
            answers = _answers(framework, rng, bias, base, len(framework.themes))
        if index in late:
            continue
        if index == typed_over:
            first = framework.rated_questions[0].id
            answers.setdefault(first, {})["rating"] = _not_on_scale(framework)
            # A safe variant of a real label, as a partner might type it over the dropdown.
            variant = f" {framework.scored_options[-2].label.lower()} "
            answers.setdefault(framework.rated_questions[1].id, {})["rating"] = variant
        completed = dt.datetime(2027, 3, rng.randint(1, 28))
        start: dict[str, Any] = {
            "respondent": partner.contact_name,
            "role": rng.choice(_ROLES),
            "email": partner.email,
            "completed": completed,
        }
        lead = partner.people[0]
        if index == draft:
            early = dict(list(answers.items())[:10])
            dated = {**start, "completed": completed - dt.timedelta(days=14)}
            path = returns_dir / f"DRAFT {names[lead.key]}"
            written[_save(framework, lead, settings_p, early, dated, path)] = lead
        for position, person in enumerate(partner.people):
            if position:  # another respondent: their own view, from their own seed
                start, answers = _colleague(framework, person, start, base, bias, seed)
            else:
                start = start | {"role": person.role or start["role"]}
            path = returns_dir / names[person.key]
            written[_save(framework, person, settings_p, answers, start, path)] = person
    late_partners = [partners[i] for i in sorted(late)]
    authors = {path.name: who for path, who in written.items()}
    return DemoFiles(blank, partners_csv, returns_dir, sorted(written), late_partners, authors)


def mail_returns(files: DemoFiles, folder: Path) -> list[Path]:
    """Each demo return as the e-mail its partner sent back, a reply saved as ``.eml`` into
    ``folder`` (emptied first: the demo owns it), for ``collect --from-files``."""
    from email.message import EmailMessage
    from email.utils import format_datetime  # and a fixed Message-ID: the same on every run

    from lsp_xlsx.core.files import write_bytes

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    saved = []
    for i, path in enumerate(files.returns):
        partner = files.authors[path.name]
        msg = EmailMessage()
        msg["From"] = f"{partner.contact_name} <{partner.email}>"
        msg["To"] = "LSP team <lsp@northshire.example.org>"
        msg["Subject"] = "RE: North Shire Partnership self-assessment"
        when = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=i % 28, hours=i)
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = (
            f"<demo-{i + 1}.{partner.partner_id}@{partner.email.rpartition('@')[2]}>"
        )
        msg.set_content("Please find our return attached.")
        msg.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=path.name
        )
        saved.append(write_bytes(msg.as_bytes(), folder / f"{i + 1:02d}-{partner.partner_id}.eml"))
    return saved
