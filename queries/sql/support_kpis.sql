-- grain: [group x] period of ticket creation (week / month / quarter), every period from the first
-- ticket's to the as-of period, for every group seen.
-- Tickets of the selected customers created before the end of the as-of day ($as_of_end); a first
-- response or resolution at or after $as_of_end counts as not (yet) happened.
--   tickets              = tickets created in the period
--   frt_median_h / p90_h = quantile_cont 0.5 / 0.9 of first_response_at - created_at in hours, over
--                          tickets first-responded before as_of_end (frt_n)
--   unanswered_pct       = tickets without a first response before as_of_end / tickets * 100
--   resolution_*_h       = the same quantiles of resolved_at - created_at in hours, over tickets
--                          resolved before as_of_end (resolved_n)
--   csat_pct             = rated tickets with csat >= 4 / rated tickets (csat_n) * 100, resolved or not
--   ces_mean             = mean ces over rated tickets (ces_n)
--   one_touch_pct        = resolved tickets with agent_replies <= 1 / resolved tickets whose
--                          agent_replies is known (one_touch_n) * 100
--   backlog_end          = tickets created before the end of the period's last day (the end of the
--                          as-of day for the current period) and not resolved before then
--                        = running count of created - running count of resolved (no range join)
--   is_complete          = last day of the period <= as_of
-- Periods without tickets: counts 0, rates and times null.  /*group*/ comes from an allow-list;
-- /*eligible*/ leaves out customers younger than 90 days for the early-support groups;
-- /*resolution_quantiles*/ is quantile_cont(resolution_h, [0.5, 0.9]), or null when not asked for.
-- $since (optional; kpi_summary's shortcut): only tickets created from since's period on are read,
-- so the series starts there and backlog_end, which needs every earlier ticket, is null.
with selected as (/*selected_customers*/),

ticket as (
    -- ticket_facts (data/facts.sql) carries each ticket's period starts and its hours, computed
    -- once per snapshot exactly as date_trunc(grain, created_at) and epoch(... - created_at) / 3600.
    select
        /*group*/ as grp,
        /*created_period*/ as period,
        case when tkt.first_response_at < $as_of_end then tkt.frt_h end as frt_h,
        case when tkt.resolved_at < $as_of_end then tkt.resolution_h end as resolution_h,
        case when tkt.resolved_at < $as_of_end then /*resolved_period*/ end as resolved_period,
        tkt.agent_replies,
        tkt.csat,
        tkt.ces
    from ticket_facts as tkt
    join selected as cf using (customer_key)
    where tkt.created_at < $as_of_end
      and ($since is null or /*created_period*/ >= date_trunc($grain, $since::date))
      and /*eligible*/
),

created as (
    select
        grp,
        period,
        count(*) as tickets,
        -- one sort per column for both quantiles
        quantile_cont(frt_h, [0.5, 0.9]) as frt_q,
        count(frt_h) as frt_n,
        count(*) filter (where frt_h is null) as unanswered,
        /*resolution_quantiles*/ as resolution_q,
        count(resolution_h) as resolved_n,
        count(csat) as csat_n,
        count(*) filter (where csat >= 4) as csat_good,
        avg(ces) as ces_mean,
        count(ces) as ces_n,
        count(*) filter (where resolution_h is not null and agent_replies is not null) as one_touch_n,
        count(*) filter (where resolution_h is not null and agent_replies <= 1) as one_touch
    from ticket
    group by grp, period
),

resolved as (
    select grp, resolved_period as period, count(*) as resolved
    from ticket
    where resolved_period is not null
    group by grp, resolved_period
),

dated as (select period from created),

periods as (/*include:period_series*/),

groups as (
    select distinct grp from created
),

grid as (
    select
        groups.grp,
        periods.period,
        created.frt_q,
        created.frt_n,
        created.unanswered,
        created.resolution_q,
        created.resolved_n,
        created.csat_n,
        created.csat_good,
        created.ces_mean,
        created.ces_n,
        created.one_touch_n,
        created.one_touch,
        coalesce(created.tickets, 0) as n_created,
        coalesce(resolved.resolved, 0) as n_resolved
    from groups
    cross join periods
    left join created on created.grp = groups.grp and created.period = periods.period
    left join resolved on resolved.grp = groups.grp and resolved.period = periods.period
),

final as (
    select
        grp as "group",
        period,
        n_created::bigint as tickets,
        frt_q[1] as frt_median_h,
        frt_q[2] as frt_p90_h,
        case when n_created > 0 then unanswered * 100.0 / n_created end as unanswered_pct,
        resolution_q[1] as resolution_median_h,
        resolution_q[2] as resolution_p90_h,
        case when csat_n > 0 then csat_good * 100.0 / csat_n end as csat_pct,
        coalesce(csat_n, 0)::bigint as csat_n,
        ces_mean,
        coalesce(ces_n, 0)::bigint as ces_n,
        case when one_touch_n > 0 then one_touch * 100.0 / one_touch_n end as one_touch_pct,
        case when $since is null
            then (sum(n_created) over w - sum(n_resolved) over w)::bigint end as backlog_end,
        coalesce(frt_n, 0)::bigint as frt_n,
        coalesce(resolved_n, 0)::bigint as resolved_n,
        coalesce(one_touch_n, 0)::bigint as one_touch_n,
        (period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from grid
    window w as (partition by grp order by period rows unbounded preceding)
)

select * from final
order by "group", period
