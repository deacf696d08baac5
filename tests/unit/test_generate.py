"""The demo generator: determinism, the research findings it must show, and the schema's rules.

One 20,000-customer database per module (seed 42, default as-of). Tolerances are stated per test;
at this size a retention rate on ~500-1,700 customers has a standard error of 1-2 points.
Two-year retention: customers with signup_date + 24 months <= as_of; retained = churn_date is
null, or > as_of, or > signup_date + 24 months.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import numpy as np
import pytest

from data import build

from data.demo import generate

from data.demo import outreach as generate_outreach

N = 20_000
AS_OF = generate.DEFAULT_AS_OF

TWO_YEAR = """
with cohort as (
    select
        cust.*,
        (cust.churn_date is null or cust.churn_date > $as_of
         or cust.churn_date > cust.signup_date + interval 24 month) as retained
    from customers as cust
    where cust.signup_date + interval 24 month <= $as_of
)
"""

CATEGORY = """
with churned as (
    select cust.*, coalesce(map.category, 'Other') as category
    from customers as cust
    left join churn_reason_categories as map
        on map.reason_key = lower(trim(regexp_replace(cust.churn_reason, '\\s+', ' ', 'g')))
    where cust.churn_date is not null
)
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    calls = []
    meta = generate.generate(root / "demo.duckdb", customers=N, seed=42,
                             progress=lambda fraction, step: calls.append((fraction, step)))
    con = duckdb.connect(str(root / "demo.duckdb"), read_only=True)
    yield {"con": con, "meta": meta, "calls": calls, "root": root}
    con.close()


@pytest.fixture(scope="module")
def con(demo):
    return demo["con"]


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql, {"as_of": AS_OF} if "$as_of" in sql else {}).fetchall()


def one(con, sql: str):
    return rows(con, sql)[0][0]


def outside_active_life(column: str) -> str:
    """A condition true for a row dated (by `column`) before its customer's signup date, after
    the end of the as-of day, or on or after a churn date that has come: none should exist."""
    return (f"{column} < signup_date or {column} >= $as_of + interval 1 day "
            f"or (churn_date <= $as_of and {column} >= churn_date)")


def checksums(path) -> dict:
    """Row count and an order-sensitive hash (rowid included) of every data table."""
    with duckdb.connect(str(path), read_only=True) as db:
        return {
            table: db.execute(f"select count(*), sum(hash(rowid, columns(*))) from {table}").fetchone()
            for table in build.TABLES
        }


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


# --- churn reasons -------------------------------------------------------------------------------
def test_other_share_is_small_but_not_empty(con):
    other = one(con, CATEGORY + "select 100 * avg((category = 'Other')::int) from churned")
    assert 1 <= other <= 15
    assert one(con, "select count(*) from customers where churn_date is null "
                    "and churn_reason is not null") == 0


def test_raw_reasons_vary_in_case_and_whitespace(con):
    texts, keys = rows(con, """
        select count(distinct churn_reason),
               count(distinct lower(trim(regexp_replace(churn_reason, '\\s+', ' ', 'g'))))
        from customers
    """)[0]
    assert texts >= 2 * keys
    # Every mapped category occurs.
    assert one(con, CATEGORY + "select count(distinct category) from churned") == 11


def test_reason_mix_depends_on_segment(con):
    share = {
        (segment, category): pct
        for segment, category, pct in rows(con, CATEGORY + """
            select segment, category,
                   100 * count(*) / sum(count(*)) over (partition by segment)
            from churned group by 1, 2
        """)
    }
    assert share["Enterprise", "Organizational change"] > share["SMB", "Organizational change"] + 5
    assert share["SMB", "Failed onboarding"] > share["Enterprise", "Failed onboarding"] + 3


def test_price_increase_raises_price_churn(con):
    before, after = rows(con, CATEGORY + """
        select 100 * avg((category = 'Price')::int) filter (where churn_date < date '2025-07-01'),
               100 * avg((category = 'Price')::int) filter (where churn_date >= date '2025-07-01')
        from churned
    """)[0]
    assert after >= before + 3


# --- tickets -------------------------------------------------------------------------------------
def test_about_ten_tickets_per_customer_year(con):
    per_year = one(con, """
        select (select count(*) from tickets) / sum(
            datediff('day', signup_date, least(coalesce(churn_date, $as_of), $as_of)) + 1) * 365.25
        from customers
    """)
    assert 8 <= per_year <= 12


