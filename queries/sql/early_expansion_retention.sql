-- grain: early expansion ('Expansion in first 3 months' / 'No expansion').
-- Selected customers whose horizon is complete: signup_date + $horizon_months months <= as_of, and
-- who have mrr_history (customer_facts.early_expansion: any of the 3 months after the signup month
-- with mrr above the signup month's; null without history -> excluded and counted).
--   retained     = churn_date null, or > as_of, or > signup_date + horizon months
--   retained_pct = retained / customers * 100 (null for an empty group)
--   is_reliable  = customers >= $min_n
--   excluded_no_history = complete-horizon customers left out for having no mrr_history
--   excluded_incomplete = selected customers left out because signup + horizon > as_of
with selected as (/*selected_customers*/),

complete as (
    select
        cf.early_expansion,
        not cf.is_churned or cf.churn_date > cf.signup_date + to_months($horizon_months) as is_retained
    from selected as cf
    where cf.signup_date + to_months($horizon_months) <= $as_of
),

groups as (
    select * from (values ('Expansion in first 3 months', true, 1), ('No expansion', false, 2))
        as g(grp, early_expansion, rank)
),

counts as (
    select early_expansion, count(*) as customers, count(*) filter (where is_retained) as retained
    from complete
    where early_expansion is not null
    group by early_expansion
),

final as (
    select
        groups.grp as "group",
        coalesce(counts.customers, 0)::bigint as customers,
        counts.retained * 100.0 / counts.customers as retained_pct,
        coalesce(counts.customers, 0) >= $min_n as is_reliable,
        coalesce(counts.retained, 0)::bigint as retained,
        (select count(*) from complete where early_expansion is null)::bigint as excluded_no_history,
        (
            select count(*) from selected as cf
            where cf.signup_date + to_months($horizon_months) > $as_of
        )::bigint as excluded_incomplete,
        groups.rank
    from groups
    left join counts using (early_expansion)
)

select "group", customers, retained_pct, is_reliable, retained, excluded_no_history,
       excluded_incomplete
from final
order by rank
