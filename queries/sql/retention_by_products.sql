-- grain: products held (products_count '1', '2', '3', '4+'; 'Unknown' when null, shown only if any).
-- Selected customers whose horizon is complete: signup_date + $horizon_months months <= as_of.
--   retained     = churn_date null, or > as_of, or > signup_date + horizon months
--   retained_pct = retained / customers * 100 (null for an empty group)
--   is_reliable  = customers >= $min_n
--   excluded_incomplete = selected customers left out because signup + horizon > as_of
-- products_count is the customer's current (or at-churn) count, not the count at signup.
with selected as (/*selected_customers*/),

eligible as (
    select
        case
            when cf.products_count is null then 'Unknown'
            when cf.products_count >= 4 then '4+'
            else cf.products_count::varchar
        end as grp,
        not cf.is_churned or cf.churn_date > cf.signup_date + to_months($horizon_months) as is_retained
    from selected as cf
    where cf.signup_date + to_months($horizon_months) <= $as_of
),

groups as (
    select * from (values ('1', 1), ('2', 2), ('3', 3), ('4+', 4), ('Unknown', 5)) as g(grp, rank)
),

counts as (
    select grp, count(*) as customers, count(*) filter (where is_retained) as retained
    from eligible
    group by grp
),

final as (
    select
        groups.grp as "group",
        coalesce(counts.customers, 0)::bigint as customers,
        counts.retained * 100.0 / counts.customers as retained_pct,
        coalesce(counts.customers, 0) >= $min_n as is_reliable,
        coalesce(counts.retained, 0)::bigint as retained,
        (
            select count(*) from selected as cf
            where cf.signup_date + to_months($horizon_months) > $as_of
        )::bigint as excluded_incomplete,
        groups.rank
    from groups
    left join counts using (grp)
    where groups.grp <> 'Unknown' or counts.customers > 0
)

select "group", customers, retained_pct, is_reliable, retained, excluded_incomplete
from final
order by rank
