-- grain: one row per customer the shared filters select who is active at the end of $as_of (signed
-- up by it, not churned by it): customer_id, name, mrr (customers.mrr, 0 when null). The churn
-- score's list and its MRR at risk (risk x mrr) cover these customers.
with selected as (/*selected_customers*/),

final as (
    select
        selected.customer_id,
        cust.name,
        selected.mrr_or_zero::double as mrr
    from selected
    join customers as cust on cust.customer_id = selected.customer_id
    where selected.churn_date is null
)

select * from final
order by customer_id
