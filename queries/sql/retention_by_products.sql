-- grain: products held (products_count '1', '2', '3', '4+'; 'Unknown' when null, shown only if any).
-- Selected customers whose horizon is complete (signup_date + $horizon_months months <= as_of):
-- customers, retained, retained_pct, is_reliable and excluded_incomplete as in horizon_retention.
-- products_count is the customer's current (or at-churn) count, not the count at signup.
with selected as (/*selected_customers*/),

grouped as (
    select
        case
            when cf.products_count is null then 'Unknown'
            when cf.products_count >= 4 then '4+'
            else cf.products_count::varchar
        end as grp,
        cf.*
    from selected as cf
),

groups as (
    select * from (values ('1', 1), ('2', 2), ('3', 3), ('4+', 4), ('Unknown', 5)) as g(grp, rank)
),

/*include:horizon_retention*/,

final as (
    select "group", customers, retained_pct, is_reliable, retained, excluded_incomplete, rank
    from measured
    where "group" <> 'Unknown' or customers > 0
)

select "group", customers, retained_pct, is_reliable, retained, excluded_incomplete
from final
order by rank
