-- grain: period of the response (week / month / quarter), every period from the first response's
-- to the as-of period.  NPS responses of the selected customers made before the end of the as-of
-- day ($as_of_end).
--   responses      = responses in the period
--   promoters_pct  = responses scoring 9-10 / responses * 100
--   detractors_pct = responses scoring 0-6 / responses * 100
--   nps            = promoters_pct - detractors_pct (-100..100)
--   is_complete    = last day of the period <= as_of
-- Periods without responses: responses 0, percentages null.
-- $since (optional; kpi_summary's shortcut): only responses from since's period on are read, so the
-- series starts there.  Responses come from nps_facts (data/facts.sql), keyed by customer_key.
with selected as (/*selected_customers*/),

response as (
    select date_trunc($grain, resp.responded_at)::date as period, resp.score
    from nps_facts as resp
    join selected as cf using (customer_key)
    where resp.responded_at < $as_of_end
      and ($since is null or resp.responded_at >= date_trunc($grain, $since::date))
),

dated as (select period from response),

periods as (/*include:period_series*/),

counts as (
    select
        period,
        count(*) as responses,
        count(*) filter (where score >= 9) as promoters,
        count(*) filter (where score <= 6) as detractors
    from response
    group by period
),

final as (
    select
        periods.period,
        coalesce(counts.responses, 0)::bigint as responses,
        counts.promoters * 100.0 / counts.responses as promoters_pct,
        counts.detractors * 100.0 / counts.responses as detractors_pct,
        (counts.promoters - counts.detractors) * 100.0 / counts.responses as nps,
        (periods.period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from periods
    left join counts using (period)
)

select * from final
order by period
