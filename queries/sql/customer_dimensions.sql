-- The customer's filter dimensions as customer_facts (alias cf) holds them, for a select list.
cf.plan,
cf.segment,
cf.region,
cf.industry,
cf.acquisition_channel,
cf.products_count