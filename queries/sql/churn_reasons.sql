-- grain: [period x] churn category.  Customers of the selection who churned by as_of
-- (churn_date <= as_of), grouped by the category their raw reason maps to (customer_facts:
-- lower-cased, trimmed, whitespace collapsed; unmapped or blank -> 'Other', owner team '—').
--   customers_lost = churned customers
--   mrr_lost       = sum of their mrr (a null mrr counts as 0)
--   share_pct      = customers_lost / all customers lost in the same period (or overall) * 100
-- period = the week (Monday) / month / quarter of churn_date. With a grain, every period from the
-- first churn to the as-of period appears for every category seen (0 lost, share null when nobody
-- churned in the period); is_complete = last day of the period <= as_of.
-- Without a grain ($grain null) period is null: one row per category.
with selected as (/*selected_customers*/),

lost as (
    select
        case when $grain is not null then date_trunc($grain, cf.churn_date)::date end as period,
        cf.churn_category as category,
        coalesce(cf.churn_owner_team, '—') as owner_team,
        cf.mrr_or_zero::double as mrr
    from selected as cf
    where cf.is_churned
),

categories as (
    -- one owner per category; a mapping that gives a category two teams shows both
    select category, string_agg(distinct owner_team, ' / ' order by owner_team) as owner_team
    from lost
    group by category
),

periods as (
    -- without a grain one null period; with one, every period up to the as-of period
    select null::date as period
    where $grain is null and exists (select 1 from lost)
    union all
    select unnest(generate_series(
        (select min(period) from lost), date_trunc($grain, $as_of)::date, /*step*/
    ))::date as period
    where $grain is not null and exists (select 1 from lost)
),

counts as (
    select period, category, count(*) as customers_lost, sum(mrr) as mrr_lost
    from lost
    group by period, category
),

final as (
    select
        periods.period,
        categories.category,
        categories.owner_team,
        coalesce(counts.customers_lost, 0)::bigint as customers_lost,
        coalesce(counts.mrr_lost, 0)::double as mrr_lost,
        coalesce(counts.customers_lost, 0) * 100.0
            / nullif(sum(coalesce(counts.customers_lost, 0)) over (partition by periods.period), 0)
            as share_pct,
        (periods.period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from periods
    cross join categories
    left join counts
        on counts.period is not distinct from periods.period
        and counts.category = categories.category
)

select * from final
order by period, customers_lost desc, category
