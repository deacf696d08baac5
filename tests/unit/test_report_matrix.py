"""The board pack on partial data: for each snapshot of tests/matrix.py, `python -m outputs.report` leaves
out what the app leaves out, says so in one line, and draws no empty chart."""

from __future__ import annotations

import html
import json
import re

import pytest

from outputs.report.__main__ import main
from tests import matrix

# The board pack written on every partial-data snapshot: seconds per snapshot.
pytestmark = pytest.mark.slow

SECTIONS = ("Overview", "Cohorts", "Churn reasons", "Support KPIs", "Support × retention", "At risk")
# Sections each snapshot has nothing for (the left-out line names why).
NO_SECTION = {"customers_only": {"Support KPIs", "Support × retention"},
              "no_reasons": {"Churn reasons"}, "unmapped_reasons": {"Churn reasons"}}


def figures(text: str) -> list[list[dict]]:
    """The traces of every Plotly.newPlot call in the file."""
    out, decoder = [], json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', text):
        traces, _ = decoder.raw_decode(text, m.end())
        out.append(traces)
    return out


@pytest.mark.parametrize("name", list(matrix.SNAPSHOTS))
def test_the_pack_leaves_out_what_the_data_lacks(matrix_dbs, tmp_path, name):
    out = tmp_path / "pack.html"
    assert main(["--out", str(out), "--db", str(matrix_dbs[name])]) == 0
    text = out.read_text(encoding="utf-8")
    left = re.findall(r'<p class="left-out">(.*?)</p>', text)
    expected = matrix.PACK_LEFT_OUT[name]
    assert [html.unescape(t) for t in left] == ([expected] if expected else [])
    drawn = figures(text)
    assert drawn and not any(matrix.all_traces_empty(t) for t in drawn)
    assert "N = 0" not in text
    assert "No customers match these filters" not in text  # no filter is set
    sections = set(re.findall(r'<section id="[^"]+"><h2>(.*?)</h2>', text))
    assert sections == {html.escape(s) for s in SECTIONS} - {
        html.escape(s) for s in NO_SECTION.get(name, set())}


def test_a_filter_that_selects_nobody_says_so(matrix_dbs, tmp_path):
    out = tmp_path / "pack.html"
    assert main(["--out", str(out), "--db", str(matrix_dbs["customers_only"]),
                 "--filter", "plan=NoSuchPlan"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "No customers match these filters" in text and "N = 0" not in text


def test_before_the_first_churn_the_pack_says_no_churn_yet(matrix_dbs, tmp_path):
    # The first churn of tests/matrix.py: customer 3, signed up 2022-01-03 + 3 * 14 days =
    # 2022-02-14, churned 60 + (3 * 37) % 420 = 171 days later, on 2022-08-04. The day before:
    out = tmp_path / "pack.html"
    assert main(["--out", str(out), "--db", str(matrix_dbs["everything"]),
                 "--as-of", "2022-08-03"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "No churn up to 03 Aug 2022." in text
    assert "No customers match these filters" not in text
