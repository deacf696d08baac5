-- Included by outreach_retention: who is compared, per period of contact (week / month /
-- quarter, $grain) in which anyone was contacted, a contacted customer once per split
-- (/*group*/ of their contacts: 'All', the channel or the campaign, from an allow-list).
-- Expects `selected` (the selected customers, churns after as_of nulled) and `contact`
-- (outreach_contacts) before it.
--   contacted customer     : split = the group of the contact; index_date = the date of their
--                            first contact of that group in the period (the contact with no
--                            earlier one of its group in the period: /*previous*/)
--   not-contacted customer : selected, no contact of any group in that period; split null (they
--                            are the comparison of every split); index_date = the period's first
--                            day
-- Both must be active at the index (signup_date <= index_date < churn_date, or never churned).
--   stratum    : period, plan, segment and age band at the index (months since signup: 0-3,
--                3-12, 12+; + k months clamps to month end)
--   is_complete: index_date + $days <= as_of (the whole window has passed)
--   day        : days from the index to the churn when it falls within $days, else $days
--   is_churned : churn_date <= index_date + $days (retained = not is_churned)
-- Defines the CTEs member, firsts, dated, periods, compared_period, side, indexed, subject,
-- cell, contacted_split, band_span, band_edge, active, reached and not_reached; the queries read
-- contacted_split (every split with a contacted customer) and the last two:
--   reached     : the contacted customers (once per split and period of contact, complete or
--                 not) counted per split x stratum x is_complete x day x is_churned (customers)
--   not_reached : the not-contacted customers of each period whose window has passed, counted
--                 per stratum x day x is_churned (customers), without a row per customer and
--                 period: everyone active at the period's first day, counted from the edges of
--                 each customer's spans in an age band (active = spans begun by then and not yet
--                 ended), minus those contacted in the period; those who churned within the
--                 window are placed on their day, the rest stay to day $days.
member as (
    -- the selected customers with the first days of their later age bands, once per customer
    select customer_key, plan, segment, signup_date, churn_date,
           signup_date + interval 3 month as band_3_at,
           signup_date + interval 12 month as band_12_at
    from selected
),

firsts as (
    -- the contacts with their customer's stratum columns (outreach_contacts carries them)
    select
        /*group*/ as split,
        date_trunc($grain, contacted_at)::date as period,
        contacted_at,
        coalesce(/*previous*/ < date_trunc($grain, contacted_at), true) as is_split_first,
        coalesce(previous_at < date_trunc($grain, contacted_at), true) as is_first,
        plan, segment, signup_date, churn_date, band_3_at, band_12_at, contact_age_band
    from contact
),

dated as (
    -- the first period with a contact of anyone (read from outreach_facts, not `contact`, so
    -- that the contacts are read once; compared periods no selected customer was contacted in
    -- add not-contacted strata that no contacted stratum matches, so they change nothing)
    select period
    from (
        select date_trunc($grain, min(contacted_at))::date as period
        from outreach_facts
        where contacted_at < $as_of_end
    ) as first_contact
    where period is not null
),

periods as (/*include:period_series*/),

compared_period as (
    -- every period from the first contact's whose window has passed
    select period
    from periods
    where period + to_days($days::integer) <= $as_of
),

side as (
    select 1 as weight
    union all
    select -1 as weight
),

indexed as (
    -- each first contact, once or twice: (weight 1) a contacted customer at their index, once
    -- per split and period, in the age band of the contact's day; (weight -1) when it is the
    -- customer's first of any group in a compared period, that customer taken out of the
    -- period's not-contacted customers, at the period's first day
    select
        case when side.weight = 1 then firsts.split end as split,
        firsts.period,
        case when side.weight = 1 then firsts.contacted_at::date else firsts.period end
            as index_date,
        side.weight,
        firsts.plan,
        firsts.segment,
        firsts.signup_date,
        firsts.churn_date,
        case when side.weight = 1 then firsts.contact_age_band
             when firsts.period < firsts.band_3_at then '0-3 months'
             when firsts.period < firsts.band_12_at then '3-12 months'
             else '12+ months' end as age_band
    from firsts
    cross join side
    where (side.weight = 1 and firsts.is_split_first)
       or (side.weight = -1 and firsts.is_first
           and firsts.period + to_days($days::integer) <= $as_of)
    union all
    -- a customer whose churn falls within the window of a compared period
    select null::varchar as split, compared_period.period, compared_period.period as index_date,
           1 as weight, cf.plan, cf.segment, cf.signup_date, cf.churn_date,
           case when compared_period.period < cf.band_3_at then '0-3 months'
                when compared_period.period < cf.band_12_at then '3-12 months'
                else '12+ months' end as age_band
    from compared_period
    join (select * from member where churn_date is not null) as cf
        on cf.churn_date > compared_period.period
        and cf.churn_date <= compared_period.period + to_days($days::integer)
),

