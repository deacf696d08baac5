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
with selected as (/*selected_customers*/),

ticket_counts as (
    -- one pass over ticket_facts, joined on the integer key; "created after as_of" is
    -- created_at::date > as_of, i.e. at or after the end of the as-of day ($as_of_end)
    select
        count(*) filter (where tkt.created_at >= $as_of_end) as tickets_after_as_of,
        count(*) filter (where tkt.created_at::date < cf.signup_date) as tickets_before_signup,
        count(distinct tkt.customer_key) filter (where tkt.created_at < $as_of_end)
            as customers_with_tickets
    from ticket_facts as tkt
    join selected as cf using (customer_key)
),

before_signup as (
    -- activity, NPS responses and outreach contacts dated before their customer's signup date
    select
        count(*) filter (where ev.source = 'activity') as activity_before_signup,
        count(*) filter (where ev.source = 'nps') as nps_before_signup,
        count(*) filter (where ev.source = 'outreach') as outreach_before_signup
    from (
        select 'activity' as source, act.customer_key, act.occurred_at as event_at
        from activity_facts as act
        union all
        select 'nps' as source, resp.customer_key, resp.responded_at as event_at
        from nps_facts as resp
        union all
        select 'outreach' as source, facts.customer_key, out.contacted_at as event_at
        from outreach as out
        join customer_facts as facts on facts.customer_id = out.customer_id
    ) as ev
    join selected as cf on cf.customer_key = ev.customer_key
    where ev.event_at::date < cf.signup_date
),

reasons as (
    select
        count(*) filter (where cf.is_churned and cf.reason_key = '') as churned_without_reason,
        count(*) filter (where cf.is_churned and cf.reason_key <> ''
                         and mapping.reason_key is null) as churned_unmapped_reason,
        count(distinct cf.reason_key) filter (where cf.is_churned and cf.reason_key <> ''
                                               and mapping.reason_key is null) as unmapped_reasons,
        count(*) as customers,
        count(*) filter (where cf.early_expansion is null) as customers_without_mrr
    from selected as cf
    left join churn_reason_categories as mapping on mapping.reason_key = cf.reason_key
),

final as (
    select
        reasons.customers,
        reasons.customers - ticket_counts.customers_with_tickets as customers_without_tickets,
        ticket_counts.tickets_after_as_of,
        ticket_counts.tickets_before_signup,
        before_signup.activity_before_signup,
        before_signup.nps_before_signup,
        before_signup.outreach_before_signup,
        reasons.churned_without_reason,
        reasons.churned_unmapped_reason,
        reasons.unmapped_reasons,
        reasons.customers_without_mrr
    from reasons, ticket_counts, before_signup
)

select * from final
