"""The reason mapping's view of a snapshot: every raw reason with its count, category and status,
the mapping versions, the split of Other into 'no reason' and 'unmapped', and the latest date in
the data (the as-of picker's upper bound).

Customers (default as-of 2024-04-01, g's signup: every churn date is before it):
    a  churned 2024-02-01  'Too  EXPENSIVE'  -> 'too expensive', mapped to Price
    b  churned 2024-02-10  'too expensive'   -> the same
    c  churned 2024-03-01  'Budget freeze'   -> 'budget freeze', unmapped (Other)
    d  churned 2024-03-02  'budget freeze'   -> the same
    e  churned 2024-03-03  '   '             -> no reason (blank)
    f  churned 2024-03-04  no reason         -> no reason
    g  active, signed up 2024-04-01; one ticket created 2024-03-20, resolved 2024-04-10
6 lost: 2 each in too expensive / budget freeze / no reason (33.3% each).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from data import remap, snapshots
from queries import (
    Filters,
    connect,
    data_quality,
    latest_data_date,
    mapping_versions,
    raw_reasons,
    reason_mapping,
)
from tests.unit.fixtures import customers, make_db

# (customer_id, signup_date, churn_date, churn_reason): "e" gave a blank reason, "f" none.
CUSTOMERS = customers(
    ("a", "2024-01-01", "2024-02-01", "Too  EXPENSIVE"),
    ("b", "2024-01-01", "2024-02-10", "too expensive"),
    ("c", "2024-01-01", "2024-03-01", "Budget freeze"),
    ("d", "2024-01-01", "2024-03-02", "budget freeze"),
    ("e", "2024-01-01", "2024-03-03", "   "),
    ("f", "2024-01-01", "2024-03-04"),
    ("g", "2024-04-01"),
)
TICKETS = [{"ticket_id": "t1", "customer_id": "g", "created_at": "2024-03-20 09:00",
            "resolved_at": "2024-04-10 09:00"}]
THIRD = 100 / 3


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mapping")
    make_db(folder, CUSTOMERS, tickets=TICKETS).close()
    return folder / "retention.duckdb"


@pytest.fixture(scope="module")
def con(live):
    connection = connect(live)
    yield connection
    connection.close()


def test_every_raw_reason_with_its_count_category_and_status(con):
    expected = pd.DataFrame({
        # unmapped first, then mapped, then the customers who gave no reason
        "reason": ["budget freeze", "too expensive", None],
        # each reason has two spellings, one customer each: the first in text order ('B' < 'b',
        # 'T' < 't')
        "example": ["Budget freeze", "Too  EXPENSIVE", "   "],
        "spellings": [2, 2, 1],  # e's blank text (f's null is no spelling)
        "customers_lost": [2, 2, 2],
        "share_pct": [THIRD, THIRD, THIRD],
        "category": [None, "Price", None],
        "owner_team": [None, "Pricing / Finance", None],
        "status": ["unmapped", "mapped", "no reason"],
        # no customer here has a category of its own from the export (customers.churn_category)
        "from_file": [0, 0, 0],
        "file_category": [None, None, None],
    })
    pd.testing.assert_frame_equal(reason_mapping(con), expected)


def test_other_splits_into_no_reason_and_unmapped(con):
    got = raw_reasons(con, Filters(), "Other")
    assert got[["reason", "customers_lost", "status"]].values.tolist() == [
        ["(no reason given)", 2, "no reason"],  # e (blank) and f (null)
        ["budget freeze", 2, "unmapped"],  # c and d
    ]
    quality = data_quality(con, Filters())
    assert (quality["churned_without_reason"], quality["churned_unmapped_reason"],
            quality["unmapped_reasons"]) == (2, 2, 1)


def test_latest_data_date_reaches_past_the_default_as_of(con):
    # t1's resolution on 2024-04-10 is the latest date; the default as-of is g's signup.
    assert latest_data_date(con) == date(2024, 4, 10)
    assert con.execute("select default_as_of from meta").fetchone()[0] == date(2024, 4, 1)


def test_mapping_versions_newest_first(tmp_path):
    make_db(tmp_path, CUSTOMERS).close()
    live = tmp_path / "retention.duckdb"
    remap.add_reasons(live, [{"reason": "budget freeze", "category": "Budget",
                              "owner_team": "Finance"}], saved_by="ana@example.com")
    con = connect(live)
    try:
        got = mapping_versions(con)
        # Other: c, d, e, f (4 of 6) before; e, f (2 of 6) after.
        assert got[["version", "saved_by", "how", "reasons"]].values.tolist() == [
            [2, "ana@example.com", "app", 28], [1, "demo data generator", "demo", 27]]
        assert got["other_before_pct"].tolist()[0] == pytest.approx(400 / 6)
        assert got["other_after_pct"].tolist() == pytest.approx([200 / 6, 400 / 6])
        assert pd.isna(got["other_before_pct"].iloc[1])
        assert got["snapshot_id"].iloc[0] in snapshots.resolve(live).name
    finally:
        con.close()


def test_mapping_versions_of_a_snapshot_built_before_them_is_empty(tmp_path):
    make_db(tmp_path, CUSTOMERS).close()
    path = snapshots.resolve(tmp_path / "retention.duckdb")
    writable = duckdb.connect(str(path))
    writable.execute("drop table mapping_versions")
    writable.close()
    con = connect(path)
    try:
        got = mapping_versions(con)
        assert got.empty and "other_after_pct" in got.columns
    finally:
        con.close()