def test_ticket_mixes_and_shares(con):
    stats = rows(con, """
        select count(distinct channel), count(distinct category), count(distinct priority),
               100 * avg((first_response_at is null)::int),
               100 * avg((csat is not null)::int),
               100 * avg((ces is not null)::int),
               100 * avg((agent_replies <= 1)::int) filter (where resolved_at is not null)
        from tickets
    """)[0]
    channels, categories, priorities, unanswered, csat_rated, ces_rated, one_touch = stats
    assert (channels, categories, priorities) == (4, 6, 4)
    assert 1 <= unanswered <= 4  # ~2 % never answered
    assert 35 <= csat_rated <= 45  # ~40 % rated
    assert 20 <= ces_rated <= 30  # ~25 % rated
    assert 30 <= one_touch <= 70


def test_open_tickets_are_mostly_recent(con):
    recent, total = rows(con, """
        select count(*) filter (where created_at >= $as_of - interval 30 day), count(*)
        from tickets where resolved_at is null
    """)[0]
    assert total > 0 and recent > total / 2


def test_frt_depends_on_channel_and_priority(con):
    by_channel = dict(rows(con, """
        select channel, median(datediff('second', created_at, first_response_at)) from tickets
        group by 1
    """))
    assert by_channel["phone"] < by_channel["chat"] < by_channel["email"] < by_channel["web"]
    by_priority = dict(rows(con, """
        select priority, median(datediff('second', created_at, first_response_at)) from tickets
        group by 1
    """))
    assert by_priority["urgent"] < by_priority["high"] < by_priority["normal"] < by_priority["low"]


def test_csat_and_ces_are_worse_when_first_response_is_slow(con):
    fast_csat, fast_ces, slow_csat, slow_ces = rows(con, """
        with frt as (
            select *, datediff('second', created_at, first_response_at) as frt_s from tickets
        )
        select 100 * avg((csat >= 4)::int) filter (where frt_s < 3600),
               avg(ces) filter (where frt_s < 3600),
               100 * avg((csat >= 4)::int) filter (where frt_s > 4 * 3600),
               avg(ces) filter (where frt_s > 4 * 3600)
        from frt
    """)[0]
    assert slow_csat <= fast_csat - 20
    assert slow_ces <= fast_ces - 0.5


def test_bad_early_support_experience_lowers_retention(con):
    by_experience = dict(rows(con, TWO_YEAR + """
        , early as (
            select customer_id,
                   bool_or(datediff('second', created_at, first_response_at) > 4 * 3600
                           or csat < 4) as bad
            from tickets join customers using (customer_id)
            where created_at < signup_date + interval 90 day
            group by 1
        )
        select coalesce(bad, false), 100 * avg(retained::int)
        from cohort left join early using (customer_id)
        group by 1
    """))
    assert by_experience[True] <= by_experience[False] - 5


def test_customers_leaving_over_support_write_in_more_before_they_go(con):
    """Tickets in the 90 days before churn, per churned customer, by the reason's category: those
    who leave over support or product quality write in far more often than the rest (Other is a
    mix of every category, written so that the mapping misses it)."""
    per_customer = dict(rows(con, """
        with churned as (
            select c.customer_id, c.churn_date, coalesce(m.category, 'Other') as category
            from customers as c
            left join churn_reason_categories as m
                on m.reason_key = lower(trim(regexp_replace(c.churn_reason, '\\s+', ' ', 'g')))
            where c.churn_date is not null
        )
        select churned.category, count(t.ticket_id) / count(distinct churned.customer_id)
        from churned
        left join tickets as t
            on t.customer_id = churned.customer_id
           and t.created_at >= churned.churn_date - interval 90 day
           and t.created_at < churned.churn_date + interval 1 day
        group by 1
    """))
    others = [v for k, v in per_customer.items()
              if k not in ("Support experience", "Product quality", "Missing features", "Other")]
    assert per_customer["Support experience"] >= 1.4 * max(others)
    assert per_customer["Product quality"] >= 1.3 * max(others)