subject as (
    -- in whole days from the index (the same as comparing with index_date + $days, without a
    -- timestamp per row): churn_day = days to the churn, null when never churned
    select
        period,
        split,
        weight,
        plan,
        segment,
        age_band,
        datediff('day', index_date, $as_of) >= $days as is_complete,
        coalesce(churn_day <= $days, false) as is_churned,
        case when churn_day <= $days then churn_day else $days end as day,
        signup_date <= index_date and (churn_day is null or churn_day > 0) as is_active
    from (
        select period, split, weight, plan, segment, age_band, index_date, signup_date,
               datediff('day', index_date, churn_date) as churn_day
        from indexed
    ) as dated_subject
),

band_span as (
    -- the days on which a selected customer is active and in an age band: from span_from
    -- (included) to span_to (excluded; null: still active)
    select plan, segment, '0-3 months' as age_band, signup_date as span_from,
           case when churn_date < band_3_at then churn_date else band_3_at end as span_to
    from member
    where churn_date is null or churn_date > signup_date
    union all
    select plan, segment, '3-12 months' as age_band, band_3_at as span_from,
           case when churn_date < band_12_at then churn_date else band_12_at end as span_to
    from member
    where churn_date is null or churn_date > band_3_at
    union all
    select plan, segment, '12+ months' as age_band, band_12_at as span_from,
           churn_date as span_to
    from member
    where churn_date is null or churn_date > band_12_at
),

band_edge as (
    -- spans begun (+1) and ended (-1) per stratum and day
    select plan, segment, age_band, edge_at, sum(change) as change
    from (
        select plan, segment, age_band, span_from as edge_at, 1 as change from band_span
        union all
        select plan, segment, age_band, span_to as edge_at, -1 as change
        from band_span
        where span_to is not null
    ) as edges
    group by plan, segment, age_band, edge_at
),

active as (
    -- customers active at the first day of each compared period, per stratum
    select compared_period.period, band_edge.plan, band_edge.segment, band_edge.age_band,
           sum(band_edge.change) as customers
    from compared_period
    join band_edge on band_edge.edge_at <= compared_period.period
    group by compared_period.period, band_edge.plan, band_edge.segment, band_edge.age_band
),

cell as (
    -- the subjects counted per split x stratum x day: what every later step adds up. A
    -- contacted customer's split is never null; the not-contacted side adds those churned within
    -- the window (weight 1) and takes out those contacted in the period (weight -1). Only the
    -- active at their index are subjects; a contacted customer who is not still names its split
    select split, period, plan, segment, age_band, is_complete, day, is_churned, is_active,
           sum(weight) as customers,
           sum(case when split is null and weight = 1 then 1 else 0 end) as churned_in_window
    from subject
    where split is not null or is_active
    group by split, period, plan, segment, age_band, is_complete, day, is_churned, is_active
),

contacted_split as (
    select distinct split from cell where split is not null
),

reached as (
    select split, period, plan, segment, age_band, is_complete, day, is_churned, customers
    from cell
    where split is not null and is_active
),

not_reached as (
    select period, plan, segment, age_band, day, is_churned, sum(customers) as customers
    from (
        -- the churned within the window on their day; those contacted out, on theirs
        select period, plan, segment, age_band, day, is_churned, customers
        from cell
        where split is null
        union all
        -- everyone active stays to day $days, except the churned within the window
        select period, plan, segment, age_band, $days as day, false as is_churned,
               -churned_in_window as customers
        from cell
        where split is null
        union all
        select period, plan, segment, age_band, $days as day, false as is_churned, customers
        from active
    ) as parts
    group by period, plan, segment, age_band, day, is_churned
    having sum(customers) > 0
)
