-- grain: age.  retention_pct = sum(returned) / sum(cohort_size) * 100 over COMPLETE cells of
-- activity_retention only (size-weighted across cohorts, right-censored: a cohort counts at an
-- age only once that period has ended). cohorts and customers say who stands behind each point.
with grid as (/*include:activity_retention*/),

cells as (select grid.*, grid.returned as kept from grid)

/*include:average_cells*/
