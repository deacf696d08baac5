"""The demo generator's events: churn reasons, tickets, NPS, activity and outreach, and the
research findings they must show (tests/unit/test_generate.py has the generator's mechanics, the
schema's rules, customers and churn).

One 20,000-customer database per session (tests/unit/generated.py). Tolerances are stated per
test; at this size a rate on ~500-1,700 customers has a standard error of 1-2 points.
"""

from __future__ import annotations

import numpy as np
import pytest

from data.demo import generate
from data.demo import outreach as generate_outreach
from tests.unit.generated import CATEGORY, N, TWO_YEAR, checksums, one, outside_active_life, rows


@pytest.fixture(scope="module")
def con(generated_demo):
    return generated_demo["con"]


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
