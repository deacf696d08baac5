"""data.build.portable on its own: each override, executed on Spark against DuckDB's answer to the same
DuckDB statement (the expected values are worked out in the comments), and parameter binding."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from data.build import portable


def duck(sql: str, params: dict | None = None) -> list[tuple]:
    return duckdb.connect().execute(sql, params or {}).fetchall()


def on_spark(spark, sql: str, params: dict | None = None) -> list[tuple]:
    text, args = portable.bind(sql, params or {}, "spark")
    return [tuple(row) for row in spark.sql(text, args=args).collect()]


def test_parameters_are_numbered_on_postgres_and_named_on_spark():
    sql = "select $b as b, $a as a, $b + 1 as c  -- $not_a_parameter in a comment"
    assert portable.parameter_names(sql) == ["a", "b"]
    assert portable.to_dialect(sql, "postgres") == "SELECT $2 AS b, $1 AS a, $2 + 1 AS c"
    # Bound, each is cast to its value's type (Postgres cannot tell the type of `$1 is null`).
    text, args = portable.bind(sql, {"a": 1, "b": 2, "unused": 3}, "postgres")
    assert text == "SELECT CAST($2 AS BIGINT) AS b, CAST($1 AS BIGINT) AS a, CAST($2 AS BIGINT) + 1 AS c"
    assert args == [1, 2]
    # A None has neither a value to bind nor a type: it is written NULL, and the others renumbered.
    text, args = portable.bind(sql, {"a": None, "b": ["x", "y"]}, "postgres")
    assert text == "SELECT CAST($1 AS TEXT[]) AS b, NULL AS a, CAST($1 AS TEXT[]) + 1 AS c"
    assert args == [["x", "y"]]
    text, args = portable.bind(sql, {"a": 1, "b": 2}, "spark")
    assert text == "SELECT :b AS b, :a AS a, :b + 1 AS c"
    assert args == {"a": 1, "b": 2}


def test_a_missing_parameter_is_named():
    with pytest.raises(KeyError, match="as_of"):
        portable.bind("select $as_of", {}, "spark")
    with pytest.raises(ValueError, match="unknown dialect 'oracle'"):
        portable.to_dialect("select 1", "oracle")


def test_interval_functions(spark):
    # Jan 31 + 1 month clamps to Feb 29 (2024 is a leap year); + 3 months to Apr 30; + 10 days.
    sql = ("select ($d + to_months(1))::date as m1, ($d + to_months($n))::date as m3, "
           "($d + to_days(10))::date as d10")
    params = {"d": date(2024, 1, 31), "n": 3}
    expected = [(date(2024, 2, 29), date(2024, 4, 30), date(2024, 2, 10))]
    assert duck(sql, params) == expected
    assert on_spark(spark, sql, params) == expected


def test_month_difference_counts_month_boundaries(spark):
    # Jan 31 -> Feb 1: one boundary crossed (Spark's own DATEDIFF(MONTH) says 0 whole months);
    # Feb 1 -> Feb 29: none; Dec 15 2023 -> Jan 14 2025: 13.
    sql = ("select datediff('month', date '2024-01-31', date '2024-02-01') as a, "
           "datediff('month', date '2024-02-01', date '2024-02-29') as b, "
           "datediff('month', date '2023-12-15', date '2025-01-14') as c")
    assert duck(sql) == [(1, 0, 13)]
    assert on_spark(spark, sql) == [(1, 0, 13)]


def test_quantiles_of_one_sort(spark):
    # 1, 2, 4, 10: the median interpolates 2..4 -> 3; the 0.9 quantile sits at position 0.9 * 3
    # = 2.7, between 4 and 10: 4 + 0.7 * 6 = 8.2.
    sql = ("with q as (select quantile_cont(x, [0.5, 0.9]) as q "
           "from (values (1.0::double), (2.0), (4.0), (10.0)) as t(x)) "
           "select q[1] as median, q[2] as p90 from q")
    (median, p90), = duck(sql)
    assert (median, p90) == (3.0, pytest.approx(8.2))
    (median, p90), = on_spark(spark, sql)
    assert (median, p90) == (3.0, pytest.approx(8.2))


def test_bound_dates_and_timestamps(spark):
    # The end of the as-of day is a timestamp; a ticket at 23:00 is before it, one at midnight not.
    sql = ("select count(*) filter (where created_at < $as_of_end) as before_end, "
           "count(*) filter (where created_at::date <= $as_of) as on_or_before "
           "from (values (timestamp '2024-04-15 23:00'), (timestamp '2024-04-16 00:00')) as t(created_at)")
    params = {"as_of": date(2024, 4, 15), "as_of_end": datetime(2024, 4, 16)}
    assert duck(sql, params) == [(1, 1)]
    assert on_spark(spark, sql, params) == [(1, 1)]


def test_a_cte_not_materialized(spark):
    # Read twice, once per join side: 2 rows x 2 rows = 4; Postgres keeps the hint, Spark has none.
    sql = ("with pair as not materialized (select x from (values (1), (2)) as t(x)) "
           "select count(*) as n from pair as a cross join pair as b")
    assert "AS NOT MATERIALIZED" in portable.to_dialect(sql, "postgres")
    assert duck(sql) == [(4,)]
    assert on_spark(spark, sql) == [(4,)]
