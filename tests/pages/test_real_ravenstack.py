"""The pages on all four RavenStack exports at once (accounts with a churn flag, churn events,
subscriptions, help-desk tickets without a category), loaded unedited with the README's maps:
what the import assumed is said, and a column the tickets cannot fill is not shown."""

from __future__ import annotations

import pytest

from tests.pages.conftest import app_reading, open_page
from tests.unit.test_real_exports import REAL

MAPS = {"customers.customer_id": "account_id", "customers.churned": "churn_flag",
        "customers.plan": "plan_tier", "churn_events.customer_id": "account_id",
        "churn_events.churn_reason": "reason_code", "subscriptions.customer_id": "account_id",
        "subscriptions.mrr": "mrr_amount", "tickets.customer_id": "account_id",
        "tickets.created_at": "submitted_at",
        "tickets.first_response_minutes": "first_response_time_minutes",
        "tickets.resolution_hours": "resolution_time_hours",
        "tickets.csat": "satisfaction_score"}


@pytest.fixture(scope="module")
def ravenstack_db(tmp_path_factory):
    from data import load

    path = tmp_path_factory.mktemp("ravenstack") / "retention.duckdb"
    argv = ["--out", str(path),
            "--customers", str(REAL / "ravenstack_accounts.csv"),
            "--churn-events", str(REAL / "ravenstack_churn_events.csv"),
            "--subscriptions", str(REAL / "ravenstack_subscriptions.csv"),
            "--tickets", str(REAL / "ravenstack_support_tickets.csv")]
    for target, header in MAPS.items():
        argv += ["--map", f"{target}={header}"]
    assert load.main(argv) == 0
    with app_reading(path):
        yield path


def test_support_x_retention_leaves_out_ticket_categories_the_export_lacks(ravenstack_db):
    at = open_page("pages/5_Support_x_retention.py")
    assert not at.exception
    # 110 customers churned by flag, 35 of them without a churn event or date (README's
    # RavenStack line): a mixed file, so those 35 are left out of the history, and the header
    # says so.
    assert (":material/info: 35 of the 110 churned customers have no churn date: they are "
            "left out of every number here, the history of the 75 customers churned on a known "
            "date.") in [c.value for c in at.caption]
    # The tickets have no category: the pre-churn table has no "Top ticket categories" column
    # (it would read "Unknown 100%" on every row).
    table = at.dataframe[-1]
    assert "top_ticket_categories" in table.value.columns
    assert list(table.proto.column_order) == [
        "category", "churned_customers", "tickets_per_customer", "baseline_tickets_per_customer"]
    # The 75 dated churned customers are in the one reason category, Other (no reason code is
    # mapped); the 35 without a date are left out.
    assert table.value[["category", "churned_customers"]].values.tolist() == [["Other", 75]]
