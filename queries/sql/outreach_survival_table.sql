-- grain: stratum (period, plan, segment, age_band) x group x day, for the stratified log-rank test of outreach_retention: within
-- each compared stratum (period of contact, plan, segment, age band at the index; customers on
-- both sides, complete windows only; outreach_subjects), how many customers leave observation on
-- each day after their index date (n_leaving) and how many of those churned (events). Everyone
-- is followed for $days days: a customer still active then leaves observation on day $days.
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

/*include:outreach_subjects*/,

complete as (
    select period, plan, segment, age_band, is_contacted, day, is_churned
    from subject
    where is_complete
),

compared as (
    select period, plan, segment, age_band
    from complete
    group by period, plan, segment, age_band
    having bool_or(is_contacted) and bool_or(not is_contacted)
),

final as (
    select
        period,
        plan,
        segment,
        age_band,
        case when is_contacted then 'Contacted' else 'Not contacted' end as grp,
        day,
        count(*) as n_leaving,
        count(*) filter (where is_churned) as events
    from complete
    join compared using (period, plan, segment, age_band)
    group by period, plan, segment, age_band, is_contacted, day
)

select * from final
