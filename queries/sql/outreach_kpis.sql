-- grain: [group x] period of contact (week / month / quarter), every period from the first
-- contact's to the as-of period, for every group seen. group: 'All', the channel or the campaign.
-- Contacts of the selected customers made before the end of the as-of day (outreach_contacts).
--   contacts             = contacts made in the period (a customer contacted twice counts twice)
--   responses            = those answered before the end of the as-of day
--   response_rate_pct    = responses / contacts * 100
--   median_response_h    = quantile_cont 0.5 of responded_at - contacted_at in hours, over responses
--   actions              = sum of the responses' actions (empty = 0)
--   actions_per_response = actions / responses
--   is_complete          = last day of the period <= as_of
-- Periods without contacts: counts 0, rates and times null. /*group*/ comes from an allow-list.
with selected as (/*selected_customers*/),

contact as (/*include:outreach_contacts*/),

measured as (
    select
        /*group*/ as grp,
        date_trunc($grain, contacted_at)::date as period,
        /*include:outreach_measures*/
    from contact
    group by 1, 2
),

dated as (select period from measured),

periods as (/*include:period_series*/),

groups as (
    select distinct grp from measured
),

final as (
    select
        groups.grp as "group",
        periods.period,
        coalesce(measured.n_contacts, 0)::bigint as contacts,
        coalesce(measured.n_responses, 0)::bigint as responses,
        case when measured.n_contacts > 0
            then measured.n_responses * 100.0 / measured.n_contacts end as response_rate_pct,
        measured.median_response_h,
        coalesce(measured.n_actions, 0)::bigint as actions,
        case when measured.n_responses > 0
            then measured.n_actions * 1.0 / measured.n_responses end as actions_per_response,
        (periods.period + /*step*/ - interval 1 day)::date <= $as_of as is_complete
    from groups
    cross join periods
    left join measured on measured.grp = groups.grp and measured.period = periods.period
)

select * from final
order by "group", period
