"""The Overview on a customers-only telco export (tenure + Yes/No churn, no dates), loaded with the
README's line: its churn rate for the as-of month is the real one, not 0%."""

from __future__ import annotations

import os

import pytest

from tests.pages.conftest import open_page
from tests.unit.test_real_exports import _with_out, example


@pytest.fixture(scope="module")
def telco_db(tmp_path_factory):
    import settings
    from data import load

    path = tmp_path_factory.mktemp("telco") / "retention.duckdb"
    assert load.main(_with_out(example("IBM telco"), path)) == 0
    old_env, old = os.environ.get("RETENTION_DB"), settings.DB_PATH
    os.environ["RETENTION_DB"], settings.DB_PATH = str(path), path
    yield path
    settings.DB_PATH = old
    if old_env is None:
        os.environ.pop("RETENTION_DB", None)
    else:
        os.environ["RETENTION_DB"] = old_env


def test_overview_shows_the_telco_churn_rate_of_the_as_of_month(telco_db):
    at = open_page("dashboard.py")
    assert not at.exception
    tiles = {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}
    # As of 2024-09-30: 1,869 of the 7,032 customers there on Sep 1 (tenure >= 1) churned: 26.6%
    assert tiles["Churn rate"] == "26.6%"
    assert "30 Sep 2024" in " ".join(c.value for c in at.caption)
