-- grain: one row. Counts behind the data-quality warnings, for the selected customers on $as_of:
--   customers_without_tickets : selected customers with no ticket created on or before as_of
--   tickets_after_as_of       : their tickets created after as_of (left out of every number)
--   tickets_before_signup     : their tickets created before the customer's signup date
--   churned_without_reason    : churned by as_of with no churn_reason (counted in Other)
--   churned_unmapped_reason   : churned with a reason the mapping does not list (counted in Other)
--   unmapped_reasons          : distinct normalised texts behind churned_unmapped_reason
--   customers_without_mrr     : selected customers with no mrr_history row at all
with selected as (/*selected_customers*/),

their_tickets as (
    select tkt.created_at, cf.signup_date
    from tickets as tkt
    join selected as cf using (customer_id)
),

ticket_counts as (
    select
        count(*) filter (where created_at::date > $as_of) as tickets_after_as_of,
        count(*) filter (where created_at::date < signup_date) as tickets_before_signup
    from their_tickets
),

with_tickets as (
    select count(distinct tkt.customer_id) as customers_with_tickets
    from tickets as tkt
    join selected as cf using (customer_id)
    where tkt.created_at::date <= $as_of
),

reasons as (
    select
        count(*) filter (where cf.is_churned and cf.churn_reason is null) as churned_without_reason,
        count(*) filter (where cf.is_churned and cf.churn_reason is not null
                         and map.reason_key is null) as churned_unmapped_reason,
        count(distinct cf.reason_key) filter (where cf.is_churned and cf.churn_reason is not null
                                               and map.reason_key is null) as unmapped_reasons,
        count(*) as customers,
        count(*) filter (where cf.early_expansion is null) as customers_without_mrr
    from selected as cf
    left join churn_reason_categories as map on map.reason_key = cf.reason_key
),

final as (
    select
        reasons.customers,
        reasons.customers - with_tickets.customers_with_tickets as customers_without_tickets,
        ticket_counts.tickets_after_as_of,
        ticket_counts.tickets_before_signup,
        reasons.churned_without_reason,
        reasons.churned_unmapped_reason,
        reasons.unmapped_reasons,
        reasons.customers_without_mrr
    from reasons, with_tickets, ticket_counts
)

select * from final
