-- grain: group x day (day 0, then each day with a churn).  Kaplan-Meier product-limit estimate
--   S(t) = prod over event days t_i <= t of (1 - d_i / n_i),   n_i = customers still observed at t_i
-- with a 95% band from Greenwood's variance on the log(-log S) scale, as lifelines computes it:
--   g(t) = sum d_i / (n_i (n_i - d_i)),  v = ln S(t),
--   lower = exp(-exp(ln(-v) - z sqrt(g) / v)),  upper = exp(-exp(ln(-v) + z sqrt(g) / v)).
-- A day where everyone left churned (d = n) makes S = 0 from then on (its Greenwood term counts 0).
with by_day as (/*include:survival_table*/),

risk as (
    select
        grp,
        day,
        events,
        sum(n_leaving) over (
            partition by grp order by day desc rows between unbounded preceding and current row
        ) as at_risk
    from by_day
),

steps as (
    select
        grp,
        day,
        at_risk,
        events,
        bool_or(events = at_risk) over w as is_extinct,
        sum(case when events < at_risk then ln(1 - events / at_risk) else 0 end) over w as log_s,
        sum(case when events < at_risk then events / (at_risk * (at_risk - events)) else 0 end)
            over w as greenwood
    from risk
    window w as (partition by grp order by day rows unbounded preceding)
),

groups as (
    select grp, sum(n_leaving) as customers
    from by_day
    group by grp
),

day_zero as (
    -- Every group gets a day-0 row: 1.0 unless someone churned on their signup day.
    select
        groups.grp,
        0 as day,
        groups.customers as at_risk,
        coalesce(steps.events, 0) as events,
        coalesce(steps.is_extinct, false) as is_extinct,
        coalesce(steps.log_s, 0) as log_s,
        coalesce(steps.greenwood, 0) as greenwood
    from groups
    left join steps on steps.grp = groups.grp and steps.day = 0
),

points as (
    select * from day_zero
    union all
    select grp, day, at_risk, events, is_extinct, log_s, greenwood
    from steps
    where day > 0 and events > 0
),

final as (
    select
        grp as "group",
        day::integer as day,
        case when is_extinct then 0.0 else exp(log_s) end as survival,
        case
            when is_extinct then 0.0
            when log_s = 0 then 1.0
            else exp(-exp(ln(-log_s) - 1.959963984540054 * sqrt(greenwood) / log_s))
        end as ci_lower,
        case
            when is_extinct then 0.0
            when log_s = 0 then 1.0
            else exp(-exp(ln(-log_s) + 1.959963984540054 * sqrt(greenwood) / log_s))
        end as ci_upper,
        at_risk::bigint as at_risk,
        events::bigint as events
    from points
)

select * from final
order by "group", day
