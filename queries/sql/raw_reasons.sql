-- grain: raw churn reason, within one churn category ($category).  Customers of the selection who
-- churned by as_of (churn_date <= as_of) and whose reason maps to $category ('Other' = unmapped).
--   reason         = the raw reason text with leading / trailing whitespace removed (case and inner
--                    spacing kept, so 'Too expensive' and 'too expensive' are separate rows);
--                    a null or blank reason shows as '(no reason given)'
--   customers_lost = churned customers giving that reason;  mrr_lost = sum of their mrr (null = 0)
with selected as (/*selected_customers*/),

lost as (
    select
        coalesce(
            nullif(regexp_replace(cf.churn_reason, '^\s+|\s+$', '', 'g'), ''), '(no reason given)'
        ) as reason,
        cf.mrr_or_zero::double as mrr
    from selected as cf
    where cf.is_churned
      and cf.churn_category = $category
),

final as (
    select reason, count(*)::bigint as customers_lost, sum(mrr)::double as mrr_lost
    from lost
    group by reason
)

select * from final
order by customers_lost desc, reason
