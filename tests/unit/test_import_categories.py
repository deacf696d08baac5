"""The export's own churn categories (customers.churn_category): they win over the reason
mapping, and an older snapshot gets the column. Tiny files in; the rows written out by hand."""

from __future__ import annotations

import duckdb

import queries
from data import build, importer
from tests.unit.test_import_options import AS_OF
from tests.unit.test_load import write
from tests.unit.test_shapes import rows


# --- the export's own churn categories -----------------------------------------------------------
CATEGORIES = """\
customer_id,signup_date,churn_date,churn_reason,mrr,Churn Category
a,2024-01-01,2024-03-01,Moved to a competitor,10,Competitor
b,2024-01-01,2024-03-10,weird reason,20,price
c,2024-01-01,2024-04-01,weird reason,30,
d,2024-01-01,,,40,Dissatisfaction
"""


def test_churn_category_from_the_file_wins_over_the_mapping(tmp_path):
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", CATEGORIES)}, as_of=AS_OF,
                         mapping={"customers": {"churn_category": "Churn Category"}})
    conversions = meta["summary"]["conversions"]
    # a and b churned with a category; d's is not used (active)
    assert "2 churned customers with the export's own churn_category: it wins over the reason " \
           "mapping for them" in conversions
    assert "churn_category of 1 active customer not used (they have not churned)" in conversions
    # 'weird reason' is unmapped, but only c counts in Other for it (b's file category wins)
    assert meta["summary"]["unmatched_reasons"] == [
        {"reason": "weird reason", "customers": 1, "share_pct": 33.3}]
    # b's 'price' is spelled and owned as the mapping's Price; c falls in Other
    assert rows(out, "select customer_id, churn_category, churn_owner_team, is_category_from_file "
                     "from customer_facts order by 1") == [
        ("a", "Competitor", "Product & Marketing", True), ("b", "Price", "Pricing / Finance", True),
        ("c", "Other", None, False), ("d", None, None, False)]
    con = queries.connect(out)
    try:
        # the Churn reasons page (and the Overview's top reasons, the board pack) read these
        lost = queries.churn_reasons(con, queries.Filters()).set_index("category")
        assert lost["customers_lost"].to_dict() == {"Competitor": 1, "Other": 1, "Price": 1}
        assert lost.loc["Price", "mrr_lost"] == 20
        # the Reason mapping page: per reason, how many categories the file gave, and which
        mapping = queries.reason_mapping(con).set_index("reason")
        assert mapping.loc["weird reason", ["customers_lost", "from_file", "file_category"]
                           ].tolist() == [2, 1, "Price"]
        assert mapping.loc["moved to a competitor", ["from_file", "file_category"]].tolist() == [
            1, "Competitor"]
    finally:
        con.close()


def test_an_older_snapshot_gets_the_churn_category_column(tmp_path):
    con = duckdb.connect()
    con.execute("create table customers (customer_id varchar, signup_date date)")
    build.add_missing_tables(con)
    assert ("churn_category", "VARCHAR") in con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = 'customers'"
    ).fetchall()
    con.close()
