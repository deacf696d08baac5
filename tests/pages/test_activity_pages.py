"""The Returned basis (activity retention) on the Cohorts page, reached as a browser reaches it:
the triangle and curves plot the metrics API, both modes, and the basis is offered only when the
snapshot has activity."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest

from queries import Filters, activity_retention, average_activity_retention
from tests.pages.conftest import open_page, titled

COHORTS = "pages/2_Cohorts.py"


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def values(z) -> np.ndarray:
    """Plotly ships numeric arrays as base64 typed arrays."""
    if isinstance(z, dict):
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
    return np.asarray(z, float).ravel()


def plotted_cells(heat: dict) -> list[float]:
    return sorted(v for trace in heat["data"] if trace["type"] == "heatmap"
                  for v in values(trace["z"]) if not np.isnan(v))


def basis_widget(at):
    return next(w for w in at.get("button_group") if w.key == "basis")


@pytest.mark.slow
def test_returned_basis_draws_who_came_back_in_each_month(demo_db, con):
    at = open_page(COHORTS, {"basis": "Returned"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert basis_widget(at).value == "Returned"
    heat, curves = figures(at)[:2]
    assert titled(at, "Share of each signup month")[0] == (
        "Share of each signup month's customers who came back in that month, by age")
    expected = activity_retention(con, Filters())
    assert np.allclose(plotted_cells(heat), sorted(expected["retention_pct"].dropna()))
    average = next(t for t in curves["data"] if t.get("name") == "Average (size-weighted)")
    assert np.allclose(values(average["y"]), average_activity_retention(con, Filters())
                       ["retention_pct"])


def test_then_or_later_counts_customers_who_came_back_at_any_later_time(demo_db, con):
    at = open_page(COHORTS, {"basis": "Returned"})
    mode = next(w for w in at.get("button_group") if w.key == "cohorts_returned")
    assert mode.value == "bounded"
    mode.set_value("unbounded").run()
    assert not at.exception
    heat = figures(at)[0]
    expected = activity_retention(con, Filters(), mode="unbounded")
    assert np.allclose(plotted_cells(heat), sorted(expected["retention_pct"].dropna()))
    assert titled(at, "Share of each signup month")[0].endswith(
        "who came back in that month or later, by age")


def test_without_activity_the_returned_basis_is_not_offered(tmp_path, monkeypatch):
    import settings
    from tests.unit.fixtures import make_db

    customers = [dict(customer_id=c, signup_date="2024-01-10", mrr=10, plan=p)
                 for c, p in (("a", "Starter"), ("b", "Growth"))]
    make_db(tmp_path, customers).close()
    monkeypatch.setattr(settings, "DB_PATH", tmp_path / "retention.duckdb")
    monkeypatch.setenv("RETENTION_DB", str(tmp_path / "retention.duckdb"))
    at = open_page("dashboard.py", {"basis": "Returned"})
    # The link's value is dropped, and said so.
    assert any("basis" in w.value for w in at.warning)
    at.switch_page(COHORTS).run()
    assert not at.exception
    assert basis_widget(at).options == ["Customers", "MRR"]
    assert basis_widget(at).value == "Customers"


def test_support_x_retention_shows_activity_before_churn(demo_db, con):
    from queries import pre_churn_activity

    at = open_page("pages/5_Support_x_retention.py")
    assert not at.exception
    _, chart = titled(at, "Activity per customer in the 90 days before churn")
    expected = pre_churn_activity(con, Filters())
    churned = next(t for t in chart["data"] if t["name"] == "Churned (90 days before)")
    # Bars lie down (categories on y): x is the activity per churned customer, by category.
    got = dict(zip(churned["y"], values(churned["x"])))
    assert got == dict(zip(expected["category"], expected["activity_per_customer"]))
    table = at.dataframe[-1].value
    assert list(table["category"]) == list(expected["category"])


def test_cdnow_transactions_show_their_returned_in_month_k_triangle(tmp_path, monkeypatch):
    """The public CDNOW sample, loaded with the README's one line (no customers file): the
    Cohorts page on the Returned basis plots the triangle worked out from the CSV by hand."""
    import settings
    from data.importer import cli
    from tests.unit.test_load_activity import hand_triangle
    from tests.unit.test_real_exports import _with_out, example

    live = tmp_path / "retention.duckdb"
    assert cli.main(_with_out(example("transactions export on its own"), live)) == 0
    monkeypatch.setattr(settings, "DB_PATH", live)
    monkeypatch.setenv("RETENTION_DB", str(live))
    at = open_page(COHORTS, {"basis": "Returned"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert basis_widget(at).options == ["Customers", "Returned"]  # no MRR, but activity
    heat = figures(at)[0]
    layer = next(t for t in heat["data"] if t["type"] == "heatmap" and t["name"] == "complete")
    rows = len(layer["y"])
    assert rows == 3 and list(layer["x"]) == list(range(18))  # Jan-Mar 1997, ages 0..17
    z = values(layer["z"]).reshape(rows, -1)
    expected = hand_triangle()
    # Rows are 'Jan 1997 · 781' (signup month · cohort size), columns the ages 0..17.
    months = {"Jan": 1, "Feb": 2, "Mar": 3}
    for r, label in enumerate(layer["y"]):
        month, size = label.split(" · ")
        cohort = date(1997, months[month.split()[0]], 1)
        for c, age in enumerate(layer["x"]):
            if (cohort, age) in expected:
                returned, n = expected[(cohort, age)]
                assert int(size.replace(",", "")) == n
                assert z[r, c] == pytest.approx(returned / n * 100), (cohort, age)
            else:
                assert np.isnan(z[r, c])  # after June 1998: no cell


def test_cdnow_opens_on_who_came_back_and_names_inactive_days(tmp_path, monkeypatch):
    """The CDNOW purchases alone (no churn at all): Cohorts opens on the Returned basis without
    a link asking for it, and the Overview shows who was active in the last complete month, worked
    out from the CSV, and how --inactive-days turns inactivity into churn."""
    import settings
    from data.importer import cli
    from tests.unit.test_real_exports import _with_out, example, raw

    live = tmp_path / "retention.duckdb"
    assert cli.main(_with_out(example("transactions export on its own"), live)) == 0
    monkeypatch.setattr(settings, "DB_PATH", live)
    monkeypatch.setenv("RETENTION_DB", str(live))
    rows = raw("cdnow_sample.csv")
    june = {r["customer"] for r in rows if r["date"].startswith("1998-06")}
    may = {r["customer"] for r in rows if r["date"].startswith("1998-05")}
    customers = {r["customer"] for r in rows}
    # Everyone's first purchase was in Q1 1997: nobody is new in 1998.
    assert (len(june), len(may), len(customers)) == (138, 134, 2357)
    at = open_page("dashboard.py")
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles == {"Customers active": "138", "New customers": "0",
                     "Returning customers": "138",
                     "Came back (% of earlier customers)": f"{138 / 2357 * 100:.1f}%"}
    assert any("--inactive-days N" in i.value for i in at.info)
    assert not any("churn_date" in i.value for i in at.info)
    cohorts = open_page(COHORTS)
    assert not cohorts.exception
    assert basis_widget(cohorts).value == "Returned"
    assert [s.value for s in cohorts.subheader][:2] == ["Retention triangle", "Retention curves"]
    assert len(cohorts.get("plotly_chart")) >= 3
