-- grain: group (Contacted, Not contacted): retention $days after the index date, compared
-- within strata (period of contact x plan x segment x age band at the index; who is indexed
-- when: outreach_subjects). Only complete windows (index_date + $days <= as_of) count, and only
-- strata with customers on both sides.
--   customers    = customer-periods in the compared strata (a customer counts once per period)
--   retained     = those not churned by index_date + $days
--   Contacted     retention_pct = retained / customers * 100
--   Not contacted retention_pct = sum over strata of contacted customers * (retained / customers
--                                 of the stratum's not-contacted) / contacted customers * 100,
--                 i.e. weighted to the contacted customers' mix of strata
--   unweighted_retention_pct = retained / customers * 100 on either side, without the weights
--   strata       = strata compared
--   too_recent   = contacted customer-periods whose window has not passed by as_of (Contacted
--                  row; 0 on the other)
--   unmatched    = contacted customer-periods with a complete window in a stratum without a
--                  not-contacted customer (Contacted row; 0 on the other)
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

/*include:outreach_subjects*/,

strata as (
    select
        period, plan, segment, age_band,
        count(*) filter (where is_contacted) as n_contacted,
        count(*) filter (where is_contacted and not is_churned) as kept_contacted,
        count(*) filter (where not is_contacted) as n_other,
        count(*) filter (where not is_contacted and not is_churned) as kept_other
    from subject
    where is_complete
    group by period, plan, segment, age_band
),

compared as (
    select * from strata where n_contacted > 0 and n_other > 0
),

left_out as (
    select
        (select count(*) from subject where is_contacted and not is_complete) as too_recent,
        (select coalesce(sum(n_contacted), 0) from strata where n_other = 0) as unmatched
),

sides as (
    select
        'Contacted' as "group",
        1 as side,
        coalesce(sum(n_contacted), 0) as customers,
        coalesce(sum(kept_contacted), 0) as retained,
        sum(kept_contacted) * 100.0 / sum(n_contacted) as retention_pct,
        sum(kept_contacted) * 100.0 / sum(n_contacted) as unweighted_retention_pct
    from compared
    union all
    select
        'Not contacted',
        2,
        coalesce(sum(n_other), 0),
        coalesce(sum(kept_other), 0),
        sum(n_contacted * kept_other / n_other) * 100.0 / sum(n_contacted),
        sum(kept_other) * 100.0 / sum(n_other)
    from compared
),

final as (
    select
        sides."group",
        $days as days,
        sides.customers::bigint as customers,
        sides.retained::bigint as retained,
        sides.retention_pct,
        sides.unweighted_retention_pct,
        (select count(*) from compared)::bigint as strata,
        case when sides.side = 1 then left_out.too_recent else 0 end::bigint as too_recent,
        case when sides.side = 1 then left_out.unmatched else 0 end::bigint as unmatched
    from sides
    cross join left_out
    order by sides.side
)

select * from final
