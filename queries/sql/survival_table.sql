-- grain: group x day.  For each group, how many customers leave observation on each day of
-- tenure (n_leaving) and how many of those churned (events), for Kaplan-Meier and log-rank.
-- duration = (churn_date if churned by as_of else as_of) - signup_date, in days;
-- event = churn_date <= as_of (docs/definitions.md, Metrics survival). With the month unit
-- (retention by tenure, for churn without dates) the duration is the calendar months between the
-- two dates: a signup computed from tenure_months as as_of - tenure calendar months gives back
-- tenure_months, and a churned customer of such a file sits on the as-of date, so its duration
-- is its tenure too. The column keeps the name `day` whatever the unit.
with selected as (/*selected_customers*/),

subjects as (
    select
        /*group*/ as grp,
        datediff(/*unit*/, cf.signup_date, coalesce(cf.churn_date, $as_of)) as day,
        cf.is_churned as is_event
    from selected as cf
    where /*eligible*/
),

final as (
    select
        grp,
        day,
        count(*) as n_leaving,
        count(*) filter (where is_event) as events
    from subjects
    group by grp, day
)

select * from final
