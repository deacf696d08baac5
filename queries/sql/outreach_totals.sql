-- grain: group ('All', channel or campaign), over every contact of the selected customers made
-- before the end of the as-of day (outreach_contacts); the measures of outreach_kpis without the
-- period, plus:
--   customers          = distinct customers contacted: their contacts with no earlier one of
--                        the group (/*previous*/ null, outreach_facts), counted without a
--                        distinct: the first contact of a customer and group is the same
--                        whatever the as-of date, so it is in whenever any of theirs is
--   channels           = the channels the group's contacts went through, comma-separated
--   first_contact_date / last_contact_date = dates of its first and last contact
-- Ordered by contacts, most first. /*group*/ comes from an allow-list.
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

channels as (
    -- the distinct channels first: Spark 4 fails on string_agg(distinct ...) beside another
    -- distinct aggregate
    select grp, string_agg(channel, ', ' order by channel) as channels
    from (
        select distinct /*group*/ as grp, channel
        from contact
    ) as labels
    group by grp
),

measured as (
    select
        /*group*/ as grp,
        count(*) filter (where /*previous*/ is null) as customers,
        min(contacted_at)::date as first_contact_date,
        max(contacted_at)::date as last_contact_date,
        /*include:outreach_measures*/
    from contact
    group by 1
    -- by none groups by a constant: without contacts that would still make one empty row
    having count(*) > 0
),

final as (
    select
        grp as "group",
        channels.channels,
        first_contact_date,
        last_contact_date,
        customers::bigint as customers,
        n_contacts::bigint as contacts,
        n_responses::bigint as responses,
        n_responses * 100.0 / n_contacts as response_rate_pct,
        median_response_h,
        coalesce(n_actions, 0)::bigint as actions,
        case when n_responses > 0 then n_actions * 1.0 / n_responses end as actions_per_response
    from measured
    join channels using (grp)
)

select * from final
order by contacts desc, "group"
