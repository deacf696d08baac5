-- grain: churn category.  Customers of the selection who churned by as_of (churn_date <= as_of),
-- grouped by the category of their churn reason ('Other' = unmapped).
--   tickets_per_customer = tickets created in the 90 days before churn
--                          (churn_date - 90 days <= created_at < churn_date: a ticket on or after
--                          the churn day is after churn and ignored) / churned_customers
--   baseline_tickets_per_customer: the same count for retained customers at the same tenure.
--     Tenure is counted in 30-day blocks: a customer who churned D days after signup is matched
--     to block t = round(D / 30) (half up).  baseline(t) = tickets that retained customers (not
--     churned by as_of) with signup_date + 30t days <= as_of (their window is fully observed)
--     created on tenure days [30t - 90, 30t) / the number of such customers.  A category's
--     baseline is the mean of baseline(t) over its churned customers whose block has at least one
--     such retained customer (matched_customers); null when none has.
--   top_ticket_categories: the 3 most frequent ticket categories (null -> 'Unknown') among the
--     category's pre-churn tickets with their share of them, e.g. 'billing 34%, bug 22%, how-to 15%'
--     (ties by name; null when there are no pre-churn tickets).
--   tickets = the pre-churn tickets counted.
-- Tickets come from ticket_facts, joined on the integer customer_key (data/facts.sql), which
-- flags each ticket created in the 90 days before its customer's churn date (is_pre_churn: the
-- window ends before churn_date <= as_of, so it does not depend on as_of) and carries its tenure
-- block (tenure day // 30).
-- No range join: a retained ticket in tenure block b lies in the windows of exactly the blocks
-- b + 1, + 2 and + 3; tickets are counted per (last observed block, tenure block) first.
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
    select churned.category, coalesce(tkt.category, 'Unknown') as ticket_category
    from ticket_facts as tkt
    join churned using (customer_key)
    where tkt.is_pre_churn
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

retained_tickets as (
    -- tickets of retained customers (on or after signup) per last observed block x tenure block
    select retained.max_block, tkt.tenure_block, count(*) as tickets
    from ticket_facts as tkt
    join retained using (customer_key)
    where tkt.tenure_block is not null
    group by retained.max_block, tkt.tenure_block
),

window_tickets as (
    select block, sum(tickets)::bigint as tickets
    from (
        select max_block, tenure_block + unnest([1, 2, 3]) as block, tickets
        from retained_tickets
    )
    where block <= max_block
    group by block
),

baseline as (
    select
        eligible.block,
        coalesce(window_tickets.tickets, 0) / eligible.customers as tickets_per_customer
    from eligible
    left join window_tickets using (block)
    where eligible.customers > 0
),

per_category as (
    select
        churned.category,
        count(*) as churned_customers,
        avg(baseline.tickets_per_customer) as baseline_tickets_per_customer,
        count(baseline.tickets_per_customer) as matched_customers
    from churned
    left join baseline using (block)
    group by churned.category
),

ticket_counts as (
    select category, count(*) as tickets
    from pre_churn
    group by category
),

top_categories as (
    select
        category,
        string_agg(
            ticket_category || ' ' || round(n * 100.0 / sum_n)::integer || '%', ', '
            order by n desc, ticket_category
        ) as top_ticket_categories
    from (
        select
            category,
            ticket_category,
            count(*) as n,
            sum(count(*)) over (partition by category) as sum_n,
            row_number() over (partition by category order by count(*) desc, ticket_category) as rnk
        from pre_churn
        group by category, ticket_category
    )
    where rnk <= 3
    group by category
),

final as (
    select
        per_category.category,
        per_category.churned_customers::bigint as churned_customers,
        coalesce(ticket_counts.tickets, 0) / per_category.churned_customers as tickets_per_customer,
        per_category.baseline_tickets_per_customer,
        top_categories.top_ticket_categories,
        coalesce(ticket_counts.tickets, 0)::bigint as tickets,
        per_category.matched_customers::bigint as matched_customers
    from per_category
    left join ticket_counts using (category)
    left join top_categories using (category)
)

select * from final
order by churned_customers desc, category
