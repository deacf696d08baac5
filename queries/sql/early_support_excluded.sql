-- grain: one row.  Selected customers too young for early-support groups:
-- signup_date + 90 days > as_of, so their first 90 days are not over yet.
with selected as (/*selected_customers*/),

final as (
    select count(*) as customers
    from selected as cf
    where cf.signup_date + interval 90 day > $as_of
)

select * from final
