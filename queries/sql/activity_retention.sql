-- grain: cohort x age, ages in calendar periods after the signup period (age 0 = the signup period).
--   cohort_size   = selected customers who signed up in the cohort period
--   returned      = bounded ($unbounded false): those with at least one activity in period
--                   cohort + age;  unbounded ($unbounded true): those with at least one activity in
--                   period cohort + age or any later period up to as_of
--   retention_pct = returned / cohort_size * 100 (null for a cohort period without signups)
--   is_complete   = period cohort + age has ended by as_of (its last day <= as_of)
-- Activity at or after the end of the as-of day does not exist, and activity dated before the
-- customer's signup date is ignored (it counts in no per-customer window). Ages run 0 .. the as-of period (the newest, incomplete
-- column). Cohort periods without signups are kept (size 0) so time axes have no gaps.
-- customers: the number of customers in the cohort (cohort_size; the name the charts read).
with selected as (/*selected_customers*/),

/*include:activity_cohort_grid*/,

visits as (
    -- each customer's distinct activity ages
    select distinct act.customer_key, members.cohort, /*activity_age*/ as age
    from activity_facts as act
    join members using (customer_key)
    where act.occurred_at < $as_of_end
      and act.tenure_block is not null  -- on or after the signup (data/facts.sql)
),

in_period as (
    select cohort, age, count(*) as customers
    from visits
    where age >= 0
    group by cohort, age
),

last_visit as (
    -- customers by the age of their last visit: returned on or after age k = last visit >= k
    select cohort, age, count(*) as customers
    from (
        select cohort, max(age) as age
        from visits
        where age >= 0
        group by customer_key, cohort
    ) as last_ages
    group by cohort, age
),

counted as (
    select
        grid.cohort,
        grid.age,
        grid.cohort_size,
        case when $unbounded
            then sum(coalesce(last_visit.customers, 0)) over (
                partition by grid.cohort order by grid.age desc rows unbounded preceding)
            else coalesce(in_period.customers, 0)
        end as returned
    from grid
    left join in_period using (cohort, age)
    left join last_visit using (cohort, age)
),

final as (
    select
        cohort,
        age::integer as age,
        cohort_size::bigint as cohort_size,
        returned::bigint as returned,
        case when cohort_size > 0 then round(returned / cohort_size * 100, 10) end as retention_pct,
        /*period_end*/ <= $as_of as is_complete,
        cohort_size::bigint as customers
    from counted
)

select * from final
order by cohort, age
