-- The customers the shared filters select, from customer_facts, as they were on $as_of:
-- signed up by as_of; a churn after as_of counts as still active (churn_date set to null).
-- Every column of customer_facts is listed (not DuckDB's `cf.* replace (...)`) and the filter
-- lists are cast to their type (a null list, no filter, then has one), so that Postgres and Spark
-- run it too (tests/portable).
select
    cf.customer_id,
    cf.signup_date,
    case when cf.churn_date <= $as_of then cf.churn_date end as churn_date,
    cf.mrr,
    cf.mrr_or_zero,
    /*include:customer_dimensions*/,
    case when cf.churn_date <= $as_of then cf.churn_reason end as churn_reason,
    cf.reason_key,
    cf.week_start,
    cf.month_start,
    cf.quarter_start,
    cf.early_support_end,
    cf.churn_age_week,
    cf.churn_age_month,
    cf.churn_age_quarter,
    case when cf.churn_date <= $as_of then cf.churn_category end as churn_category,
    case when cf.churn_date <= $as_of then cf.churn_owner_team end as churn_owner_team,
    cf.is_category_from_file,
    cf.early_tickets,
    cf.early_max_frt_h,
    cf.early_unanswered,
    cf.early_csat_rated,
    cf.early_csat_bad,
    cf.first_ticket_at,
    cf.tickets_before_signup,
    cf.activity_before_signup,
    cf.nps_before_signup,
    cf.outreach_before_signup,
    cf.early_expansion,
    cf.customer_key,
    coalesce(cf.churn_date <= $as_of, false) as is_churned
from customer_facts as cf
where cf.signup_date <= $as_of
  and ($signup_from is null or cf.signup_date >= $signup_from)
  and ($signup_to is null or cf.signup_date <= $signup_to)
  and ($plans is null or list_contains($plans::varchar[], cf.plan))
  and ($segments is null or list_contains($segments::varchar[], cf.segment))
  and ($regions is null or list_contains($regions::varchar[], cf.region))
  and ($industries is null or list_contains($industries::varchar[], cf.industry))
  and ($channels is null or list_contains($channels::varchar[], cf.acquisition_channel))
  and ($products is null or list_contains($products::integer[], cf.products_count))
  -- a mixed file's churned customers without a churn date: left out of the history
  and ($left_out is null or not list_contains($left_out::varchar[], cf.customer_id))
  and ($early_tickets is null or (
      cf.early_support_end <= $as_of
      and list_contains($early_tickets::varchar[], /*dimension:early_tickets*/)))
  and ($early_csat is null or (
      cf.early_support_end <= $as_of
      and list_contains($early_csat::varchar[], /*dimension:early_csat*/)))
