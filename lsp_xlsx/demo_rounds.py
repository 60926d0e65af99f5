"""The demo's second round: the same partnership a year on, pre-filled from round one.

Most themes improve, one gets worse, one partner leaves and one joins, so that the
Progress sheets have something true to show. Seeded, like round one.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

from openpyxl import load_workbook

from lsp_xlsx.core.files import save_workbook, write_csv
from lsp_xlsx.demo import demo_partners
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PARTNER_COLUMNS, Partner
from lsp_xlsx.workbook.build import BuildSettings
from lsp_xlsx.workbook.copies import build_for_partners
from lsp_xlsx.workbook.fill import fill_answers, fill_start
from lsp_xlsx.workbook.prefill import Prefill, load_prefill

NEWCOMER = Partner(
    "safety",
    "North Shire Community Safety Partnership",
    "Community safety",
    "Amira Hassan",
    "hassan@safety.example.org",
    extra=(("level", "executive"),),
)


def _next_rating(last: str, framework: Framework, change: int, rng: random.Random) -> str:
    scores = {o.label: o.score for o in framework.scale}
    labels = {o.score: o.label for o in framework.scale if o.score is not None}
    low, high = min(labels), max(labels)
    score = scores.get(last)
    if score is None:  # new this round, or no score last time: somewhere in the middle
        return labels[
            rng.randint((low + high) // 2, (low + high + 1) // 2 + 1 if high > low + 1 else high)
        ]
    return labels[min(high, max(low, score + change))]


def _answers(
    framework: Framework, carried: Prefill | None, rng: random.Random, worse: str
) -> dict[str, dict[str, object]]:
    answers: dict[str, dict[str, object]] = {}
    for theme in framework.themes:
        for q in theme.rated_questions:
            last = (carried.answers.get(q.id, {}) if carried else {}).get("last_rating", "")
            roll = rng.random()
            step = (-1 if roll < 0.45 else 0) if theme.id == worse else (1 if roll < 0.4 else 0)
            answers[q.id] = {"rating": _next_rating(last, framework, step, rng)}
            if step and carried is not None:
                answers[q.id]["evidence"] = (
                    "Updated for this round: the board reviewed this in its annual "
                    "self-assessment workshop and agreed what has changed since last year."
                )
    return answers


def make_round_two(framework: Framework, out: Path, previous: Path, count: int, seed: int) -> Path:
    """Write round two's partners.csv, pre-filled copies and filled returns under ``out``;
    return the returns folder."""
    rng = random.Random(seed + 1)
    leaving = demo_partners(count)[-1]
    partners = [p for p in demo_partners(count) if p.partner_id != leaving.partner_id]
    partners.append(NEWCOMER)
    out.mkdir(parents=True, exist_ok=True)
    rows = [(*(p.value(c) for c in PARTNER_COLUMNS), p.value("level")) for p in partners]
    write_csv(out / "partners.csv", (*PARTNER_COLUMNS, "level"), rows)
    settings = BuildSettings(
        partnership="North Shire Partnership (demo)",
        deadline=dt.date(2028, 3, 31),
        contact="LSP team, lsp@northshire.example.org",
        round="2028",
    )
    carried = load_prefill(previous)
    built = build_for_partners(
        framework, partners, out / "to-send", settings, force=True, prefill=carried
    )
    worse = framework.themes[-1].id  # one theme slips back
    returns = out / "returns"
    for old in returns.glob("*.xlsx"):
        old.unlink()  # the demo owns this folder
    for copy in built.copies:
        wb = load_workbook(io.BytesIO(copy.path.read_bytes()))
        fill_answers(
            wb, framework, _answers(framework, carried.get(copy.partner.partner_id), rng, worse)
        )
        fill_start(
            wb, {"respondent": copy.partner.contact_name, "completed": dt.datetime(2028, 3, 20)}
        )
        save_workbook(wb, returns / copy.path.name)
    return returns


#: The board pack of the demo's second round is made for this day (collate --today).
ROUND_TWO_TODAY = dt.date(2028, 4, 20)

#: What the demo's workshop agrees: (action, lead, target date), for the first questions.
WORKSHOP_ACTIONS = (
    (
        "Refresh the shared vision with every partner at the spring away day",
        "LSP Manager",
        dt.date(2027, 9, 30),
    ),
    (
        "Publish a single performance report to the board each quarter",
        "Head of Performance",
        dt.date(2027, 12, 31),
    ),
    (
        "Agree a shared risk register and review it at every board meeting",
        "Director of Finance",
        dt.date(2028, 3, 31),
    ),
    (
        "Induct every new board member within three months of joining",
        "Board Secretary",
        dt.date(2028, 5, 15),
    ),
    (
        "Run a joint consultation with residents on the priorities",
        "Head of Communications",
        dt.date(2028, 9, 30),
    ),
    ("Review the partnership's terms of reference", "LSP Chair", None),
)
#: How the coordinator updated the plan through the year: row (0-based) -> status, note.
PLAN_UPDATES = {
    0: ("done", "Away day held in September; the vision was signed by every partner."),
    2: ("in progress", "Draft register shared; two partners have still to add their risks."),
}


def _nearest_label(mean: object, framework: Framework) -> str:
    scored = [(o.score, o.label) for o in framework.scale if o.score is not None]
    if not isinstance(mean, int | float):
        return scored[len(scored) // 2][1]
    return min(scored, key=lambda option: (abs(option[0] - mean), option[0]))[1]


def hold_workshop(framework: Framework, comparison: Path) -> None:
    """Fill the Agreed sheet of round one's comparison as a workshop would: an agreed rating
    for every question (the scale step nearest the mean) and six actions."""
    from lsp_xlsx.compare import agreed_contract as A

    wb = load_workbook(comparison)
    ws = wb[A.SHEET]
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=2).value == "ID")
    col = {c.value: i for i, c in enumerate(ws[header], start=1)}
    for offset in range(len(framework.rated_questions)):
        row = header + 1 + offset
        mean = ws.cell(row=row, column=col["Partnership mean"]).value
        ws.cell(row=row, column=col["Agreed rating"]).value = _nearest_label(mean, framework)
        if offset < len(WORKSHOP_ACTIONS):
            action, lead, target = WORKSHOP_ACTIONS[offset]
            ws.cell(row=row, column=col["Agreed action"]).value = action
            ws.cell(row=row, column=col["Lead (post)"]).value = lead
            ws.cell(row=row, column=col["Target date"]).value = target
    wb.save(comparison)


def update_plan(plan: Path | None) -> None:
    """Set two actions' status in the improvement plan, as the coordinator would during
    the year (the rest stay 'not started'); nothing when agree wrote no plan."""
    if plan is None:
        return
    wb = load_workbook(plan)
    ws = wb["Improvement plan"]
    col = {c.value: i for i, c in enumerate(ws[3], start=1)}
    for offset, (status, note) in PLAN_UPDATES.items():
        row = 4 + offset
        ws.cell(row=row, column=col["Status"]).value = status
        ws.cell(row=row, column=col["Owner"]).value = "Sam Okafor"
        ws.cell(row=row, column=col["Progress note"]).value = note
        updated = ws.cell(row=row, column=col["Updated"])
        updated.value, updated.number_format = dt.date(2028, 2, 1), "dd/mm/yyyy"
    wb.save(plan)
