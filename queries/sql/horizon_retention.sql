-- Included by retention_by_products and early_expansion_retention: retention at a horizon of
-- $horizon_months months, per group. Expects `grouped` (the selected customers, each with its
-- group grp, null for a customer in no group) and `groups` (grp, rank: every group shown, in
-- order) before it; defines complete, counts and measured.
--   complete     = customers whose horizon is complete: signup_date + $horizon_months months <= as_of
--   retained     = churn_date null, or > as_of, or > signup_date + horizon months
--   retained_pct = retained / customers * 100 (null for an empty group)
--   is_reliable  = customers >= $min_n
--   excluded_incomplete = selected customers left out because signup + horizon > as_of
complete as (
    select grp, not is_churned or churn_date > signup_date + to_months($horizon_months) as is_retained
    from grouped
    where signup_date + to_months($horizon_months) <= $as_of
),

counts as (
    select grp, count(*) as customers, count(*) filter (where is_retained) as retained
    from complete
    where grp is not null
    group by grp
),

measured as (
    select
        groups.grp as "group",
        coalesce(counts.customers, 0)::bigint as customers,
        counts.retained * 100.0 / counts.customers as retained_pct,
        coalesce(counts.customers, 0) >= $min_n as is_reliable,
        coalesce(counts.retained, 0)::bigint as retained,
        (
            select count(*) from grouped
            where signup_date + to_months($horizon_months) > $as_of
        )::bigint as excluded_incomplete,
        groups.rank
    from groups
    left join counts using (grp)
)
