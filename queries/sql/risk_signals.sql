-- grain: one row for the snapshot: what its data holds for a churn score's signals (rows of each
-- optional table, rows with a value in each optional column, distinct values of each dimension)
-- and customers_churned, those with a churn date.
select
    (select count(*) from customers where churn_date is not null) as customers_churned,
    (select count(distinct plan) from customers) as plan_values,
    (select count(distinct segment) from customers) as segment_values,
    (select count(distinct region) from customers) as region_values,
    (select count(distinct industry) from customers) as industry_values,
    (select count(distinct acquisition_channel) from customers) as acquisition_channel_values,
    (select count(distinct products_count) from customers) as products_count_values,
    (select count(mrr) from customers) as customers_mrr,
    (select count(*) from mrr_history) as mrr_history_rows,
    (select count(*) from tickets) as tickets_rows,
    (select count(first_response_at) from tickets) as tickets_first_response_at,
    (select count(resolved_at) from tickets) as tickets_resolved_at,
    (select count(csat) from tickets) as tickets_csat,
    (select count(*) from nps_responses) as nps_responses_rows,
    (select count(*) from activity) as activity_rows,
    (select count(*) from outreach) as outreach_rows,
    (select count(responded_at) from outreach) as outreach_responded_at
