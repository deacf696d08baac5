-- grain: age.  retention_pct = sum(returned) / sum(cohort_size) * 100 over COMPLETE cells of
-- activity_retention only (size-weighted across cohorts, right-censored: a cohort counts at an
-- age only once that period has ended). cohorts and customers say who stands behind each point.
with curve_grid as (/*include:activity_retention*/),

curve_cells as (select curve_grid.*, curve_grid.returned as kept from curve_grid)

/*include:average_cells*/
