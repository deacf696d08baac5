-- grain: cohort x age.  retention_pct = retained / cohort_size * 100, where
--   cohort_size = customers (logo) or their mrr sum (mrr basis) who signed up in the cohort period,
--   retained    = those not churned by as_of, or whose first age without them is after this age.
-- Each customer's churn age is precomputed (customer_facts); losses are a histogram per cohort and
-- age, cumulated over age. Ages run 0 .. the largest age any member has reached by as_of.
-- is_complete: last day of the cohort period + age periods <= as_of (every member reached it).
-- customers: the number of customers in the cohort (equal to cohort_size on the logo basis).
-- Cohort periods without signups are kept (size 0, retention null) so time axes have no gaps.
with selected as (/*selected_customers*/),

members as (
    select
        cf./*cohort*/ as cohort,
        /*weight*/ as weight,
        case when cf.is_churned then cf./*churn_age*/ end as churn_age,
        /*age_reached*/ as age_reached
    from selected as cf
),

cohorts as (
    select cohort, sum(weight) as cohort_size, count(*) as customers, max(age_reached) as max_age
    from members
    group by cohort
),

all_cohorts as (
    select
        period.cohort,
        coalesce(cohorts.cohort_size, 0) as cohort_size,
        coalesce(cohorts.customers, 0) as customers,
        coalesce(cohorts.max_age, 0) as max_age
    from (
        select unnest(generate_series(min(cohort), max(cohort), /*step*/))::date as cohort
        from cohorts
    ) as period
    left join cohorts using (cohort)
),

losses as (
    select cohort, churn_age as age, sum(weight) as lost
    from members
    where churn_age is not null
    group by cohort, churn_age
),

grid as (
    select cohort, cohort_size, customers, unnest(generate_series(0, max_age)) as age
    from all_cohorts
),

cells as (
    select
        grid.cohort,
        grid.age,
        grid.cohort_size,
        grid.cohort_size - sum(coalesce(losses.lost, 0)) over (
            partition by grid.cohort order by grid.age rows unbounded preceding
        ) as retained,
        grid.customers
    from grid
    left join losses using (cohort, age)
),

final as (
    select
        cohort,
        age::integer as age,
        cohort_size,
        retained,
        case when cohort_size > 0 then round(retained / cohort_size * 100, 10) end
            as retention_pct,
        /*cell_end*/ <= $as_of as is_complete,
        customers
    from cells
)

select * from final
order by cohort, age
