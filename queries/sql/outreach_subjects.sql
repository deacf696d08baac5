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
-- Defines the CTEs member, firsts, contacted, compared_period, indexed, subject, cell,
-- band_span, band_edge, active, reached and not_reached; the last two are what the queries read:
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
    select
        /*group*/ as split,
        date_trunc($grain, contact.contacted_at)::date as period,
        contact.contacted_at,
        coalesce(/*previous*/ < date_trunc($grain, contact.contacted_at), true) as is_split_first,
        coalesce(contact.previous_at < date_trunc($grain, contact.contacted_at), true) as is_first,
        member.plan,
        member.segment,
        member.signup_date,
        member.churn_date,
        member.band_3_at,
        member.band_12_at
    from contact
    join member using (customer_key)
),

contacted as (
    select split, period, contacted_at::date as index_date, plan, segment, signup_date, churn_date,
           band_3_at, band_12_at
    from firsts
    where is_split_first
),

compared_period as (
    select distinct period
    from firsts
    where period + to_days($days::integer) <= $as_of
),

indexed as (
    -- a contacted customer at their index, once per split and period
    select split, period, index_date, 1 as weight, plan, segment, signup_date, churn_date,
           band_3_at, band_12_at
    from contacted
    union all
    -- a customer contacted in a compared period: taken out of its not-contacted customers
    select null::varchar as split, period, period as index_date, -1 as weight, plan, segment,
           signup_date, churn_date, band_3_at, band_12_at
    from firsts
    where is_first and period in (select period from compared_period)
    union all
    -- a customer whose churn falls within the window of a compared period
    select null::varchar as split, compared_period.period, compared_period.period as index_date,
           1 as weight, cf.plan, cf.segment, cf.signup_date, cf.churn_date,
           cf.band_3_at, cf.band_12_at
    from compared_period
    join member as cf
        on cf.churn_date > compared_period.period
        and cf.churn_date <= compared_period.period + to_days($days::integer)
),

subject as (
    select
        period,
        split,
        weight,
        plan,
        segment,
        case when index_date < band_3_at then '0-3 months'
             when index_date < band_12_at then '3-12 months'
             else '12+ months' end as age_band,
        index_date + to_days($days::integer) <= $as_of as is_complete,
        coalesce(churn_date <= index_date + to_days($days::integer), false) as is_churned,
        case when churn_date <= index_date + to_days($days::integer)
            then datediff('day', index_date, churn_date) else $days end as day
    from indexed
    where signup_date <= index_date
      and (churn_date is null or churn_date > index_date)
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
    -- the window (weight 1) and takes out those contacted in the period (weight -1)
    select split, period, plan, segment, age_band, is_complete, day, is_churned,
           sum(weight) as customers,
           sum(case when split is null and weight = 1 then 1 else 0 end) as churned_in_window
    from subject
    group by split, period, plan, segment, age_band, is_complete, day, is_churned
),

reached as (
    select split, period, plan, segment, age_band, is_complete, day, is_churned, customers
    from cell
    where split is not null
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
