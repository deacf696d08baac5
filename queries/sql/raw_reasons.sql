-- grain: raw churn reason, within one churn category ($category).  Customers of the selection who
-- churned by as_of (churn_date <= as_of) and whose reason maps to $category ('Other' = unmapped).
--   reason         = the reason as it is matched against the mapping: lower-cased, trimmed,
--                    whitespace runs collapsed (so 'Too  expensive' and 'too expensive' are one
--                    row); a null or blank reason shows as '(no reason given)'
--   spellings      = how many distinct raw texts were folded into the row
--   customers_lost = churned customers giving that reason;  mrr_lost = sum of their mrr (null = 0)
--   status         = 'no reason' (null or blank), 'unmapped' (the mapping does not list it: Other)
--                    or 'mapped'
with selected as (/*selected_customers*/),

lost as (
    select
        coalesce(nullif(cf.reason_key, ''), '(no reason given)') as reason,
        cf.churn_reason as raw_text,
        cf.mrr_or_zero::double as mrr,
        case when cf.reason_key = '' then 'no reason'
             when mapping.reason_key is null then 'unmapped'
             else 'mapped' end as status
    from selected as cf
    left join churn_reason_categories as mapping on mapping.reason_key = cf.reason_key
    where cf.is_churned
      and cf.churn_category = $category
),

final as (
    select
        reason,
        count(*)::bigint as customers_lost,
        sum(mrr)::double as mrr_lost,
        count(distinct raw_text)::bigint as spellings,
        min(status) as status  -- one per reason: it follows from the reason
    from lost
    group by reason
)

select * from final
order by customers_lost desc, reason
