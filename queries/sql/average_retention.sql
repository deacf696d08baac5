-- grain: age.  retention_pct = sum(retained) / sum(cohort_size) * 100 over COMPLETE cells only
-- (size-weighted across cohorts, right-censored: a cohort contributes to an age only once every
-- member could have reached it). cohorts and customers say how many stand behind each point.
with cells as (/*include:cohort_retention*/)

/*include:average_cells*/
