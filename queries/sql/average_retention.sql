-- grain: age.  retention_pct = sum(retained) / sum(cohort_size) * 100 over COMPLETE cells only
-- (size-weighted across cohorts, right-censored: a cohort contributes to an age only once every
-- member could have reached it). cohorts and customers say how many stand behind each point.
with cells as (/*include:cohort_retention*/),

final as (
    select
        age,
        round(sum(retained) / sum(cohort_size) * 100, 10) as retention_pct,
        count(*) as cohorts,
        sum(customers) as customers,
        sum(cohort_size) as cohort_size,
        sum(retained) as retained
    from cells
    where is_complete and cohort_size > 0
    group by age
)

select * from final
order by age
