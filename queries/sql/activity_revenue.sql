-- grain: cohort x age, ages in calendar periods after the signup period (as activity_retention).
--   revenue              = sum of the amount of the cohort's activity in period cohort + age
--                          (an activity without an amount counts 0)
--   cumulative_revenue   = revenue over ages 0 .. age
--   revenue_per_customer = cumulative_revenue / cohort_size (null for a period without signups):
--                          the repeat-purchase curve, what a customer has spent by age k
--   is_complete          = period cohort + age has ended by as_of
-- Activity at or after the end of the as-of day does not exist; activity dated before the
-- customer's signup date is ignored. customers: the cohort's customers (cohort_size).
with selected as (/*selected_customers*/),

/*include:activity_cohort_grid*/,

spend as (
    select members.cohort, /*activity_age*/ as age, sum(coalesce(act.amount, 0)) as revenue
    from activity_facts as act
    join members using (customer_key)
    where act.occurred_at < $as_of_end
      and act.tenure_block is not null  -- on or after the signup (data/facts.sql)
    group by 1, 2
),

cumulated as (
    select
        grid.cohort,
        grid.age,
        grid.cohort_size,
        coalesce(spend.revenue, 0)::double as revenue,
        sum(coalesce(spend.revenue, 0)) over (
            partition by grid.cohort order by grid.age rows unbounded preceding
        )::double as cumulative_revenue
    from grid
    left join spend using (cohort, age)
),

final as (
    select
        cohort,
        age::integer as age,
        cohort_size::bigint as cohort_size,
        revenue,
        cumulative_revenue,
        case when cohort_size > 0 then cumulative_revenue / cohort_size end
            as revenue_per_customer,
        /*period_end*/ <= $as_of as is_complete,
        cohort_size::bigint as customers
    from cumulated
)

select * from final
order by cohort, age
