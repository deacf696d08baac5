-- grain: customer.  The members of one cohort (signup period starting $cohort) and whether each
-- is retained at age $age: not churned by as_of, or churned after signup_date + age periods.
-- has_reached_age: signup_date + age periods <= as_of (false members make the cell incomplete).
with selected as (/*selected_customers*/),

final as (
    select
        cf.customer_id,
        cust.name,
        cf.signup_date,
        cf.churn_date,
        cf.churn_reason,
        cf.churn_category,
        cf.plan,
        cf.segment,
        cf.region,
        cf.industry,
        cf.acquisition_channel,
        cf.products_count,
        cf.mrr,
        not cf.is_churned or cf./*churn_age*/ > $age as is_retained,
        /*age_reached*/ >= $age as has_reached_age
    from selected as cf
    join customers as cust using (customer_id)
    where cf./*cohort*/ = $cohort
)

select * from final
order by is_retained, signup_date, customer_id
