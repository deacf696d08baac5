-- customer_facts: one row per customer, the per-customer facts every page aggregates, computed
-- once per snapshot so that page queries only filter and group (no range joins at query time).
--   *_start           : start date of the signup week (Monday), month, quarter
--   churn_age_<grain> : smallest k with signup_date + k periods >= churn_date, i.e. the first age
--                       at which the customer is no longer retained (null when never churned).
--                       Retained at age k  <=>  churn_date is null or > as_of or k < churn_age.
--   early_support_end : signup_date + 90 days, the end of a customer's early-support window
--                       (docs/definitions.md, Metrics): the one place the 90 days are written; the queries ask
--                       early_support_end <= as_of for "the first 90 days are over".
--   early_*           : tickets created on or after signup_date and before early_support_end
--                       (a ticket dated before the signup counts in no per-customer window).
--   early_expansion   : any month in the first 3 after the signup month with mrr above the
--                       signup month's mrr (null when the customer has no mrr_history).
--   first_ticket_at   : created_at of the customer's first ticket (null without tickets): the
--                       customer has a ticket by the as-of day <=> first_ticket_at < as_of_end.
--   *_before_signup   : the customer's tickets (created_at::date), activity, NPS responses and
--                       outreach contacts dated before the signup date (they count in no window):
--                       the data-quality counts read these instead of the event tables.
--   customer_key      : an integer per customer (by customer_id) for joins from the large tables:
--                       joining 10M tickets on it is several times faster than on the varchar id.
-- Stored in signup_date order, so a signup-range filter skips whole row groups.
create or replace table customer_facts as
with base as (
    select
        cust.customer_id,
        cust.signup_date,
        cust.churn_date,
        cust.mrr,
        coalesce(cust.mrr, 0) as mrr_or_zero,
        coalesce(cust.plan, 'Unknown') as plan,
        coalesce(cust.segment, 'Unknown') as segment,
        coalesce(cust.region, 'Unknown') as region,
        coalesce(cust.industry, 'Unknown') as industry,
        coalesce(cust.acquisition_channel, 'Unknown') as acquisition_channel,
        cust.products_count,
        cust.churn_reason,
        lower(trim(regexp_replace(coalesce(cust.churn_reason, ''), '\s+', ' ', 'g'))) as reason_key,
        nullif(trim(cust.churn_category), '') as file_category,
        date_trunc('week', cust.signup_date)::date as week_start,
        date_trunc('month', cust.signup_date)::date as month_start,
        date_trunc('quarter', cust.signup_date)::date as quarter_start,
        datediff('month', cust.signup_date, cust.churn_date) as churn_months,
        (cust.signup_date + interval 90 day)::date as early_support_end
    from customers as cust
),

