-- grain: one row per customer the shared filters select who is active at the end of $as_of (signed
-- up by it, not churned by it): customer_key, mrr (customers.mrr, 0 when null). The churn score's
-- list and its MRR at risk (risk x mrr) cover these customers; the names come with the fit
-- (risk_customers.sql), read once per fit rather than joined on every call.
with selected as (/*selected_customers*/),

final as (
    select selected.customer_key, selected.mrr_or_zero::double as mrr
    from selected
    where selected.churn_date is null
)

select * from final
order by customer_key
