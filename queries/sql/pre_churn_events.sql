-- grain: churn category.  Customers of the selection who churned by as_of (churn_date <= as_of),
-- grouped by the category of their churn reason ('Other' = unmapped), and their events: tickets
-- (ticket_facts, kind = the ticket's category) or activity (activity_facts, kind = the activity's
-- kind), both flagged and tenure-blocked alike by data/facts.sql (an event dated before the
-- customer's signup is in no window).
--   events_per_customer = events in the 90 days before churn
--                         (churn_date - 90 days <= event time < churn_date: an event on or after
--                         the churn day is after churn and ignored) / churned_customers
--   baseline_events_per_customer: the same count for retained customers at the same tenure.
--     Tenure is counted in 30-day blocks: a customer who churned D days after signup is matched
--     to block t = round(D / 30) (half up).  baseline(t) = events of retained customers (not
--     churned by as_of) with signup_date + 30t days <= as_of (their window is fully observed)
--     on tenure days [30t - 90, 30t) / the number of such customers.  A category's
--     baseline is the mean of baseline(t) over its churned customers whose block has at least one
--     such retained customer (matched_customers); null when none has.
--   top_kinds: the 3 most frequent kinds (null -> 'Unknown') among the category's pre-churn
--     events with their share of them, e.g. 'billing 34%, bug 22%, how-to 15%' (ties by name;
--     null when there are no pre-churn events).
--   events = the pre-churn events counted.
-- Events are joined on the integer customer_key; is_pre_churn (the window ends before
-- churn_date <= as_of, so it does not depend on as_of) and the tenure block (tenure day // 30)
-- are precomputed per event.
-- No range join: a retained event in tenure block b lies in the windows of exactly the blocks
-- b + 1, + 2 and + 3; events are counted per (last observed block, tenure block) first.
with selected as (/*selected_customers*/),

churned as (
    select
        cf.customer_key,
        cf.churn_category as category,
        cf.churn_date,
        (datediff('day', cf.signup_date, cf.churn_date) + 15) // 30 as block
    from selected as cf
    where cf.is_churned
),

pre_churn as (
    select churned.category, coalesce(evt./*event_kind*/, 'Unknown') as kind_name
    from /*events*/ as evt
    join churned using (customer_key)
    where evt.is_pre_churn
),

retained as (
    select
        cf.customer_key,
        cf.signup_date,
        datediff('day', cf.signup_date, $as_of) // 30 as max_block
    from selected as cf
    where not cf.is_churned
),

eligible as (
    -- retained customers observed through block t: max_block >= t (reverse running count)
    select
        blocks.block,
        sum(coalesce(hist.customers, 0)) over (
            order by blocks.block rows between current row and unbounded following
        ) as customers
    from (
        select unnest(generate_series(0, (select max(max_block) from retained))) as block
    ) as blocks
    left join (
        select max_block, count(*) as customers from retained group by max_block
    ) as hist on hist.max_block = blocks.block
),

retained_events as (
    -- events of retained customers (on or after signup) per last observed block x tenure block
    select retained.max_block, evt.tenure_block, count(*) as events
    from /*events*/ as evt
    join retained using (customer_key)
    where evt.tenure_block is not null
    group by retained.max_block, evt.tenure_block
),

window_events as (
    select block, sum(events)::bigint as events
    from (
        select max_block, tenure_block + later.step as block, events
        from retained_events
        cross join (values (1), (2), (3)) as later(step)
    ) as shifted
    where block <= max_block
    group by block
),

baseline as (
    select
        eligible.block,
        coalesce(window_events.events, 0) / eligible.customers as events_per_customer
    from eligible
    left join window_events using (block)
    where eligible.customers > 0
),

per_category as (
    select
        churned.category,
        count(*) as churned_customers,
        avg(baseline.events_per_customer) as baseline_events_per_customer,
        count(baseline.events_per_customer) as matched_customers
    from churned
    left join baseline using (block)
    group by churned.category
),

event_counts as (
    select category, count(*) as events
    from pre_churn
    group by category
),

top_categories as (
    select
        category,
        string_agg(
            kind_name || ' ' || round(n * 100.0 / sum_n)::integer || '%', ', '
            order by n desc, kind_name
        ) as top_kinds
    from (
        select
            category,
            kind_name,
            count(*) as n,
            sum(count(*)) over (partition by category) as sum_n,
            row_number() over (partition by category order by count(*) desc, kind_name) as rnk
        from pre_churn
        group by category, kind_name
    ) as ranked
    where rnk <= 3
    group by category
),

final as (
    select
        per_category.category,
        per_category.churned_customers::bigint as churned_customers,
        coalesce(event_counts.events, 0) / per_category.churned_customers as events_per_customer,
        per_category.baseline_events_per_customer,
        top_categories.top_kinds,
        coalesce(event_counts.events, 0)::bigint as events,
        per_category.matched_customers::bigint as matched_customers
    from per_category
    left join event_counts using (category)
    left join top_categories using (category)
)

select * from final
order by churned_customers desc, category