churn_age as (
    select
        base.*,
        (datediff('day', signup_date, churn_date) + 6) // 7 as churn_age_week,
        case
            when signup_date + to_months(churn_months) >= churn_date then churn_months
            else churn_months + 1
        end as churn_age_month,
        case
            when signup_date + to_months(3 * ((churn_months + 2) // 3)) >= churn_date
                then (churn_months + 2) // 3
            else (churn_months + 2) // 3 + 1
        end as churn_age_quarter
    from base
),

-- A category the export gives a churned customer (customers.churn_category) wins over its
-- reason's mapping; spelled as the mapping spells it when the mapping has it (any letter case),
-- owned by the team the mapping names for it.
category_owner as (
    select lower(category) as category_key, min(category) as category, min(owner_team) as owner_team
    from churn_reason_categories
    group by 1
),

reason as (
    select
        churn_age.*,
        case when churn_date is null then null
             when file_category is not null then coalesce(owner.category, file_category)
             else coalesce(mapping.category, 'Other') end as churn_category,
        case when churn_date is null then null
             when file_category is not null then owner.owner_team
             when mapping.category is null then null
             else mapping.owner_team end as churn_owner_team,
        churn_date is not null and file_category is not null as is_category_from_file
    from churn_age
    left join churn_reason_categories as mapping on mapping.reason_key = churn_age.reason_key
    left join category_owner as owner on owner.category_key = lower(churn_age.file_category)
),

-- one pass over every ticket: the early-support window's counts, the first ticket and those
-- dated before the signup
early_ticket as (
    select
        tkt.customer_id,
        count(*) filter (where tkt.is_early) as early_tickets,
        max(datediff('microsecond', tkt.created_at, tkt.first_response_at) / 3600e6)
            filter (where tkt.is_early) as early_max_frt_h,
        count(*) filter (where tkt.is_early and tkt.first_response_at is null) as early_unanswered,
        count(tkt.csat) filter (where tkt.is_early) as early_csat_rated,
        count(*) filter (where tkt.is_early and tkt.csat < 4) as early_csat_bad,
        min(tkt.created_at) as first_ticket_at,
        count(*) filter (where tkt.created_at::date < tkt.signup_date) as tickets_before_signup
    from (
        select
            tickets.customer_id,
            tickets.created_at,
            tickets.first_response_at,
            tickets.csat,
            base.signup_date,
            tickets.created_at >= base.signup_date
                and tickets.created_at < base.early_support_end as is_early
        from tickets
        join base using (customer_id)
    ) as tkt
    group by tkt.customer_id
),

-- activity, NPS responses and outreach contacts dated before the customer's signup date
event_before_signup as (
    select
        ev.customer_id,
        count(*) filter (where ev.source = 'activity') as activity_before_signup,
        count(*) filter (where ev.source = 'nps') as nps_before_signup,
        count(*) filter (where ev.source = 'outreach') as outreach_before_signup
    from (
        select 'activity' as source, act.customer_id, act.occurred_at as event_at
        from activity as act
        union all
        select 'nps' as source, resp.customer_id, resp.responded_at as event_at
        from nps_responses as resp
        union all
        select 'outreach' as source, touch.customer_id, touch.contacted_at as event_at
        from outreach as touch
    ) as ev
    join base using (customer_id)
    where ev.event_at::date < base.signup_date
    group by ev.customer_id
),

expansion as (
    select
        hist.customer_id,
        max(hist.mrr) filter (where hist.month = date_trunc('month', cust.signup_date)) as signup_month_mrr,
        max(hist.mrr) filter (
            where hist.month > date_trunc('month', cust.signup_date)
              and hist.month <= date_trunc('month', cust.signup_date) + interval 3 month
        ) as first_3_months_max_mrr
    from mrr_history as hist
    join customers as cust using (customer_id)
    group by hist.customer_id
),

final as (
    select
        -- every column of reason but churn_months, listed: `* exclude` is DuckDB's alone
        reason.customer_id, reason.signup_date, reason.churn_date, reason.mrr, reason.mrr_or_zero,
        reason.plan, reason.segment, reason.region, reason.industry, reason.acquisition_channel,
        reason.products_count, reason.churn_reason, reason.reason_key, reason.week_start,
        reason.month_start, reason.quarter_start, reason.early_support_end, reason.churn_age_week,
        reason.churn_age_month, reason.churn_age_quarter, reason.churn_category,
        reason.churn_owner_team, reason.is_category_from_file,
        coalesce(early_ticket.early_tickets, 0) as early_tickets,
        early_ticket.early_max_frt_h,
        coalesce(early_ticket.early_unanswered, 0) as early_unanswered,
        coalesce(early_ticket.early_csat_rated, 0) as early_csat_rated,
        coalesce(early_ticket.early_csat_bad, 0) as early_csat_bad,
        early_ticket.first_ticket_at,
        coalesce(early_ticket.tickets_before_signup, 0) as tickets_before_signup,
        coalesce(event_before_signup.activity_before_signup, 0) as activity_before_signup,
        coalesce(event_before_signup.nps_before_signup, 0) as nps_before_signup,
        coalesce(event_before_signup.outreach_before_signup, 0) as outreach_before_signup,
        case
            when expansion.customer_id is null then null
            else coalesce(expansion.first_3_months_max_mrr > expansion.signup_month_mrr, false)
        end as early_expansion,
        row_number() over (order by reason.customer_id) as customer_key
    from reason
    left join early_ticket using (customer_id)
    left join event_before_signup using (customer_id)
    left join expansion using (customer_id)
)

select * from final
order by signup_date, customer_id;

-- ticket_facts: one row per ticket, what the support queries aggregate, computed once per snapshot
-- so that page queries neither re-derive it per row nor join on varchar ids:
--   customer_key          : customer_facts.customer_key of the ticket's customer
--   created_<grain>       : start of the week (Monday) / month / quarter of created_at
--   resolved_<grain>      : the same for resolved_at (null while open)
--   frt_h, resolution_h   : first_response_at / resolved_at - created_at in hours, null when it has
--                           not happened; queries still compare the timestamps with their as-of.
--   tenure_block          : the customer's tenure in whole 30-day blocks when the ticket was created,
--                           datediff('day', signup_date, created_at::date) // 30 (null before signup)
--   is_pre_churn          : created in the 90 days before the customer's churn date and not before
--                           the signup, churn_date - 90 days <= created_at < churn_date and
--                           created_at >= signup_date (false if never churned)
-- Stored with the pre-churn tickets first, then in created_at order: the pre-churn queries read
-- only the row groups of those 2% of tickets, and a created-date range still skips whole row
-- groups in each of the two runs.
create or replace table ticket_facts as
select
    cf.customer_key,
    tkt.ticket_id,
    tkt.created_at,
    tkt.first_response_at,
    tkt.resolved_at,
    date_trunc('week', tkt.created_at)::date as created_week,
    date_trunc('month', tkt.created_at)::date as created_month,
    date_trunc('quarter', tkt.created_at)::date as created_quarter,
    date_trunc('week', tkt.resolved_at)::date as resolved_week,
    date_trunc('month', tkt.resolved_at)::date as resolved_month,
    date_trunc('quarter', tkt.resolved_at)::date as resolved_quarter,
    datediff('microsecond', tkt.created_at, tkt.first_response_at) / 3600e6 as frt_h,
    datediff('microsecond', tkt.created_at, tkt.resolved_at) / 3600e6 as resolution_h,
    case when tkt.created_at >= cf.signup_date
        then datediff('day', cf.signup_date, tkt.created_at::date) // 30 end as tenure_block,
    coalesce(
        tkt.created_at >= cf.churn_date - interval 90 day and tkt.created_at < cf.churn_date
        and tkt.created_at >= cf.signup_date, false
    ) as is_pre_churn,
    tkt.channel,
    tkt.category,
    tkt.priority,
    tkt.agent_replies,
    tkt.csat,
    tkt.ces
from tickets as tkt
join customer_facts as cf using (customer_id)
order by is_pre_churn desc, tkt.created_at, tkt.ticket_id;

-- mrr_facts: mrr_history keyed by customer_key instead of the varchar customer_id, with each row's
-- mrr 1, 2 and 3 months later (null where the customer has no row for that month), so that the
-- revenue queries read a period's start and end mrr from one row instead of joining 11M rows to
-- themselves. Stored in month order, so a month range skips whole row groups.
create or replace table mrr_facts as
with keyed as (
    select cf.customer_key, hist.month, hist.mrr
    from mrr_history as hist
    join customer_facts as cf using (customer_id)
),

final as (
    select
        hist.customer_key,
        hist.month,
        hist.mrr,
        later_1.mrr as mrr_1m_later,
        later_2.mrr as mrr_2m_later,
        later_3.mrr as mrr_3m_later
    from keyed as hist
    left join keyed as later_1
        on later_1.customer_key = hist.customer_key
        and later_1.month = hist.month + interval 1 month
    left join keyed as later_2
        on later_2.customer_key = hist.customer_key
        and later_2.month = hist.month + interval 2 month
    left join keyed as later_3
        on later_3.customer_key = hist.customer_key
        and later_3.month = hist.month + interval 3 month
)

select * from final
order by month, customer_key;

-- nps_facts: nps_responses keyed by customer_key (the nps query joins the selected customers on the
-- integer key, not the varchar id), in responded_at order, so a date range skips whole row groups.
create or replace table nps_facts as
select cf.customer_key, resp.responded_at, resp.score
from nps_responses as resp
join customer_facts as cf using (customer_id)
order by resp.responded_at, cf.customer_key;

-- activity_facts: activity keyed by customer_key, what the activity queries aggregate, so that
-- page queries neither re-derive it per row nor join on varchar ids:
--   occurred_<grain> : start of the week (Monday) / month / quarter of occurred_at
--   tenure_block     : the customer's tenure in whole 30-day blocks at the activity,
--                      datediff('day', signup_date, occurred_at::date) // 30 (null before signup)
--   is_pre_churn     : in the 90 days before the customer's churn date and not before the signup,
--                      churn_date - 90 days <= occurred_at < churn_date and occurred_at >=
--                      signup_date (false if never churned)
-- Stored with the pre-churn activity first, then in occurred_at order (as ticket_facts is).
create or replace table activity_facts as
select
    cf.customer_key,
    act.occurred_at,
    date_trunc('week', act.occurred_at)::date as occurred_week,
    date_trunc('month', act.occurred_at)::date as occurred_month,
    date_trunc('quarter', act.occurred_at)::date as occurred_quarter,
    act.amount,
    act.kind,
    case when act.occurred_at >= cf.signup_date
        then datediff('day', cf.signup_date, act.occurred_at::date) // 30 end as tenure_block,
    coalesce(
        act.occurred_at >= cf.churn_date - interval 90 day and act.occurred_at < cf.churn_date
        and act.occurred_at >= cf.signup_date, false
    ) as is_pre_churn
from activity as act
join customer_facts as cf using (customer_id)
order by is_pre_churn desc, act.occurred_at, cf.customer_key;

-- outreach_facts: the outreach contacts keyed by customer_key instead of the varchar customer_id,
-- for queries/sql/outreach_*.sql (joining millions of contacts on the integer is about ten times
-- faster), with what those queries would otherwise derive per row:
--   channel_label     : the channel, 'Unknown' when blank (a blank text is no value)
--   campaign_label    : the campaign, 'No campaign' when blank or empty
--   previous_at, previous_channel_at, previous_campaign_at : when the customer was contacted
--                       before this contact (of any channel and campaign / of the same channel
--                       label / of the same campaign label; ties ordered by channel, then
--                       campaign), null for the first. A contact is the customer's first in its
--                       week, month or quarter when there was none before it in that period: the
--                       index of the outreach retention comparison. An earlier as-of date cannot
--                       make another contact first, only leave the first one not made yet.
--   plan, segment, signup_date, churn_date : the customer's, as customer_facts holds them (the
--                       churn date as in the file: the queries null one after their as-of date),
--                       so the retention comparison reads its strata without a second join
--   band_3_at, band_12_at : signup_date + 3 and + 12 months (clamped to month end), the first
--                       days of the customer's 3-12 and 12+ months age bands
--   contact_age_band  : the age band on the contact's day: '0-3 months' before band_3_at,
--                       '3-12 months' before band_12_at, else '12+ months'
-- Stored in plan, segment and customer order, so a plan or segment filter skips whole row groups.
create or replace table outreach_facts as
with labelled as (
    select
        cf.customer_key,
        out.contacted_at,
        coalesce(nullif(trim(out.channel), ''), 'Unknown') as channel_label,
        coalesce(nullif(trim(out.campaign), ''), 'No campaign') as campaign_label,
        out.responded_at,
        out.actions,
        cf.plan,
        cf.segment,
        cf.signup_date,
        cf.churn_date,
        (cf.signup_date + interval 3 month)::date as band_3_at,
        (cf.signup_date + interval 12 month)::date as band_12_at
    from outreach as out
    join customer_facts as cf using (customer_id)
)
select
    customer_key,
    contacted_at,
    channel_label,
    campaign_label,
    responded_at,
    actions,
    lag(contacted_at) over (partition by customer_key
                            order by contacted_at, channel_label, campaign_label) as previous_at,
    lag(contacted_at) over (partition by customer_key, channel_label
                            order by contacted_at, campaign_label) as previous_channel_at,
    lag(contacted_at) over (partition by customer_key, campaign_label
                            order by contacted_at, channel_label) as previous_campaign_at,
    plan,
    segment,
    signup_date,
    churn_date,
    band_3_at,
    band_12_at,
    case when contacted_at::date < band_3_at then '0-3 months'
         when contacted_at::date < band_12_at then '3-12 months'
         else '12+ months' end as contact_age_band
from labelled
order by plan, segment, customer_key, contacted_at;
