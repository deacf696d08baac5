-- The customers the shared filters select, from customer_facts, as they were on $as_of:
-- signed up by as_of; a churn after as_of counts as still active (churn_date set to null).
select
    cf.* replace (
        case when cf.churn_date <= $as_of then cf.churn_date end as churn_date,
        case when cf.churn_date <= $as_of then cf.churn_reason end as churn_reason,
        case when cf.churn_date <= $as_of then cf.churn_category end as churn_category,
        case when cf.churn_date <= $as_of then cf.churn_owner_team end as churn_owner_team
    ),
    coalesce(cf.churn_date <= $as_of, false) as is_churned
from customer_facts as cf
where cf.signup_date <= $as_of
  and ($signup_from is null or cf.signup_date >= $signup_from)
  and ($signup_to is null or cf.signup_date <= $signup_to)
  and ($plans is null or list_contains($plans, cf.plan))
  and ($segments is null or list_contains($segments, cf.segment))
  and ($regions is null or list_contains($regions, cf.region))
  and ($industries is null or list_contains($industries, cf.industry))
  and ($channels is null or list_contains($channels, cf.acquisition_channel))
  and ($products is null or list_contains($products, cf.products_count))
  and ($early_tickets is null or (
      cf.early_support_end <= $as_of
      and list_contains($early_tickets, /*dimension:early_tickets*/)))
  and ($early_csat is null or (
      cf.early_support_end <= $as_of
      and list_contains($early_csat, /*dimension:early_csat*/)))
