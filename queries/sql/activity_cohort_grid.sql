-- Included by activity_retention and activity_revenue: the cohort x age grid of the selected
-- customers (CTEs members, cohorts, all_cohorts, grid; expects `selected` before it). Cohort
-- periods without signups are kept (size 0) so time axes have no gaps.
members as (
    select cf.customer_key, cf./*cohort*/ as cohort
    from selected as cf
),

cohorts as (
    select cohort, count(*) as cohort_size
    from members
    group by cohort
),

all_cohorts as (
    select period.cohort, coalesce(cohorts.cohort_size, 0) as cohort_size
    from (
        select unnest(generate_series(min(cohort), max(cohort), /*step*/))::date as cohort
        from cohorts
    ) as period
    left join cohorts using (cohort)
),

grid as (
    select cohort, cohort_size, unnest(generate_series(0, /*periods_to_as_of*/)) as age
    from all_cohorts
)
