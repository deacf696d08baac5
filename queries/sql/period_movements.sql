-- grain: period (week / month / quarter, from the first signup period to the as-of period).
-- For period p = [p_start, p_end] (p_end = as_of for the current, incomplete period):
--   start_customers S = active on p_start - 1 day = signed up before p_start, not churned before it
--   new_customers   N = signups in p
--   end_customers   E = active on p_end = S + N - every churn in p
--   churned           = customers of S whose churn_date falls in p
--   crr_pct = (E - N) / S * 100 (customer retention rate);  churn_rate_pct = churned / S * 100
-- Built from per-period counts and running sums (no range join). MRR uses customers.mrr
-- (current, or at churn), a null mrr counting 0.
with selected as (/*selected_customers*/),

signups as (
    select date_trunc($grain, cf.signup_date)::date as period,
        count(*) as n_new, sum(cf.mrr_or_zero) as mrr_new
    from selected as cf
    group by 1
),

churns as (
    select date_trunc($grain, cf.churn_date)::date as period,
        count(*) as n_churn,
        count(*) filter (where cf.signup_date < date_trunc($grain, cf.churn_date)) as n_churn_existing,
        sum(cf.mrr_or_zero) as mrr_churn,
        sum(cf.mrr_or_zero) filter (where cf.signup_date < date_trunc($grain, cf.churn_date))
            as mrr_churn_existing
    from selected as cf
    where cf.is_churned
    group by 1
),

dated as (select period from signups),

periods as (/*include:period_series*/),

flows as (
    select
        periods.period,
        coalesce(signups.n_new, 0) as n_new,
        coalesce(signups.mrr_new, 0) as mrr_new,
        coalesce(churns.n_churn, 0) as n_churn,
        coalesce(churns.n_churn_existing, 0) as n_churn_existing,
        coalesce(churns.mrr_churn, 0) as mrr_churn
    from periods
    left join signups using (period)
    left join churns using (period)
),

running as (
    select
        *,
        coalesce(sum(n_new - n_churn) over w, 0) as start_customers,
        coalesce(sum(mrr_new - mrr_churn) over w, 0) as start_mrr
    from flows
    window w as (order by period rows between unbounded preceding and 1 preceding)
),

final as (
    select
        period,
        start_customers::bigint as start_customers,
        n_new::bigint as new_customers,
        (start_customers + n_new - n_churn)::bigint as end_customers,
        n_churn_existing::bigint as churned,
        case when start_customers > 0
            then (start_customers + n_new - n_churn - n_new) / start_customers * 100 end as crr_pct,
        case when start_customers > 0
            then n_churn_existing / start_customers * 100 end as churn_rate_pct,
        (period + /*step*/ - interval 1 day)::date <= $as_of as is_complete,
        least((period + /*step*/ - interval 1 day)::date, $as_of) as period_end,
        start_mrr::double as start_mrr,
        (start_mrr + mrr_new - mrr_churn)::double as end_mrr
    from running
)

select * from final
order by period