# --- NPS -----------------------------------------------------------------------------------------
def test_nps_is_quarterly_for_about_a_third_and_tracks_churn(con):
    months = {m for (m,) in rows(con, "select distinct month(responded_at) from nps_responses")}
    assert months <= {1, 2, 4, 5, 7, 8, 10, 11}
    # Share of customers active on a survey day who answered that survey.
    share = one(con, """
        with survey as (
            select distinct date_trunc('quarter', responded_at)::date + 14 as day from nps_responses
        ),
        active as (
            select count(*) as n from survey join customers
                on signup_date < day and (churn_date is null or churn_date > day)
        )
        select (select count(*) from nps_responses) / n from active
    """)
    assert 0.25 <= share <= 0.35
    churned, active = rows(con, """
        select avg(score) filter (where churn_date <= $as_of),
               avg(score) filter (where churn_date is null or churn_date > $as_of)
        from nps_responses join customers using (customer_id)
    """)[0]
    assert churned <= active - 1


# --- activity ------------------------------------------------------------------------------------
def test_activity_only_during_active_life(con):
    assert one(con, f"""
        select count(*) from activity join customers using (customer_id)
        where {outside_active_life("occurred_at")}
    """) == 0
    # Everyone still a customer at the end of the signup day used the product that day.
    assert one(con, """
        select count(*) from customers
        where (churn_date is null or churn_date > signup_date)
          and customer_id not in (
              select customer_id from activity where occurred_at::date = signup_date)
    """) == 0


def test_activity_fades_before_churn(con):
    """Sessions per customer-day in the last 30 days before churn against days 90-180 before it,
    for customers who churned more than 180 days after signup: the fade keeps on average
    0.15 + 0.85 * (15 / 90) = 29% of the usual level in the last 30 days, 100% before day 90."""
    late, usual = rows(con, """
        with churned as (
            select customer_id, churn_date from customers
            where churn_date <= $as_of and churn_date >= signup_date + interval 181 day
        )
        select
            count(*) filter (where occurred_at >= churn_date - interval 30 day) / 30.0,
            count(*) filter (where occurred_at >= churn_date - interval 180 day
                             and occurred_at < churn_date - interval 90 day) / 90.0
        from activity join churned using (customer_id)
    """)[0]
    assert 0.2 <= late / usual <= 0.4


def test_activity_has_a_random_stream_of_its_own(tmp_path, monkeypatch):
    """No activity drawn at all leaves every other table exactly as it is with activity: the
    demo tables other tests compare numbers on did not move when activity was added."""
    generate.generate(tmp_path / "with.duckdb", customers=500, seed=5)
    monkeypatch.setattr(generate, "_activity", lambda rng, c, as_of: {
        "cust": np.empty(0, np.int32), "at": np.empty(0, np.int64), "kind": np.empty(0, np.int8)})
    generate.generate(tmp_path / "without.duckdb", customers=500, seed=5)
    with_activity, without = checksums(tmp_path / "with.duckdb"), checksums(tmp_path / "without.duckdb")
    assert with_activity.pop("activity")[0] > 500 and without.pop("activity")[0] == 0
    assert with_activity == without


# --- outreach ------------------------------------------------------------------------------------
def test_outreach_rows_and_response_rate_by_channel(con):
    # Onboarding (about 1.5 contacts per customer) plus check-ins or announcements every 3-6
    # months of life plus save campaigns: 2-5 contacts per customer.
    assert 2 * N <= one(con, "select count(*) from outreach") <= 5 * N
    rate = dict(rows(con, """
        select channel, count(responded_at) * 100.0 / count(*) from outreach group by channel
        having count(*) >= 1000
    """))
    # Calls are returned most, then meetings, e-mails, in-app messages (22 / 9 % drawn, less
    # for at-risk customers); each rate on >= 1,000 contacts has a standard error below 1.6 points.
    assert rate["phone"] > rate["meeting"] + 5 > rate["email"] + 10 > rate["in-app"] + 15
    assert 5 <= rate["in-app"] <= 15 and 45 <= rate["phone"] <= 65
    campaigns = dict(rows(con, "select campaign, count(*) from outreach group by campaign"))
    assert {"Save: usage drop", "Save: support recovery", "Save: renewal risk", "Onboarding welcome",
            "Quarterly check-in"} <= set(campaigns)
    assert 0.04 <= campaigns[None] / sum(campaigns.values()) <= 0.12  # ad-hoc, 8 % drawn


