-- grain: one row per (dimension, value) present in customer_facts: the values each shared filter
-- offers. Text dimensions are already coalesced to 'Unknown' in customer_facts; a customer without
-- a products_count has no value to pick (the filter takes whole numbers). The early-support
-- groups (docs/definitions.md, Metrics) are offered as the buckets of queries.DIMENSIONS.
with final as (
    select 'plan' as dimension, plan as value from customer_facts group by 2
    union all
    select 'segment', segment from customer_facts group by 2
    union all
    select 'region', region from customer_facts group by 2
    union all
    select 'industry', industry from customer_facts group by 2
    union all
    select 'acquisition_channel', acquisition_channel from customer_facts group by 2
    union all
    select 'products_count', products_count::varchar from customer_facts
    where products_count is not null group by 2
    union all
    select 'early_tickets', /*dimension:early_tickets*/ from customer_facts as cf group by 2
    union all
    select 'early_csat', /*dimension:early_csat*/ from customer_facts as cf group by 2
)

select * from final
