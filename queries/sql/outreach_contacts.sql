-- Included by outreach_kpis, outreach_totals and outreach_subjects: one row per contact of the
-- selected customers (`selected`, defined before it) that exists on the as-of date, i.e. made
-- before the end of the as-of day ($as_of_end), from outreach_facts (data/build/facts.sql).
--   channel / campaign = the contact's channel and campaign labels ('Unknown' / 'No campaign'
--                  when blank)
--   is_response  = responded_at before $as_of_end (a later response has not happened yet)
--   response_h   = responded_at - contacted_at in hours, for a response only
--   actions      = the contact's follow-up actions (empty = 0), for a response only: actions are
--                  what a customer did after answering, so an unanswered contact has none yet
--   previous_at, previous_channel_at, previous_campaign_at = the customer's contact before it
--                  (any / same channel / same campaign): for outreach_subjects
--   plan, segment, signup_date, band_3_at, band_12_at, contact_age_band = the customer's, from
--                  outreach_facts; churn_date as `selected` has it (null when after as_of)
-- The plan, segment and signup conditions of `selected` are repeated on the columns
-- outreach_facts carries: the same contacts, but the scan skips the row groups of other plans.
-- /*selected_join*/ joins `selected` for the conditions it does not carry (queries/outreach.py
-- leaves it out when no such filter is set: the conditions here are then all of them).
select
    out.customer_key,
    out.contacted_at,
    out.channel_label as channel,
    out.campaign_label as campaign,
    coalesce(out.responded_at < $as_of_end, false) as is_response,
    case when out.responded_at < $as_of_end
        then epoch(out.responded_at - out.contacted_at) / 3600.0 end as response_h,
    case when out.responded_at < $as_of_end then coalesce(out.actions, 0) end as actions,
    out.previous_at,
    out.previous_channel_at,
    out.previous_campaign_at,
    out.plan,
    out.segment,
    out.signup_date,
    case when out.churn_date <= $as_of then out.churn_date end as churn_date,
    out.band_3_at,
    out.band_12_at,
    out.contact_age_band
from outreach_facts as out
/*selected_join*/
where out.contacted_at < $as_of_end
  and out.signup_date <= $as_of
  and ($plans is null or list_contains($plans::varchar[], out.plan))
  and ($segments is null or list_contains($segments::varchar[], out.segment))
  and ($signup_from is null or out.signup_date >= $signup_from)
  and ($signup_to is null or out.signup_date <= $signup_to)