def test_outreach_only_during_active_life_and_answered_before_as_of(con):
    assert one(con, f"""
        select count(*) from outreach join customers using (customer_id)
        where {outside_active_life("contacted_at")}
           or responded_at <= contacted_at
           or responded_at >= $as_of + interval 1 day
           or (churn_date <= $as_of and responded_at >= churn_date + interval 1 day)
    """) == 0
    # Actions only with a response, 0 to 3 of them.
    assert rows(con, """
        select count(*) filter (where actions is not null and responded_at is null),
               count(*) filter (where responded_at is not null and actions is null),
               min(actions), max(actions)
        from outreach""") == [(0, 0, 0, 3)]


def test_responses_come_hours_to_days_later(con):
    hours = dict(rows(con, """
        select channel, median(epoch(responded_at - contacted_at) / 3600) from outreach
        where responded_at is not null group by channel"""))
    # Medians drawn: phone 3 h, in-app 1.5 h, e-mail 20 h, meeting 26 h.
    assert hours["phone"] < 6 and hours["in-app"] < 4
    assert 10 <= hours["email"] <= 40 and 12 <= hours["meeting"] <= 48


def test_save_campaigns_aim_at_customers_about_to_leave(con):
    churned_within_180 = dict(rows(con, """
        select campaign like 'Save:%', avg(case when churn_date <= contacted_at::date + 180
                                                then 100.0 else 0 end)
        from outreach join customers using (customer_id)
        where campaign is not null and contacted_at::date + 180 <= $as_of
        group by all"""))
    # Most flags are true (the churn was 2-11 weeks away; a fifth of the responders' was moved
    # later by the save), routine contacts reach everyone.
    assert churned_within_180[True] >= 60 and churned_within_180[False] <= 25


def test_the_retention_effect_is_modest(con):
    """Among customers in a save campaign, those who answered are still customers 90 days after
    the first save contact more often than those who did not: 15 % of responders are kept
    30-180 days longer, so the gap is real but about 10 points, on ~500 responders (standard
    error ~2.5 points). Customers contacted in a month (any campaign) against those not, crudely,
    are within a few points: the save campaigns go to the riskiest customers."""
    kept = dict(rows(con, """
        with saves as (
            select customer_id, min(contacted_at)::date as first_day,
                   bool_or(responded_at is not null) as answered
            from outreach where campaign like 'Save:%' group by customer_id
        )
        select answered, avg(case when churn_date is null or churn_date > first_day + 90
                                  then 100.0 else 0 end)
        from saves join customers using (customer_id)
        where first_day + 90 <= $as_of group by answered"""))
    assert 3 <= kept[True] - kept[False] <= 20
    contacted, not_contacted = rows(con, """
        with months as (
            select unnest(generate_series(date '2025-06-01', date '2026-07-01', interval 1 month))::date
                as month
        ),
        reached as (
            select distinct customer_id, date_trunc('month', contacted_at)::date as month from outreach
        ),
        base as (
            select months.month, cust.churn_date, reached.customer_id is not null as contacted
            from months
            join customers as cust
              on cust.signup_date < months.month - 180
             and (cust.churn_date is null or cust.churn_date >= months.month)
            left join reached on reached.customer_id = cust.customer_id
                             and reached.month = months.month
        )
        select avg(case when churn_date is null or churn_date > month + 90 then 100.0 else 0 end)
        from base group by contacted order by contacted desc""")
    assert abs(contacted[0] - not_contacted[0]) <= 5


@pytest.mark.slow
def test_routine_outreach_has_a_random_stream_of_its_own(tmp_path, monkeypatch):
    """No routine contacts drawn leaves every other table exactly as it is with them (the save
    campaigns, drawn before, are the only outreach that moves a churn)."""
    generate.generate(tmp_path / "with.duckdb", customers=500, seed=5)
    empty = {"cust": np.empty(0, np.int64), "contacted": np.empty(0, np.int64),
             "channel": np.empty(0, np.int8), "campaign": np.empty(0, np.int8),
             "responded": np.empty(0, np.int64), "actions": np.empty(0, np.int8)}
    monkeypatch.setattr(generate_outreach, "routine", lambda rng, c, as_of_day: empty)
    generate.generate(tmp_path / "without.duckdb", customers=500, seed=5)
    with_routine, without = checksums(tmp_path / "with.duckdb"), checksums(tmp_path / "without.duckdb")
    assert with_routine.pop("outreach")[0] > without.pop("outreach")[0] > 0
    assert with_routine == without
