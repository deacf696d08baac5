-- grain: split x stratum (period, plan, segment, age_band) x group x day, for the stratified
-- log-rank test of outreach_retention, per split ('All', the channel or the campaign; /*group*/
-- from an allow-list): within each stratum compared for the split (period of contact, plan,
-- segment, age band at the index; the split's contacted customers and the not-contacted ones on
-- both sides, complete windows only; outreach_subjects), how many customers leave observation on
-- each day after their index date (n_leaving) and how many of those churned (events). Everyone
-- is followed for $days days: a customer still active then leaves observation on day $days.
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

/*include:outreach_subjects*/,

complete as (
    select split, period, plan, segment, age_band, is_contacted, day, is_churned
    from subject
    where is_complete
),

compared as (
    select reached.split, reached.period, reached.plan, reached.segment, reached.age_band
    from (
        select distinct split, period, plan, segment, age_band from complete where is_contacted
    ) as reached
    join (
        select distinct period, plan, segment, age_band from complete where not is_contacted
    ) as other using (period, plan, segment, age_band)
),

final as (
    select
        compared.split,
        complete.period,
        complete.plan,
        complete.segment,
        complete.age_band,
        case when complete.is_contacted then 'Contacted' else 'Not contacted' end as grp,
        complete.day,
        count(*) as n_leaving,
        count(*) filter (where complete.is_churned) as events
    from complete
    join compared
        on compared.period = complete.period
        and compared.plan = complete.plan
        and compared.segment = complete.segment
        and compared.age_band = complete.age_band
        and (compared.split = complete.split or not complete.is_contacted)
    group by compared.split, complete.period, complete.plan, complete.segment, complete.age_band,
             complete.is_contacted, complete.day
)

select * from final
