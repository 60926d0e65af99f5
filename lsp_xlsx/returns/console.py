"""What ``check`` and ``collate`` print: a table of files, every finding, a summary line,
or the same data as JSON for machines."""

from __future__ import annotations

import json
from typing import Any

from lsp_xlsx.core.findings import Severity
from lsp_xlsx.core.groups import group_findings
from lsp_xlsx.core.text import utf8_safe_data, visible
from lsp_xlsx.returns.model import MAX_FINDINGS_PER_CODE, CheckResult, Return, Status
from lsp_xlsx.returns.respondents import respondent_name


def _partner(ret: Return) -> str:
    if ret.status is Status.REFUSED:
        return "-"
    shown = ret.partner_name
    if ret.partner_id and ret.partner_id != ret.partner_name:
        shown = f"{ret.partner_name} ({ret.partner_id})"
    return f"{shown}: {respondent_name(ret)}" if ret.respondent_id else shown


def _answered(ret: Return) -> str:
    return "-" if ret.status is Status.REFUSED else f"{ret.answered}/{ret.rated_total}"


def format_table(result: CheckResult) -> str:
    """The per-file table, then every finding, then the summary line."""
    header = ("File", "Partner", "Status", "Answered")
    # Partner-controlled text is shown with its control characters made visible, so a
    # file name or a typed value cannot fake a line of the report.
    rows = [
        (visible(r.file), visible(_partner(r)), str(r.status), _answered(r)) for r in result.returns
    ]
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
        for i, h in enumerate(header)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    findings = result.findings
    if findings:
        lines.append("")
        lines.append("Findings")
        # Those of one code in one column of a file on one line (the JSON has each one).
        for group in group_findings(findings):
            lines.append(f"  {group.severity.upper():<7}  {visible(group.message)}")
    missing = result.not_returned
    if missing:
        lines.append("")
        lines.append(f"Not returned ({len(missing)}):")
        lines.extend(f"  {visible(p.name)} ({p.partner_id})" for p in missing)
    if result.ignored:
        lines.append("")
        lines.append(f"Not read, as this tool wrote them ({len(result.ignored)}):")
        lines.extend(f"  {visible(str(p))}" for p in result.ignored)
    for note in result.notes:
        lines.append("")
        lines.append(f"Note: {note}")
    lines.append("")
    lines.append(result.summary())
    return "\n".join(lines)


def as_data(result: CheckResult) -> dict[str, Any]:
    """The check result as plain data: files, findings, ignored files and a summary."""
    files = [
        {
            "file": r.file,
            "partner_id": r.partner_id,
            "partner": r.partner_name,
            "status": str(r.status),
            "answered": r.answered if r.read else None,
            "rated_total": r.rated_total,
            "format": r.fmt,
            "sha256": r.sha256,
            "superseded_by": str(r.superseded_by) if r.superseded_by else None,
            "copy_id": r.copy_id,
            "respondent_id": r.respondent_id,
            "respondent": r.respondent.name,
            "completed": r.respondent.completed.isoformat() if r.respondent.completed else None,
            # Every finding about the file, and those of each code past the limit a file
            # keeps (MAX_FINDINGS_PER_CODE): counted here, summed up in a findings-capped.
            "findings_total": r.finding_total,
            "findings_not_listed": {str(code): o.count for code, o in r.omitted.items()},
        }
        for r in result.returns
    ]
    return {
        "files": files,
        "findings": [f.as_dict() for f in result.findings],
        "ignored": [str(p) for p in result.ignored],
        "not_returned": [
            {"partner_id": p.partner_id, "partner": p.name} for p in result.not_returned
        ],
        "counts": result.counts(),
        "finding_counts": {str(s): result.count(s) for s in Severity},
        "findings_listed_per_code": MAX_FINDINGS_PER_CODE,
        "notes": result.notes,
        "summary": result.summary(),
        "exit_code": result.exit_code,
    }


def to_json(result: CheckResult) -> str:
    """The check result as indented JSON."""
    return json.dumps(utf8_safe_data(as_data(result)), indent=2, ensure_ascii=False)
