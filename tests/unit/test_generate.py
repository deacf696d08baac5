"""The demo generator: determinism, meta and command line, the schema's rules, and the customers
and churn it draws (tests/unit/test_generate_events.py has its tickets, reasons, NPS, activity
and outreach).

One 20,000-customer database per session (tests/unit/generated.py). Tolerances are stated per
test; at this size a retention rate on ~500-1,700 customers has a standard error of 1-2 points.
Two-year retention is defined in tests/unit/generated.py.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from data import build
from data.demo import generate
from tests.unit.generated import AS_OF, N, TWO_YEAR, checksums, one, rows


@pytest.fixture(scope="module")
def demo(generated_demo):
    return generated_demo


@pytest.fixture(scope="module")
def con(generated_demo):
    return generated_demo["con"]



# --- determinism ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_same_arguments_give_identical_tables_and_another_seed_does_not(demo):
    again = demo["root"] / "again.duckdb"
    other = demo["root"] / "other.duckdb"
    generate.generate(again, customers=N, seed=42)
    generate.generate(other, customers=N, seed=43)
    first = checksums(demo["root"] / "demo.duckdb")
    assert checksums(again) == first
    different = checksums(other)
    for table in ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach"):
        assert different[table] != first[table], table


# --- meta, progress, CLI -------------------------------------------------------------------------
def test_meta_records_demo_source_with_seed_and_arguments(demo, con):
    kind, source, default_as_of, tables = rows(
        con, "select source_kind, source, default_as_of, tables from meta")[0]
    assert kind == "demo"
    assert json.loads(source) == {"generator": "data.demo", "seed": 42, "customers": N,
                                  "as_of": "2026-11-18"}
    assert default_as_of == AS_OF == demo["meta"]["default_as_of"]
    assert json.loads(tables)["customers"] == N


def test_progress_runs_from_zero_to_one_with_step_names(demo):
    fractions = [fraction for fraction, _ in demo["calls"]]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(step for _, step in demo["calls"])


def test_cli_builds_with_as_of_argument_and_draws_progress_bar(tmp_path, capsys):
    out = tmp_path / "small.duckdb"
    assert generate.main(["--out", str(out), "--customers", "300", "--seed", "7",
                          "--as-of", "2025-03-31"]) == 0
    captured = capsys.readouterr()
    assert "100%" in captured.err and "customers 300" in captured.out
    with duckdb.connect(str(out), read_only=True) as db:
        assert db.execute("select default_as_of from meta").fetchone()[0] == date(2025, 3, 31)
        # Nothing after the as-of day, even with the fixed price-increase date in the future.
        assert db.execute("select max(signup_date), max(churn_date) <= date '2025-05-30' "
                          "from customers").fetchone() == (date(2025, 3, 31), True)


def test_one_customer_is_enough(tmp_path):
    meta = generate.generate(tmp_path / "one.duckdb", customers=1)
    assert meta["tables"]["customers"] == 1 and meta["default_as_of"] == AS_OF


# --- schema rules --------------------------------------------------------------------------------
def test_integrity_and_key_rules_hold(con):
    build.check_integrity(con)
    assert one(con, "select count(*) from customers where churn_date < signup_date") == 0
    assert one(con, "select count(*) - count(distinct customer_id) from customers") == 0
    assert one(con, "select count(*) from tickets where first_response_at < created_at "
                    "or resolved_at < created_at") == 0


def test_nothing_exists_after_the_end_of_the_as_of_day(con):
    end = "($as_of + interval 1 day)"
    assert one(con, f"select count(*) from tickets where created_at >= {end} "
                    f"or first_response_at >= {end} or resolved_at >= {end}") == 0
    assert one(con, f"select count(*) from nps_responses where responded_at >= {end}") == 0
    assert one(con, "select max(signup_date) from customers") == AS_OF


def test_tickets_only_during_active_life(con):
    assert one(con, """
        select count(*) from tickets join customers using (customer_id)
        where created_at < signup_date
           or (churn_date <= $as_of and created_at >= churn_date + interval 1 day)
    """) == 0


def test_a_few_cancellations_are_scheduled_after_as_of(con):
    scheduled = one(con, "select count(*) from customers where churn_date > $as_of")
    assert 1 <= scheduled <= N * 0.01


def test_customer_mrr_is_the_last_mrr_history_value(con):
    assert one(con, """
        with last as (
            select customer_id, arg_max(mrr, month) as last_mrr from mrr_history group by 1
        )
        select count(*) from customers join last using (customer_id)
        where customers.mrr is distinct from last.last_mrr
    """) == 0
    # ~0.5 % have no mrr at all (and no history); some have no industry: both show as "Unknown".
    no_mrr = one(con, "select count(*) from customers where mrr is null")
    assert N * 0.002 <= no_mrr <= N * 0.01
    assert one(con, "select count(*) from customers where industry is null") > 0


def test_mrr_history_has_one_row_per_active_month(con):
    # Contiguous months from the signup month to the churn month (or the as-of month).
    assert one(con, """
        with span as (
            select customer_id, min(month) as first, max(month) as last, count(*) as n
            from mrr_history group by 1
        )
        select count(*) from span join customers using (customer_id)
        where first <> date_trunc('month', signup_date)
           or n <> datediff('month', first, last) + 1
           or last > date_trunc('month', $as_of)
           or (churn_date <= $as_of and last > date_trunc('month', churn_date))
    """) == 0
    ups, downs = rows(con, """
        with steps as (
            select mrr - lag(mrr) over (partition by customer_id order by month) as change
            from mrr_history
        )
        select count(*) filter (where change > 0), count(*) filter (where change < 0) from steps
    """)[0]
    assert ups > 0.01 * N and downs > 0.01 * N


def test_plan_drives_mrr_level(con):
    medians = dict(rows(con, "select plan, median(mrr) from customers group by 1"))
    assert medians["Starter"] < medians["Growth"] < medians["Enterprise"]


# --- customers and churn -------------------------------------------------------------------------
def test_signups_span_three_years_with_growth(con):
    first, last = rows(con, "select min(signup_date), max(signup_date) from customers")[0]
    assert (last - first).days >= 3 * 365 - 5
    early, late = rows(con, """
        select count(*) filter (where signup_date < min_date + 365),
               count(*) filter (where signup_date > $as_of - 365)
        from customers, (select min(signup_date) as min_date from customers)
    """)[0]
    assert late > 1.5 * early


def test_dimensions_have_the_expected_values(con):
    def values(column):
        return {v for (v,) in rows(con, f"select distinct {column} from customers")}

    assert values("plan") == {"Starter", "Growth", "Enterprise"}
    assert values("segment") == {"SMB", "Mid-market", "Enterprise"}
    assert values("region") == {"NA", "EMEA", "APAC", "LATAM"}
    assert values("acquisition_channel") == {"Inbound", "Outbound", "Partner", "Self-serve"}
    assert len(values("industry") - {None}) == 8
    assert values("products_count") == {1, 2, 3, 4, 5}
    # 5 products is rare.
    assert one(con, "select avg((products_count = 5)::int) from customers") < 0.06


def test_two_year_retention_rises_with_products_held(con):
    by_products = dict(rows(con, TWO_YEAR + """
        select products_count, 100 * avg(retained::int) from cohort group by 1
    """))
    # Research: ~30 % with 1 product, ~50 % with 2, ~65-70 % with 3, ~80 % with 4 (+-8 points).
    assert by_products[1] == pytest.approx(30, abs=8)
    assert by_products[2] == pytest.approx(50, abs=8)
    assert by_products[3] == pytest.approx(67.5, abs=8)
    assert by_products[4] == pytest.approx(80, abs=8)
    for k in (1, 2, 3):
        assert by_products[k + 1] >= by_products[k] + 10, k


def test_no_early_expansion_means_far_more_churn(con):
    churn = dict(rows(con, TWO_YEAR + """
        , expansion as (
            select hist.customer_id,
                   max(hist.mrr) filter (where hist.month = date_trunc('month', cust.signup_date))
                       as signup_mrr,
                   max(hist.mrr) filter (
                       where hist.month > date_trunc('month', cust.signup_date)
                         and hist.month <= date_trunc('month', cust.signup_date) + interval 3 month
                   ) as early_max_mrr
            from mrr_history as hist join customers as cust using (customer_id)
            group by 1
        )
        select coalesce(early_max_mrr > signup_mrr, false), 100 - 100 * avg(retained::int)
        from cohort join expansion using (customer_id)
        group by 1
    """))
    # Research: ~62 % of customers without expansion in their first 3 months churn within 2 years.
    assert churn[False] == pytest.approx(62, abs=8)
    assert churn[True] <= churn[False] - 20


def test_facts_early_expansion_agrees(con):
    # data/build/facts.sql's flag is the same definition as the test above.
    assert one(con, "select count(*) from customer_facts where early_expansion is null") == \
        one(con, "select count(*) from customers where mrr is null")
    share = one(con, "select avg(early_expansion::int) from customer_facts")
    assert 0.25 < share < 0.55


def test_churn_is_concentrated_early_in_life(con):
    first_half_year, third_half_year = rows(con, """
        select count(*) filter (where churn_date < signup_date + interval 6 month),
               count(*) filter (where churn_date >= signup_date + interval 12 month
                                  and churn_date < signup_date + interval 18 month)
        from customers
        where signup_date + interval 18 month <= $as_of and churn_date <= $as_of
    """)[0]
    assert first_half_year > 2 * third_half_year


def test_acquisition_channels_have_different_churn(con):
    by_channel = dict(rows(con, TWO_YEAR + """
        select acquisition_channel, 100 * avg(retained::int) from cohort group by 1
    """))
    assert by_channel["Partner"] >= by_channel["Self-serve"] + 8
