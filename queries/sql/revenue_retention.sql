-- grain: period (month / quarter; mrr_history is monthly), from the first period that has a month
-- of history before it to the as-of period.  For period p starting on p_start:
--   start set   = selected customers with an mrr_history row for the month before p_start who are
--                 active at p_start - 1 day (not churned before p_start); start_mrr = that row's mrr
--   end month   = p's last month, capped at the as-of month (later months are ignored);
--                 p_end = p's last day capped at as_of
--   churned_mrr = start mrr of those with no row in the end month or churned by p_end
--   expansion_mrr / contraction_mrr = sum of the increases / decreases (as positive numbers) from
--                 start mrr to end-month mrr of those still present
--   nrr_pct = (start + expansion - contraction - churned) / start * 100
--   grr_pct = (start - contraction - churned) / start * 100          (null when start_mrr = 0)
--   customers = size of the start set;  is_complete = p's last day <= as_of
-- No rows when the selection has no mrr_history.
-- $since (optional; kpi_summary's shortcut): history before the month preceding since's period is
-- not read, so the series starts at the first period from since on (null: every period).
-- No self-join: each mrr_facts row (data/facts.sql) carries the customer's mrr 1, 2 and 3 months
-- later, so a start row also gives the mrr of the end month (1 to 3 months after it).
-- One pass over the selection's history: each row is matched to the period it starts (if any)
-- and aggregated per period at once, the selection's first month taken in the same pass, so the
-- joined history (4M rows for one plan at 1M customers) is streamed, never stored.
with selected as (/*selected_customers*/),

history as (
    select hist.*, cf.churn_date
    from mrr_facts as hist
    join selected as cf using (customer_key)
    where hist.month <= date_trunc('month', $as_of)
      and ($since is null or hist.month >= date_trunc($grain, $since::date) - interval 1 month)
),

candidates as (
    -- every period from the snapshot's first month of history on; `periods` keeps those from
    -- the selection's first month on
    select
        period,
        least(period + /*step*/ - interval 1 month, date_trunc('month', $as_of))::date as end_month,
        -- months from the start row's month (the month before p) to the end month: 1 to 3
        datediff('month', (period - interval 1 month)::date,
                 least(period + /*step*/ - interval 1 month, date_trunc('month', $as_of))::date)
            as months_to_end,
        least((period + /*step*/ - interval 1 day)::date, $as_of) as period_end,
        (period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from (
        select unnest(generate_series(
            date_trunc($grain, (select min(month) from mrr_facts)) + /*step*/,
            date_trunc($grain, $as_of),
            /*step*/
        ))::date as period
    ) as starts
),

moves as (
    -- start set: the row of the month before p of customers not churned before p; a row that
    -- starts no period (or whose customer churned before it) only gives the first month
    select
        periods.period,
        hist.month,
        periods.period is not null
            and (hist.churn_date is null or hist.churn_date >= periods.period) as is_start,
        hist.mrr::double as start_mrr,
        case
            when hist.churn_date <= periods.period_end then null
            when periods.months_to_end = 1 then hist.mrr_1m_later
            when periods.months_to_end = 2 then hist.mrr_2m_later
            else hist.mrr_3m_later
        end::double as end_mrr
    from history as hist
    left join candidates as periods on hist.month = (periods.period - interval 1 month)::date
),

totals as (
    select
        period,
        min(month) as first_month,
        count(*) filter (where is_start) as customers,
        sum(start_mrr) filter (where is_start) as start_mrr,
        coalesce(sum(greatest(end_mrr - start_mrr, 0)) filter (where is_start), 0) as expansion_mrr,
        coalesce(sum(greatest(start_mrr - end_mrr, 0)) filter (where is_start), 0)
            as contraction_mrr,
        coalesce(sum(start_mrr) filter (where is_start and end_mrr is null), 0) as churned_mrr
    from moves
    group by period
),

periods as (
    select candidates.*
    from candidates
    where candidates.period >= (
        select date_trunc($grain, min(first_month)) + /*step*/ from totals
    )
),

final as (
    select
        periods.period,
        coalesce(totals.start_mrr, 0)::double as start_mrr,
        coalesce(totals.expansion_mrr, 0)::double as expansion_mrr,
        coalesce(totals.contraction_mrr, 0)::double as contraction_mrr,
        coalesce(totals.churned_mrr, 0)::double as churned_mrr,
        case when totals.start_mrr > 0 then (totals.start_mrr + totals.expansion_mrr
            - totals.contraction_mrr - totals.churned_mrr) / totals.start_mrr * 100 end as nrr_pct,
        case when totals.start_mrr > 0 then (totals.start_mrr
            - totals.contraction_mrr - totals.churned_mrr) / totals.start_mrr * 100 end as grr_pct,
        periods.is_complete,
        coalesce(totals.customers, 0)::bigint as customers,
        periods.period_end
    from periods
    left join totals using (period)
)

select * from final
order by period
