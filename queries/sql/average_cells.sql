-- The average curve of a cohort x age grid `curve_cells` (cohort_size, kept, customers,
-- is_complete per cell): per age, sum(kept) / sum(cohort_size) * 100 over COMPLETE cells only
-- (size-weighted across cohorts, right-censored), with the cohorts and customers behind each
-- age. kept is the grid's numerator (retained, returned); the query function gives the column
-- that name back.
-- The names curve_grid/curve_cells differ from every CTE inside the included grids: Spark
-- resolves an outer `grid.*` against an inner CTE of the same name and fails.
select
    age,
    round(sum(kept) / sum(cohort_size) * 100, 10) as retention_pct,
    count(*) as cohorts,
    sum(customers) as customers,
    sum(cohort_size) as cohort_size,
    sum(kept) as kept
from curve_cells
where is_complete and cohort_size > 0
group by age
order by age
