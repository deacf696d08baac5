"""Overview and Cohorts on the four hand-made shapes of churn (tests/unit/test_churn_shapes.py):
which tiles, sentences and charts each draws, and which it must not."""

from __future__ import annotations


import pytest

from tests.pages.conftest import app_reading, chart_titles, open_page
from tests.unit.test_churn_shapes import import_each_shape

TENURE = "Retention by tenure (Kaplan–Meier over tenure months)"


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    return import_each_shape(tmp_path_factory.mktemp("shape_pages"))


def _tiles(at) -> dict[str, str]:
    return {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}


def _bullets(at) -> list[str]:
    import re

    texts = [m.value for m in at.markdown if m.value.startswith("- ")]
    return [re.sub(r"\\(.)", r"\1", line[2:]) for text in texts for line in text.split("\n")]


def test_undated_overview_shows_the_churn_share_not_a_monthly_rate(paths):
    with app_reading(paths["undated"]):
        at = open_page("dashboard.py")
    assert not at.exception
    # 3 of 6 customers churned; 3 active; no mrr column, so no MRR tile.
    assert _tiles(at) == {"Churn share": "50.0%", "Churned customers": "3",
                          "Active customers": "3"}
    titles = chart_titles(at)
    assert titles["overview_tenure_retention"] == TENURE
    assert titles["overview_churn_share_by_plan"] == "Churn share by plan"
    assert "overview_churn_rate" not in titles
    bullets = _bullets(at)
    assert bullets[:2] == [
        "3 of the 6 customers in the file (50.0%) are marked churned as of 30 Jun 2024.",
        "The file has no churn dates: it shows the customers of one moment, not those who left "
        "before, so there is no monthly churn rate or retention history to report."]
    assert not any(word in " ".join(bullets) for word in ("rose", "held steady", "Month-12"))
    # Each tile says its N (6 customers, under the minimum of 30).
    assert "N = 6 customers (fewer than 30: unreliable)" in [c.value for c in at.caption]


def test_undated_cohorts_draw_retention_by_tenure_not_the_triangle(paths):
    with app_reading(paths["undated"]):
        at = open_page("pages/2_Cohorts.py")
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert headings == ["Retention by tenure", "Compare groups"]
    titles = chart_titles(at)
    assert titles == {"tenure_retention": TENURE, "churn_share_by_plan": "Churn share by plan",
                      "tenure_retention_by_plan": f"{TENURE}, by plan"}
    assert not any("cohort_heatmap" in name or "retention_curves" in name for name in titles)
    # The log-rank p of Basic (0, 1, 1) against Pro (2, 3, 3), as a note under the curves.
    assert any("log-rank p" in c.value for c in at.caption)


def test_mixed_overview_keeps_the_dated_history_and_says_who_is_left_out(paths):
    with app_reading(paths["mixed"]):
        at = open_page("dashboard.py")
        cohorts = open_page("pages/2_Cohorts.py")
    assert not at.exception and not cohorts.exception
    assert (":material/info: 2 of the 3 churned customers have no churn date: they are left out "
            "of every number here, the history of the 1 customer churned on a known date."
            ) in [c.value for c in at.caption]
    # June against May: c and e active at both ends, nobody churned in June (b and d are not
    # counted on 30 Jun).
    tiles = _tiles(at)
    assert tiles["Churn rate"] == "0.0%" and tiles["Active customers"] == "2"
    assert "overview_churn_rate" in chart_titles(at)
    assert "cohort_heatmap" in chart_titles(cohorts)


def test_dated_overview_draws_the_monthly_history(paths):
    with app_reading(paths["dated"]):
        at = open_page("dashboard.py")
    assert not at.exception
    assert "Churn rate" in _tiles(at) and "Churn share" not in _tiles(at)
    assert "overview_churn_rate" in chart_titles(at)
    assert not any("churn date" in c.value for c in at.caption)


def test_activity_only_opens_on_who_came_back_and_names_inactive_days(paths):
    with app_reading(paths["none"]):
        at = open_page("dashboard.py")
        cohorts = open_page("pages/2_Cohorts.py")
    assert not at.exception and not cohorts.exception
    assert _tiles(at) == {"Customers active": "3", "New customers": "1",
                          "Returning customers": "2",
                          "Came back (% of earlier customers)": "66.7%"}
    assert any("--inactive-days N" in i.value for i in at.info)
    assert _bullets(at) == [
        "3 customers were active in March 2024 (2 in February): 1 new and 2 returning, 66.7% of "
        "the 3 customers who had signed up before."]
    assert chart_titles(at) == {"overview_activity_months": "Customers active each month"}
    # Cohorts opens on the Returned basis, its triangle drawn.
    assert cohorts.session_state["basis"] == "Returned"
    titles = chart_titles(cohorts)
    assert titles["cohort_heatmap"].startswith("Share of each signup month's customers who came "
                                               "back")
