-- grain: one row per category of the snapshot's reason mapping (churn_reason_categories).
--   owner_team = the team its rows name (the first in text order when they name several)
--   reasons    = mapping rows (normalised raw reasons) in the category
with final as (
    select category, min(owner_team) as owner_team, count(*)::bigint as reasons
    from churn_reason_categories
    group by category
)

select * from final
order by category
