-- grain: one row per customer active at the end of the cutoff day $cutoff (signed up by it, not
-- churned by it): the signals a churn score reads, each from what was known by the end of that
-- day ($cutoff_end = cutoff + 1 day; nothing at or after it is read), and the outcome.
--   tenure_days            : cutoff - signup_date, in days
--   plan ... products_count: the customer's dimensions (customers.mrr when there is no MRR history)
--   mrr_latest             : MRR of the last complete month before the cutoff's month ($mrr_month)
--   mrr_change_pct         : (mrr_latest - MRR 3 months earlier) / MRR 3 months earlier x 100
--                            (null without both months or with 0 three months earlier)
--   tickets_90d            : tickets created in [$window_from, $cutoff_end)
--   frt_breaches_90d       : ... of them first answered more than $sla_h hours after creation, or
--                            not answered by $cutoff_end and created before $breach_before
--                            (= cutoff_end - sla_h hours: already over the target)
--   low_csat_90d           : ... of them rated below 4, a rating counted only once the ticket was
--                            resolved by $cutoff_end (when resolutions are recorded: $csat_dated)
--   open_tickets_90d       : ... of them not resolved by $cutoff_end
--   latest_nps             : score of the latest NPS response before $cutoff_end (null: none)
--   activity_30d           : activity in [$recent_from, $cutoff_end)
--   activity_prior_60d     : activity in [$window_from, $recent_from)
--   activity_change_pct    : (activity_30d - activity_prior_60d / 2) / (activity_prior_60d / 2)
--                            x 100: the last 30 days against the 30-day average of the 60 before
--                            (null without activity in those 60 days)
--   days_since_activity    : cutoff - day of the latest activity before $cutoff_end (null: none)
--   contacts_90d           : outreach contacts in [$window_from, $cutoff_end)
--   responses_90d          : ... of them answered before $cutoff_end
--   is_churned_in_horizon  : churn_date in ($cutoff, $label_end] (only read for windows whose
--                            label_end is on or before the as-of date)
-- Events dated before the customer's signup count in no signal.
with base as (
    select
        cf.customer_key,
        cf.customer_id,
        cf.signup_date,
        datediff('day', cf.signup_date, $cutoff) as tenure_days,
        cf.plan,
        cf.segment,
        cf.region,
        cf.industry,
        cf.acquisition_channel,
        cf.products_count,
        cf.mrr::double as customer_mrr,
        coalesce(cf.churn_date <= $label_end, false) as is_churned_in_horizon
    from customer_facts as cf
    where cf.signup_date <= $cutoff
      and (cf.churn_date is null or cf.churn_date > $cutoff)
),

recent_tickets as (
    select
        tkt.customer_key,
        count(*) as tickets_90d,
        sum(case
            when tkt.first_response_at < $cutoff_end and tkt.frt_h > $sla_h then 1
            when (tkt.first_response_at is null or tkt.first_response_at >= $cutoff_end)
                and tkt.created_at < $breach_before then 1
            else 0 end) as frt_breaches_90d,
        sum(case
            when tkt.csat < 4 and (not $csat_dated or tkt.resolved_at < $cutoff_end) then 1
            else 0 end) as low_csat_90d,
        sum(case
            when tkt.resolved_at is null or tkt.resolved_at >= $cutoff_end then 1
            else 0 end) as open_tickets_90d
    from ticket_facts as tkt
    join base on base.customer_key = tkt.customer_key
    where tkt.created_at >= $window_from
      and tkt.created_at < $cutoff_end
      and tkt.created_at >= base.signup_date
    group by tkt.customer_key
),

nps_ranked as (
    select
        resp.customer_key,
        resp.score,
        row_number() over (
            partition by resp.customer_key order by resp.responded_at desc, resp.score
        ) as rank_latest
    from nps_facts as resp
    join base on base.customer_key = resp.customer_key
    where resp.responded_at < $cutoff_end
      and resp.responded_at >= base.signup_date
),

latest_nps as (
    select nps_ranked.customer_key, nps_ranked.score as latest_nps
    from nps_ranked
    where nps_ranked.rank_latest = 1
),

mrr_months as (
    select
        hist.customer_key,
        max(case when hist.month = $mrr_month then hist.mrr::double end) as mrr_latest,
        max(case when hist.month = $mrr_month_before then hist.mrr::double end) as mrr_3m_before
    from mrr_facts as hist
    join base on base.customer_key = hist.customer_key
    where hist.month = $mrr_month or hist.month = $mrr_month_before
    group by hist.customer_key
),

recent_activity as (
    select
        act.customer_key,
        sum(case when act.occurred_at >= $recent_from then 1 else 0 end) as activity_30d,
        sum(case when act.occurred_at >= $window_from and act.occurred_at < $recent_from
            then 1 else 0 end) as activity_prior_60d,
        max(act.occurred_at) as last_activity_at
    from activity_facts as act
    join base on base.customer_key = act.customer_key
    where act.occurred_at < $cutoff_end
      and act.occurred_at >= base.signup_date
    group by act.customer_key
),

recent_outreach as (
    select
        base.customer_key,
        count(*) as contacts_90d,
        sum(case when touch.responded_at < $cutoff_end then 1 else 0 end) as responses_90d
    from outreach as touch
    join base on base.customer_id = touch.customer_id
    where touch.contacted_at >= $window_from
      and touch.contacted_at < $cutoff_end
      and touch.contacted_at >= base.signup_date
    group by base.customer_key
),

final as (
    select
        base.customer_id,
        base.tenure_days,
        base.plan,
        base.segment,
        base.region,
        base.industry,
        base.acquisition_channel,
        base.products_count,
        base.customer_mrr,
        mrr_months.mrr_latest,
        case when mrr_months.mrr_3m_before > 0
            then (mrr_months.mrr_latest - mrr_months.mrr_3m_before)
                / mrr_months.mrr_3m_before * 100 end as mrr_change_pct,
        coalesce(recent_tickets.tickets_90d, 0) as tickets_90d,
        coalesce(recent_tickets.frt_breaches_90d, 0) as frt_breaches_90d,
        coalesce(recent_tickets.low_csat_90d, 0) as low_csat_90d,
        coalesce(recent_tickets.open_tickets_90d, 0) as open_tickets_90d,
        latest_nps.latest_nps,
        coalesce(recent_activity.activity_30d, 0) as activity_30d,
        coalesce(recent_activity.activity_prior_60d, 0) as activity_prior_60d,
        case when recent_activity.activity_prior_60d > 0
            then (2.0 * recent_activity.activity_30d - recent_activity.activity_prior_60d)
                / recent_activity.activity_prior_60d * 100 end as activity_change_pct,
        datediff('day', recent_activity.last_activity_at::date, $cutoff) as days_since_activity,
        coalesce(recent_outreach.contacts_90d, 0) as contacts_90d,
        coalesce(recent_outreach.responses_90d, 0) as responses_90d,
        base.is_churned_in_horizon
    from base
    left join recent_tickets on recent_tickets.customer_key = base.customer_key
    left join latest_nps on latest_nps.customer_key = base.customer_key
    left join mrr_months on mrr_months.customer_key = base.customer_key
    left join recent_activity on recent_activity.customer_key = base.customer_key
    left join recent_outreach on recent_outreach.customer_key = base.customer_key
)

select * from final
order by customer_id
