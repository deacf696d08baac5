-- grain: customer.  The members of one cohort (signup period starting $cohort) and whether each
-- is retained at age $age: not churned by as_of, or churned after signup_date + age periods.
-- has_reached_age: signup_date + age periods <= as_of (false members make the cell incomplete).
-- came_back / came_back_later: any activity in calendar period cohort + age / in it or any later
-- period up to as_of (activity retention, bounded and unbounded; false without activity);
-- activity dated before the customer's signup date is ignored.
with selected as (/*selected_customers*/),

members as (
    select cf.customer_key, cf./*cohort*/ as cohort
    from selected as cf
    where cf./*cohort*/ = $cohort
),

visits as (
    select
        act.customer_key,
        bool_or(/*activity_age*/ = $age) as came_back,
        bool_or(/*activity_age*/ >= $age) as came_back_later
    from activity_facts as act
    join members using (customer_key)
    where act.occurred_at < $as_of_end
      and act.tenure_block is not null  -- on or after the signup (data/facts.sql)
    group by act.customer_key
),

final as (
    select
        cf.customer_id,
        cust.name,
        cf.signup_date,
        cf.churn_date,
        cf.churn_reason,
        cf.churn_category,
        /*include:customer_dimensions*/,
        cf.mrr,
        not cf.is_churned or cf./*churn_age*/ > $age as is_retained,
        /*age_reached*/ >= $age as has_reached_age,
        coalesce(visits.came_back, false) as came_back,
        coalesce(visits.came_back_later, false) as came_back_later
    from selected as cf
    join customers as cust using (customer_id)
    left join visits using (customer_key)
    where cf./*cohort*/ = $cohort
)

select * from final
order by is_retained, signup_date, customer_id
