-- Included by outreach_retention after its contacted_strata and other_strata: the stratified
-- log-rank test of each split's contacted customers against the not-contacted ones over the
-- $days after the index, within the strata compared for the split (complete windows only; an
-- unknown plan or segment is left out of the test). Everyone is followed for $days days: a
-- customer still active then leaves observation on day $days.
-- Defines the CTEs compared_strata, reached_days, leaving, at_risk and logrank:
--   leaving : per split x stratum x day, the customers leaving observation that day (c_ the
--             contacted, o_ the others) and how many of them churned (c_events, events)
--   at_risk : on each such day, those still observed, i.e. leaving that day or later
--   logrank : per split, over the strata's days with a churn (n = at risk on both sides,
--             d = churned that day, c and o = at risk on each side):
--               events                  = sum of d
--               observed_minus_expected = sum of (c_events - c x d / n)
--               variance                = sum of d (n - d) c o / (n^2 (n - 1)), 0 when n = 1
--             the chi-square is observed_minus_expected^2 / variance with 1 degree of freedom
--             (queries/outreach.py; the stratified test of queries/survival.py for two groups)
compared_strata as (
    select contacted_strata.split, period, plan, segment, age_band
    from contacted_strata
    join other_strata using (period, plan, segment, age_band)
),

reached_days as (
    select split, period, plan, segment, age_band, day,
           sum(customers) as c_leaving,
           sum(case when is_churned then customers else 0 end) as c_events
    from reached
    where is_complete
    group by split, period, plan, segment, age_band, day
),

leaving as (
    select split, period, plan, segment, age_band, day,
           sum(c_leaving) as c_leaving,
           sum(o_leaving) as o_leaving,
           sum(c_events) as c_events,
           sum(events) as events
    from (
        select split, period, plan, segment, age_band, reached_days.day, reached_days.c_leaving,
               0 as o_leaving, reached_days.c_events, reached_days.c_events as events
        from compared_strata
        join reached_days using (split, period, plan, segment, age_band)
        union all
        select split, period, plan, segment, age_band, not_reached.day, 0 as c_leaving,
               not_reached.customers as o_leaving, 0 as c_events,
               case when not_reached.is_churned then not_reached.customers else 0 end as events
        from compared_strata
        join not_reached using (period, plan, segment, age_band)
    ) as sides
    group by split, period, plan, segment, age_band, day
),

at_risk as (
    select
        split,
        cast(c_events as double) as c_events,
        cast(events as double) as events,
        cast(sum(c_leaving) over (
            partition by split, period, plan, segment, age_band
            order by day desc rows between unbounded preceding and current row) as double) as c,
        cast(sum(o_leaving) over (
            partition by split, period, plan, segment, age_band
            order by day desc rows between unbounded preceding and current row) as double) as o
    from leaving
),

logrank as (
    select
        split,
        sum(events) as events,
        sum(c_events - c * events / (c + o)) as observed_minus_expected,
        sum(case when c + o > 1
            then events * (c + o - events) / ((c + o) * (c + o) * (c + o - 1)) * c * o
            else 0 end) as variance
    from at_risk
    where events > 0
    group by split
)
