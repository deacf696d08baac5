-- grain: one row.  Selected customers too young for early-support groups:
-- early_support_end (signup_date + 90 days) > as_of: their first 90 days are not over yet.
with selected as (/*selected_customers*/),

final as (
    select count(*) as customers
    from selected as cf
    where cf.early_support_end > $as_of
)

select * from final
