"""The finding catalogue: every code renders, names its place first, and keeps its params."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lsp_xlsx.cli import cli
from lsp_xlsx.core.errors import PartnersError
from lsp_xlsx.core.findings import Code, Severity, finding
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import PARTNER_COLUMNS, load_partners
from tests.fill import make_return

FAMILIES = ("csv-", "framework-", "partners-", "refused-")


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_code_renders_with_its_place_first(code: Code) -> None:
    params = {name: f"<{name}>" for name in code.fields}
    found = finding(code, "return.xlsx", "1 Outcomes", "C5", **params)
    assert found.message.startswith("return.xlsx, sheet '1 Outcomes', cell C5: ")
    text = found.message.split(": ", 1)[1]
    assert text == code.template.format(**params)
    assert "{" not in text.replace("{{", "")
    assert found.severity is code.severity and found.severity in tuple(Severity)
    assert found.params == params
    assert found.as_dict()["params"] == params


def test_codes_are_unique_lowercase_and_in_families() -> None:
    values = [str(c) for c in Code]
    assert len(values) == len(set(values))
    assert all(v == v.lower() and " " not in v for v in values)
    # Every code that concerns a coordinator's own file says which kind of file.
    for code in Code:
        if code.name.startswith(("CSV_", "FRAMEWORK_FILE", "PARTNERS_", "REFUSED_")):
            assert str(code).startswith(FAMILIES), code


def test_a_missing_partners_file_gives_the_right_advice(tmp_path: Path) -> None:
    missing = tmp_path / "partners.csv"
    with pytest.raises(PartnersError) as caught:
        load_partners(missing)
    [problem] = caught.value.findings
    assert problem.code is Code.PARTNERS_FILE_MISSING
    columns = ", ".join(PARTNER_COLUMNS)
    assert problem.message == (
        f"{missing}: there is no such file. Check the path given to --partners, or write the "
        f"file: one row per partner with the columns {columns}."
    )
    assert "framework folder" not in str(caught.value)


def test_a_framework_csv_problem_has_a_csv_code(framework_copy: Path) -> None:
    from lsp_xlsx.core.errors import FrameworkError
    from lsp_xlsx.framework.loader import load_framework

    (framework_copy / "scale.csv").unlink()
    with pytest.raises(FrameworkError) as caught:
        load_framework(framework_copy)
    assert [f.code for f in caught.value.findings] == [Code.CSV_FILE_MISSING]


def test_check_json_gives_every_finding_its_params(tmp_path: Path, framework: Framework) -> None:
    first = framework.rated_questions[0].id
    make_return(tmp_path / "r.xlsx", framework, {first: {"rating": "Good"}})
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    assert findings and all(isinstance(f["params"], dict) for f in findings)
    [bad] = [f for f in findings if f["code"] == "rating-unrecognised"]
    assert bad["params"] == {
        "raw": "Good",
        "allowed": ", ".join(f"'{x}'" for x in framework.labels),
    }
    assert bad["cell"] and bad["sheet"] == framework.themes[0].sheet_name
