-- grain: split ('All', the channel or the campaign of the contacts; /*group*/ from an allow-list)
-- x group (Contacted, Not contacted): retention $days after the index date, compared within
-- strata (period of contact x plan x segment x age band at the index; who is indexed when:
-- outreach_subjects). Only complete windows (index_date + $days <= as_of) count, and only strata
-- with customers on both sides. Every split is compared with the same not-contacted customers
-- (nobody contacted in that period by any campaign or channel), weighted to its own mix.
--   customers    = customers in the split's compared strata, once per period of contact
--   retained     = those not churned by index_date + $days
--   Contacted     retention_pct = retained / customers * 100
--   Not contacted retention_pct = sum over strata of contacted customers * (retained / customers
--                                 of the stratum's not-contacted) / contacted customers * 100,
--                 i.e. weighted to the split's contacted customers' mix of strata
--   unweighted_retention_pct = retained / customers * 100 on either side, without the weights
--   strata       = strata compared
--   too_recent   = contacted customers (once per period) whose window has not passed by as_of
--                  (Contacted row; 0 on the other)
--   unmatched    = contacted customers (once per period) with a complete window in a stratum
--                  without a not-contacted customer (Contacted row; 0 on the other)
--   events, observed_minus_expected, variance = the split's stratified log-rank terms
--                  (outreach_logrank; null without a compared stratum), on both rows
-- Rows: every split with a contacted customer ($by_none: the one split 'All', also without any),
-- in the split's order, Contacted first.
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

/*include:outreach_subjects*/,

contacted_strata as (
    select
        split, period, plan, segment, age_band,
        sum(customers)::bigint as n_contacted,
        sum(case when is_churned then 0 else customers end)::bigint as kept_contacted
    from reached
    where is_complete
    group by split, period, plan, segment, age_band
),

other_strata as (
    select
        period, plan, segment, age_band,
        sum(customers)::bigint as n_other,
        sum(case when is_churned then 0 else customers end)::bigint as kept_other
    from not_reached
    group by period, plan, segment, age_band
),

matched as (
    -- each split's strata beside the not-contacted customers of the same stratum (null: none);
    -- an unknown plan or segment is a stratum of its own, as it is one group in the counts
    select
        contacted_strata.split,
        contacted_strata.n_contacted,
        contacted_strata.kept_contacted,
        other_strata.n_other,
        other_strata.kept_other
    from contacted_strata
    left join other_strata
        on other_strata.period = contacted_strata.period
        and other_strata.plan is not distinct from contacted_strata.plan
        and other_strata.segment is not distinct from contacted_strata.segment
        and other_strata.age_band = contacted_strata.age_band
),

compared as (
    select split, n_contacted, kept_contacted, n_other, kept_other
    from matched
    where n_other is not null
),

/*include:outreach_logrank*/,

unmatched as (
    select split, sum(n_contacted) as unmatched
    from matched
    where n_other is null
    group by split
),

too_recent as (
    select split, sum(customers) as too_recent
    from reached
    where not is_complete
    group by split
),

splits as (
    select split from contacted_split
    union
    select 'All' as split where $by_none
),

sides as (
    select
        splits.split,
        'Contacted' as "group",
        1 as side,
        coalesce(sum(compared.n_contacted), 0) as customers,
        coalesce(sum(compared.kept_contacted), 0) as retained,
        sum(compared.kept_contacted) * 100.0 / sum(compared.n_contacted) as retention_pct,
        sum(compared.kept_contacted) * 100.0 / sum(compared.n_contacted)
            as unweighted_retention_pct,
        count(compared.split) as strata
    from splits
    left join compared on compared.split = splits.split
    group by splits.split
    union all
    select
        splits.split,
        'Not contacted',
        2,
        coalesce(sum(compared.n_other), 0),
        coalesce(sum(compared.kept_other), 0),
        sum(compared.n_contacted * compared.kept_other / compared.n_other) * 100.0
            / sum(compared.n_contacted),
        sum(compared.kept_other) * 100.0 / sum(compared.n_other),
        count(compared.split)
    from splits
    left join compared on compared.split = splits.split
    group by splits.split
),

final as (
    select
        sides.split,
        sides."group",
        $days as days,
        sides.customers::bigint as customers,
        sides.retained::bigint as retained,
        sides.retention_pct,
        sides.unweighted_retention_pct,
        sides.strata::bigint as strata,
        case when sides.side = 1 then coalesce(too_recent.too_recent, 0) else 0 end::bigint
            as too_recent,
        case when sides.side = 1 then coalesce(unmatched.unmatched, 0) else 0 end::bigint
            as unmatched,
        logrank.events,
        logrank.observed_minus_expected,
        logrank.variance,
        sides.side
    from sides
    left join too_recent on too_recent.split = sides.split
    left join unmatched on unmatched.split = sides.split
    left join logrank on logrank.split = sides.split
)

select split, "group", days, customers, retained, retention_pct, unweighted_retention_pct, strata,
       too_recent, unmatched, events, observed_minus_expected, variance
from final
order by split, side
