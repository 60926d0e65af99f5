"""The long tables: Evidence, Action plan, Returns, Findings, and the About sheet."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from lsp_xlsx.compare.digests import ACTION_COLUMNS
from lsp_xlsx.compare.sheet import DATE, LINE, Sheet, wrapped_column
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.groups import group_findings
from lsp_xlsx.core.version import __version__
from lsp_xlsx.core.words import counted
from lsp_xlsx.core.xmlrows import Piece


def write_evidence(s: Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Evidence behind each rating",
        "One row per partner and question. "
        "Use the filter buttons to pick a partner, theme or question.",
    )
    labels = ["Partner", "Theme", "ID", "Question", "Rating", "Evidence", "Evidence source"]
    widths = [22, 16, 8, 40, 18, 60, 26]
    # Issue 23: what the partner wrote outside the answer columns, kept with its cells.
    labels.append("Other text from the partner")
    widths.append(40)
    s.header(header_row, labels, widths)
    keys = ["partner", "theme", "question_id", "question", "rating_label", "evidence"]
    keys += ["evidence_source", "extra_text"]
    evidence = c.evidence

    def pieces() -> Iterator[Piece]:
        # A piece at a time, made as the sheet is written: at national scale the sheet has
        # hundreds of thousands of rows, never all in memory as Python objects at once.
        for start in range(0, len(evidence), EVIDENCE_PIECE):
            piece = evidence.iloc[start : start + EVIDENCE_PIECE]
            columns = [_cleaned(s, piece[key].tolist(), key) for key in keys]
            lines = [wrapped_column(col, w) for col, w in zip(columns, widths, strict=True)]
            heights = [min(409.0, max(most) * LINE + 4) for most in zip(*lines, strict=True)]
            yield list(zip(*columns, strict=True)), heights

    s.rows.stream(header_row + 1, len(evidence), [s.style("body")] * len(keys), pieces)
    row = s.table("EvidenceTable", header_row + len(evidence), stripes=True)
    s.finish(header_row, len(labels), row)


#: Rows of the Evidence sheet made at a time.
EVIDENCE_PIECE = 20_000


def _cleaned(s: Sheet, values: list[Any], key: str) -> list[str]:
    """Cell text for one column of a piece; names, themes and questions repeat for every
    partner, so each distinct value is cleaned once."""
    if key in ("evidence", "evidence_source", "extra_text"):
        return [s.cell_text(v) for v in values]
    clean = {v: s.cell_text(v) for v in set(values)}
    return [clean[v] for v in values]


def write_actions(s: Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Action plan",
        "Every improvement action partners proposed, by target date; "
        "actions with no date come last.",
    )
    labels = [
        "Target date",
        "Partner",
        "Theme",
        "ID",
        "Question",
        "Improvement action",
        "Lead (post)",
        "Rating",
    ]
    widths = [12, 22, 16, 8, 40, 50, 20, 18]
    s.header(header_row, labels, widths)
    keys = list(ACTION_COLUMNS)
    row = header_row
    for record in c.actions[keys].astype(str).to_dict("records"):
        row += 1
        date: Any = record["target_date"]
        with contextlib.suppress(ValueError):
            date = dt.date.fromisoformat(date)
        s.put(row, 1, date, DATE)
        for col, key in enumerate(keys[1:], start=2):
            s.put(row, col, record[key])
        s.fit_cells(row)
    row = s.table("ActionPlanTable", row)
    s.finish(header_row, len(labels), row)


def write_returns(s: Sheet, c: Comparison) -> None:
    table = c.returns_table
    header_row = s.title(
        "Returns",
        f"{c.return_counts.sentence()} Refused and superseded files are listed after the partners.",
    )
    labels = [
        "Partner ID",
        "Partner",
        "Sector",
        "Status",
        "File",
        "Respondent",
        "Completed",
        "Answered",
        "Rated questions",
        "% answered",
        "Findings",
    ]
    widths = [14, 24, 14, 13, 40, 20, 12, 10, 10, 10, 9]
    s.header(header_row, labels, widths)
    row = header_row
    for values in table.to_dict("records"):
        row += 1
        for col, key in enumerate(("partner_id", "partner", "sector"), start=1):
            s.put(row, col, values[key])
        attention = values["status"] in ("not returned", "refused")
        s.put(row, 4, values["status"], style="bold" if attention else "body")
        s.put(row, 5, values["file"])
        s.put(row, 6, values["respondent"])
        completed: Any = values["completed"]
        with contextlib.suppress(TypeError, ValueError):
            completed = dt.date.fromisoformat(completed)
        s.put(row, 7, completed, DATE)
        s.put(row, 8, values["answered"], "0")
        s.put(row, 9, values["rated_total"], "0")
        s.put(row, 10, values["percent"], "0%")
        s.put(row, 11, values["findings"], "0")
        s.fit_cells(row)
    row = s.table("ReturnsTable", row)
    s.finish(header_row, len(labels), row)


def write_findings(s: Sheet, c: Comparison) -> None:
    """The findings, those of one code in one column of a file on one row (issue 23): the
    row names every cell of its group, and check --format json still gives each one."""
    findings = c.findings
    groups = group_findings(findings)
    shown = "" if len(groups) == len(findings) else f", on {counted(len(groups), 'row')}"
    header_row = s.title(
        "Findings",
        f"{counted(len(findings), 'finding')} from reading the returns and preparing this "
        f"workbook{shown}: those of one kind in one column of a file share a row. Each says "
        "where, what is wrong and what to do.",
    )
    labels = ["File", "Sheet", "Cell", "Severity", "Code", "Message"]
    # The Cell column is wide enough for a group's cells, sheet by sheet.
    widths = [30, 18, 36, 9, 22, 80]
    s.header(header_row, labels, widths)
    row = header_row
    for group in groups:
        row += 1
        alone = len(group.findings) == 1
        cells = group.first.cell if alone else group.cells()
        values = (group.file, group.sheets, cells, str(group.severity), str(group.code))
        for col, value in enumerate((*values, group.message), start=1):
            s.put(row, col, value)
        if group.severity == "error":
            s.bold(row, 4)
        s.fit_cells(row)
    row = s.table("FindingsTable", row)
    s.finish(header_row, len(labels), row)


def decision_facts(decisions: list[str]) -> list[tuple[str, str]]:
    """The coordinator's decisions (ratings map, overrides), one row each, numbered."""
    if not decisions:
        return [("Coordinator's decisions", "none: every return read as its partner sent it")]
    return [(f"Coordinator's decision {n}", text) for n, text in enumerate(decisions, 1)]


