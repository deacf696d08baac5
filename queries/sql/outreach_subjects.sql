-- Included by outreach_retention and outreach_survival_table: who is compared, one row per
-- customer and period of contact (week / month / quarter, $grain) in which anyone was contacted,
-- a contacted customer once per split (/*group*/ of their contacts: 'All', the channel or the
-- campaign, from an allow-list). Expects `selected` (the selected customers, churns after as_of
-- nulled) and `contact` (outreach_contacts) before it; defines the CTEs contacted,
-- contact_periods, candidate and subject.
--   contacted customer     : split = the group of the contact; index_date = the date of their
--                            first contact of that group in the period
--   not-contacted customer : selected, no contact of any group in that period; split null (they
--                            are the comparison of every split); index_date = the period's first
--                            day
-- Both must be active at the index (signup_date <= index_date < churn_date, or never churned).
--   stratum    : period, plan, segment and age band at the index (months since signup: 0-3,
--                3-12, 12+; + k months clamps to month end)
--   is_complete: index_date + $days <= as_of (the whole window has passed)
--   day        : days from the index to the churn when it falls within $days, else $days
--   is_churned : churn_date <= index_date + $days (retained = not is_churned)
contacted as (
    select customer_key, split, period, min(contacted_at)::date as index_date
    from (
        select customer_key, /*group*/ as split, date_trunc($grain, contacted_at)::date as period,
               contacted_at
        from contact
    ) as labelled
    group by customer_key, split, period
),

contact_periods as (
    select distinct period from contacted
),

candidate as (
    select period, customer_key, split, index_date, true as is_contacted
    from contacted
    union all
    select contact_periods.period, cf.customer_key, null::varchar as split,
           contact_periods.period as index_date, false as is_contacted
    from contact_periods
    cross join selected as cf
    where cf.signup_date <= contact_periods.period
      and (cf.churn_date is null or cf.churn_date > contact_periods.period)
      and not exists (
          select 1 from contacted
          where contacted.customer_key = cf.customer_key
            and contacted.period = contact_periods.period)
),

subject as (
    select
        candidate.period,
        candidate.split,
        candidate.is_contacted,
        cf.plan,
        cf.segment,
        case when candidate.index_date < cf.signup_date + interval 3 month then '0-3 months'
             when candidate.index_date < cf.signup_date + interval 12 month then '3-12 months'
             else '12+ months' end as age_band,
        candidate.index_date + to_days($days::integer) <= $as_of as is_complete,
        coalesce(cf.churn_date <= candidate.index_date + to_days($days::integer), false)
            as is_churned,
        case when cf.churn_date <= candidate.index_date + to_days($days::integer)
            then datediff('day', candidate.index_date, cf.churn_date) else $days end as day
    from candidate
    join selected as cf using (customer_key)
    where cf.signup_date <= candidate.index_date
      and (cf.churn_date is null or cf.churn_date > candidate.index_date)
)
