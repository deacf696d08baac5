-- grain: age.  revenue_per_customer = sum(cumulative_revenue) / sum(cohort_size) over COMPLETE
-- cells of activity_revenue only (size-weighted across cohorts, right-censored): what an average
-- customer has spent by the end of their k-th period after signup. cohorts and customers say who
-- stands behind each point.
with cells as (/*include:activity_revenue*/),

final as (
    select
        age,
        sum(cumulative_revenue) / sum(cohort_size) as revenue_per_customer,
        count(*) as cohorts,
        sum(customers) as customers,
        sum(revenue) as revenue
    from cells
    where is_complete and cohort_size > 0
    group by age
)

select * from final
order by age
