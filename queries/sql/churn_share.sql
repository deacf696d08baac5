-- grain: one row per group (of a customer dimension, or 'All').
--   churn_share_pct = churned / customers * 100, where customers = the selected customers in the
--   file (signed up by as_of) and churned = those of them churned by as_of. Not a rate per
--   period: the share of one moment, for churn without dates. churned_mrr / active_mrr: the mrr
--   (null as 0) of the churned / the other customers.
with selected as (/*selected_customers*/),

subjects as (
    select /*group*/ as grp, cf.is_churned, cf.mrr_or_zero
    from selected as cf
),

grouped as (
    select
        grp,
        count(*) as customers,
        count(*) filter (where is_churned) as churned,
        sum(case when is_churned then mrr_or_zero else 0 end) as churned_mrr,
        sum(case when is_churned then 0 else mrr_or_zero end) as active_mrr
    from subjects
    group by grp
),

final as (
    select
        grp as "group",
        customers,
        churned,
        churned * 100.0 / customers as churn_share_pct,
        churned_mrr,
        active_mrr
    from grouped
)

select * from final
order by "group"
