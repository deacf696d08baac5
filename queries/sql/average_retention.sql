-- grain: age.  retention_pct = sum(retained) / sum(cohort_size) * 100 over COMPLETE cells only
-- (size-weighted across cohorts, right-censored: a cohort contributes to an age only once every
-- member could have reached it). cohorts and customers say how many stand behind each point.
with grid as (/*include:cohort_retention*/),

cells as (select grid.*, grid.retained as kept from grid)

/*include:average_cells*/
