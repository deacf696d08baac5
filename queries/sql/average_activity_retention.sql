-- grain: age.  retention_pct = sum(returned) / sum(cohort_size) * 100 over COMPLETE cells of
-- activity_retention only (size-weighted across cohorts, right-censored: a cohort counts at an
-- age only once that period has ended). cohorts and customers say who stands behind each point.
with cells as (/*include:activity_retention*/),

final as (
    select
        age,
        round(sum(returned) / sum(cohort_size) * 100, 10) as retention_pct,
        count(*) as cohorts,
        sum(customers) as customers,
        sum(cohort_size) as cohort_size,
        sum(returned) as returned
    from cells
    where is_complete and cohort_size > 0
    group by age
)

select * from final
order by age
