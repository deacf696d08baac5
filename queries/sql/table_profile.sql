-- grain: one row per table of docs/definitions.md, Data model: its row count and the first and last date it holds
-- (by the column named in dated_by) and, in about, what a row of it is; the reason mapping has no
-- dates.
with final as (
    select 'customers' as table_name, count(*) as row_count,
           min(signup_date) as first_date, max(signup_date) as last_date,
           'signup date' as dated_by, 'one row per customer; dates by signup' as about
    from customers
    union all
    select 'tickets', count(*), min(created_at)::date, max(created_at)::date, 'created',
           'support tickets; dates by creation'
    from tickets
    union all
    select 'nps_responses', count(*), min(responded_at)::date, max(responded_at)::date, 'responded',
           'NPS survey answers; dates by response'
    from nps_responses
    union all
    select 'mrr_history', count(*), min(month), max(month), 'month', 'MRR per customer and month'
    from mrr_history
    union all
    select 'churn_reason_categories', count(*), null, null, 'reason mapping',
           'reason → category mapping'
    from churn_reason_categories
)

select * from final
