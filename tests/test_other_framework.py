"""A framework with a 1-5 scale and other labels builds, reads and collates in its own words."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lsp_xlsx.cli import cli

SCALE = """score,label,description
1,1 - Very weak,Little or nothing is in place.
2,2 - Weak,Some arrangements exist but they are patchy.
3,3 - Fair,Arrangements work in most places.
4,4 - Strong,Arrangements work well and are reviewed.
5,5 - Exemplary,Others could learn from us.
,Unsure,You cannot judge this; counted but not scored.
"""
#: Words of the 2009 scale that must not appear when another scale is used.
OLD_WORDS = re.compile(
    r"performs (poorly|adequately|well|excellently)|don.t know|not applicable", re.IGNORECASE
)


def _texts(path: Path) -> str:
    """Every piece of text a person could see in a workbook or a CSV."""
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8")
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


@pytest.mark.slow  # a whole demo on another framework
def test_a_five_point_scale_is_described_in_its_own_words(framework_copy: Path) -> None:
    (framework_copy / "scale.csv").write_text(SCALE, encoding="utf-8")
    readme = framework_copy / "README.md"
    readme.unlink(missing_ok=True)  # the shipped README describes the 2009 scale
    out = framework_copy.parent / "demo"
    result = CliRunner().invoke(
        cli, ["demo", "--framework", str(framework_copy), "-o", str(out), "--partners", "8"]
    )
    assert result.exit_code in (0, 1), result.output
    assert not OLD_WORDS.search(result.output), result.output
    outputs = [
        out / "lsp-self-assessment.xlsx",
        out / "comparison.xlsx",
        out / "responses.csv",
        *sorted((out / "returns").glob("*.xlsx")),
    ]
    for path in outputs:
        found = OLD_WORDS.search(_texts(path))
        assert found is None, f"{path.name} says {found.group() if found else ''!r}"
    ws = load_workbook(out / "comparison.xlsx")["Summary"]
    # Rows 2 on: the subtitle, after issue 25's note that a partner counts once.
    subtitle = " ".join(str(ws.cell(row=r, column=1).value) for r in range(2, 10))
    assert 'Scores run from 1 (very weak) to 5 (exemplary); "Unsure" is not scored.' in subtitle
    tidy = pd.read_csv(out / "responses.csv", keep_default_na=False)
    scores = set(tidy.loc[tidy["rating"] != "", "rating"].astype(int))
    assert scores <= {1, 2, 3, 4, 5} and max(scores) == 5
    assert "Unsure" in set(tidy["rating_label"])
    # The typed-over rating and the safe variant are made from this scale, not the old one.
    assert "the rating 'Good' is not on the scale" in result.output
    assert "was read as '4 - Strong'" in result.output
