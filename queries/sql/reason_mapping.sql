-- grain: one row per raw churn reason given by the customers who churned by the snapshot's default
-- as-of date (churn_date <= meta.default_as_of), whatever the filters: the reason mapping is one
-- per snapshot.
--   reason         = the reason as the mapping matches it: lower-cased, trimmed, whitespace runs
--                    collapsed; null for customers who gave none (one row, status 'no reason')
--   example        = its most frequent spelling as customers wrote it (ties: the first in text order)
--   spellings      = distinct raw texts folded into the row
--   customers_lost = churned customers giving it;  share_pct = customers_lost / all of them * 100
--   category, owner_team = its row in churn_reason_categories (null when unmapped)
--   status         = 'unmapped' (counted in Other) / 'mapped' / 'no reason'
--   from_file      = customers of the reason whose category the export gave (customers.
--                    churn_category wins over the mapping); file_category = the first of those
--                    categories in text order (null when none)
with lost as (
    select cf.reason_key, cf.churn_reason,
           case when cf.is_category_from_file then cf.churn_category end as file_category
    from customer_facts as cf
    where cf.churn_date <= (select default_as_of from meta)
),

spellings as (
    select
        nullif(reason_key, '') as reason,
        churn_reason,
        count(*) as n,
        count(file_category) as from_file,
        min(file_category) as file_category,
        -- 1 = the reason's most frequent spelling (ties: the first in text order)
        row_number() over (
            partition by nullif(reason_key, '') order by count(*) desc, churn_reason
        ) as rank
    from lost
    group by 1, 2
),

reasons as (
    select
        reason,
        max(case when rank = 1 then churn_reason end) as example,
        count(churn_reason)::bigint as spellings,
        sum(n)::bigint as customers_lost,
        sum(from_file)::bigint as from_file,
        min(file_category) as file_category
    from spellings
    group by reason
),

final as (
    select
        reasons.reason,
        reasons.example,
        reasons.spellings,
        reasons.customers_lost,
        reasons.customers_lost * 100.0 / sum(reasons.customers_lost) over () as share_pct,
        mapping.category,
        mapping.owner_team,
        case when reasons.reason is null then 'no reason'
             when mapping.reason_key is null then 'unmapped'
             else 'mapped' end as status,
        reasons.from_file,
        reasons.file_category
    from reasons
    left join churn_reason_categories as mapping on mapping.reason_key = reasons.reason
)

select * from final
order by status = 'no reason', status = 'mapped', customers_lost desc, reason
