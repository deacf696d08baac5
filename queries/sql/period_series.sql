-- Included by nps, outreach_kpis, period_movements and support_kpis as the body of their `periods`:
-- every period start (week / month / quarter, $grain) from the earliest `period` of `dated` to the
-- as-of period, so that a period without rows still shows; no rows when `dated` is empty.
-- Expects `dated` (rows with a period start `period`) before it.
select unnest(generate_series(
    (select min(period) from dated), date_trunc($grain, $as_of)::date, /*step*/
))::date as period
where exists (select 1 from dated)
