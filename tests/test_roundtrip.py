"""Hypothesis round trip: build, fill with arbitrary ratings and text, save, read.

Every value equals what was typed, or a finding explains the difference.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework import Framework, load_framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.reader import read_return
from lsp_xlsx.workbook.build import build_workbook
from tests.fill import set_answers

FRAMEWORK = load_framework()
QUESTIONS = ("T1.Q1", "T2.Q5a", "T4.Q3", "T7.Q8")
TEXT_KEYS = ("evidence", "evidence_source", "improvement_action", "lead")

# Arbitrary Unicode with control characters and newlines, plus the usual traps.
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.sampled_from(
        ["=1+1", "+44 1632 960000", "-", "@here", "#N/A", "#DIV/0!", "_x0041_", "a\r\nb"]
    ),
    st.builds(
        lambda a, b: a + b, st.sampled_from(["=", "+", "-", "@", " ", "\n"]), st.text(max_size=40)
    ),
)
ratings = st.one_of(
    st.none(),
    st.sampled_from(FRAMEWORK.labels),
    st.integers(min_value=-2, max_value=7),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    texts,
)
answer = st.fixed_dictionaries({"rating": ratings}, optional=dict.fromkeys(TEXT_KEYS, texts))

_BLANK = io.BytesIO()
build_workbook(FRAMEWORK, Partner("p1", "Partner One")).save(_BLANK)


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=st.fixed_dictionaries(dict.fromkeys(QUESTIONS, answer)))
def test_build_fill_read_loses_nothing(tmp_path: Path, answers: dict[str, dict[str, Any]]) -> None:
    wb = load_workbook(io.BytesIO(_BLANK.getvalue()))
    typed = {q: {k: v for k, v in a.items() if v not in (None, "")} for q, a in answers.items()}
    set_answers(wb, FRAMEWORK, typed)
    path = save_workbook(wb, tmp_path / "return.xlsx")
    ret = read_return(path, FRAMEWORK)
    assert ret.status.value != "refused", ret.findings
    for qid, values in typed.items():
        response = ret.responses[qid]
        for key in TEXT_KEYS:
            if key in values:
                assert getattr(response, key) == values[key], (qid, key)
            else:
                assert getattr(response, key) == ""
        _check_rating(ret, qid, values.get("rating"), FRAMEWORK)


def _check_rating(ret: Any, qid: str, typed: Any, framework: Framework) -> None:
    response = ret.responses[qid]
    here = [f for f in ret.findings if f.sheet and response.row and f.cell == f"C{response.row}"]
    if typed is None:
        assert (response.rating_raw, response.rating_label) == ("", "")
        return
    if typed in framework.labels:
        assert response.rating_label == typed and not here
        return
    # Anything else is either a safe variant (info) or kept verbatim with an error.
    assert response.rating_raw != ""
    assert len(here) == 1, here
    if response.rating_label:
        assert here[0].code is Code.RATING_VARIANT
        assert (
            response.rating == framework.scale[framework.labels.index(response.rating_label)].score
        )
    else:
        assert here[0].code is Code.RATING_UNRECOGNISED
        assert response.rating is None
        if isinstance(typed, str):
            assert response.rating_raw == typed
