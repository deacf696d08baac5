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
with selected as (/*selected_customers*/),

history as (
    -- mrr_facts (data/facts.sql): mrr_history keyed by the integer customer_key
    select hist.customer_key, hist.month, hist.mrr::double as mrr
    from mrr_facts as hist
    join selected as cf using (customer_key)
    where hist.month <= date_trunc('month', $as_of)
),

periods as (
    select
        period,
        least(period + /*step*/ - interval 1 month, date_trunc('month', $as_of))::date as end_month,
        least((period + /*step*/ - interval 1 day)::date, $as_of) as period_end,
        (period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from (
        select unnest(generate_series(
            date_trunc($grain, (select min(month) from history)) + /*step*/,
            date_trunc($grain, $as_of),
            /*step*/
        ))::date as period
        where exists (select 1 from history)
    )
),

starting as (
    select
        periods.period,
        periods.end_month,
        periods.period_end,
        history.customer_key,
        history.mrr as start_mrr
    from periods
    join history on history.month = (periods.period - interval 1 month)::date
    join selected as cf using (customer_key)
    where cf.churn_date is null or cf.churn_date >= periods.period
),

moves as (
    select
        starting.period,
        starting.start_mrr,
        case
            when ending.mrr is null or cf.churn_date <= starting.period_end then null
            else ending.mrr
        end as end_mrr
    from starting
    join selected as cf using (customer_key)
    left join history as ending
        on ending.customer_key = starting.customer_key and ending.month = starting.end_month
),

totals as (
    select
        period,
        count(*) as customers,
        sum(start_mrr) as start_mrr,
        coalesce(sum(greatest(end_mrr - start_mrr, 0)), 0) as expansion_mrr,
        coalesce(sum(greatest(start_mrr - end_mrr, 0)), 0) as contraction_mrr,
        coalesce(sum(start_mrr) filter (where end_mrr is null), 0) as churned_mrr
    from moves
    group by period
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
