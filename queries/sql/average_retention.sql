-- grain: age.  retention_pct = sum(retained) / sum(cohort_size) * 100 over COMPLETE cells only
-- (size-weighted across cohorts, right-censored: a cohort contributes to an age only once every
-- member could have reached it). cohorts and customers say how many stand behind each point.
with curve_grid as (/*include:cohort_retention*/),

curve_cells as (select curve_grid.*, curve_grid.retained as kept from curve_grid)

/*include:average_cells*/
