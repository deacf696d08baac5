-- grain: early expansion ('Expansion in first 3 months' / 'No expansion').
-- Selected customers whose horizon is complete (signup_date + $horizon_months months <= as_of) and
-- who have mrr_history (customer_facts.early_expansion: any of the 3 months after the signup month
-- with mrr above the signup month's; null without history -> excluded and counted): customers,
-- retained, retained_pct, is_reliable and excluded_incomplete as in horizon_retention.
--   excluded_no_history = complete-horizon customers left out for having no mrr_history
with selected as (/*selected_customers*/),

grouped as (
    select
        case
            when cf.early_expansion then 'Expansion in first 3 months'
            when not cf.early_expansion then 'No expansion'
        end as grp,
        cf.*
    from selected as cf
),

groups as (
    select * from (values ('Expansion in first 3 months', 1), ('No expansion', 2)) as g(grp, rank)
),

/*include:horizon_retention*/,

final as (
    select
        "group",
        customers,
        retained_pct,
        is_reliable,
        retained,
        (select count(*) from complete where grp is null)::bigint as excluded_no_history,
        excluded_incomplete,
        rank
    from measured
)

select "group", customers, retained_pct, is_reliable, retained, excluded_no_history,
       excluded_incomplete
from final
order by rank
