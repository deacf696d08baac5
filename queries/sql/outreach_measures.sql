-- Included by outreach_kpis and outreach_totals: the measures of a group of contacts (rows of
-- outreach_contacts), as a select list.
count(*) as n_contacts,
count(*) filter (where is_response) as n_responses,
quantile_cont(response_h, 0.5) as median_response_h,
sum(actions) as n_actions
