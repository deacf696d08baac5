-- grain: one row. Counts behind the data-quality warnings, for the selected customers on $as_of:
--   customers_without_tickets : selected customers with no ticket created on or before as_of
--   tickets_after_as_of       : their tickets created after as_of (left out of every number)
--   tickets_before_signup     : their tickets created before the customer's signup date
--   activity_before_signup, nps_before_signup, outreach_before_signup : the same for their
--                               activity, NPS responses and outreach contacts (events dated before
--                               the signup count in no per-customer window)
--   churned_without_reason    : churned by as_of with no churn_reason, or a blank one (in Other)
--   churned_unmapped_reason   : churned with a reason the mapping does not list (counted in Other)
--   unmapped_reasons          : distinct normalised texts behind churned_unmapped_reason
--   customers_without_mrr     : selected customers with no mrr_history row at all
-- The per-customer counts come from customer_facts (data/build/facts.sql: first_ticket_at and the
-- *_before_signup columns), so only the tickets created at or after the end of the as-of day are
-- read from ticket_facts, which is stored in created_at order: the scan skips every earlier row group.
with selected as (/*selected_customers*/),

late_tickets as (
    select count(*) as tickets_after_as_of
    from ticket_facts as tkt
    join selected as cf using (customer_key)
    where tkt.created_at >= $as_of_end
),

per_customer as (
    select
        count(*) filter (where cf.is_churned and cf.reason_key = '') as churned_without_reason,
        count(*) filter (where cf.is_churned and cf.reason_key <> ''
                         and mapping.reason_key is null) as churned_unmapped_reason,
        count(distinct cf.reason_key) filter (where cf.is_churned and cf.reason_key <> ''
                                               and mapping.reason_key is null) as unmapped_reasons,
        count(*) as customers,
        count(*) filter (where cf.early_expansion is null) as customers_without_mrr,
        count(*) filter (where cf.first_ticket_at < $as_of_end) as customers_with_tickets,
        coalesce(sum(cf.tickets_before_signup), 0) as tickets_before_signup,
        coalesce(sum(cf.activity_before_signup), 0) as activity_before_signup,
        coalesce(sum(cf.nps_before_signup), 0) as nps_before_signup,
        coalesce(sum(cf.outreach_before_signup), 0) as outreach_before_signup
    from selected as cf
    left join churn_reason_categories as mapping on mapping.reason_key = cf.reason_key
),

final as (
    select
        per_customer.customers,
        per_customer.customers - per_customer.customers_with_tickets as customers_without_tickets,
        late_tickets.tickets_after_as_of,
        per_customer.tickets_before_signup::bigint as tickets_before_signup,
        per_customer.activity_before_signup::bigint as activity_before_signup,
        per_customer.nps_before_signup::bigint as nps_before_signup,
        per_customer.outreach_before_signup::bigint as outreach_before_signup,
        per_customer.churned_without_reason,
        per_customer.churned_unmapped_reason,
        per_customer.unmapped_reasons,
        per_customer.customers_without_mrr
    from per_customer, late_tickets
)

select * from final