def write_about(s: Sheet, c: Comparison) -> None:
    """The framework, and when, how and from what this workbook was made."""
    header_row = s.title("About this workbook")
    fw = c.framework
    facts = [
        ("Framework", fw.title),
        ("Framework id", fw.id),
        ("Framework version", str(fw.version)),
        ("Framework hash (SHA-256)", fw.hash),
        ("Round", c.round or "not given (workbooks from before rounds)"),
        ("Made at (UTC)", c.made_at),
        ("Made by", f"lsp-xlsx {__version__}"),
        (
            "Partner list",
            "partners.csv given" if c.partners_given else "none: partners are those who returned",
        ),
        ("Full answers", f"{c.responses_name} beside this workbook holds every answer, uncut"),
        ("Input files", f"{len(c.returns)}, each with its SHA-256 on the sheet Input files"),
    ]
    facts += decision_facts(c.decisions)
    s.facts(header_row, facts, 80)


def write_inputs(s: Sheet, c: Comparison) -> None:
    """Every input file with its fingerprint and what became of it."""
    header_row = s.title("Input files", "Every file read, with its SHA-256 fingerprint.")
    s.header(header_row, ["Input file", "SHA-256", "Status"], [40, 70, 12])
    row = header_row
    for ret in c.returns:
        row += 1
        s.put(row, 1, ret.file)
        s.put(row, 2, ret.sha256)
        s.put(row, 3, str(ret.status))
        s.fit_cells(row)
    row = s.table("InputFilesTable", row)
    s.finish(header_row, 3, row)
