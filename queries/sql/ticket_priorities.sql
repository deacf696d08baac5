-- grain: one row per ticket priority present in the data (a missing priority is 'Unknown', as in
-- support_kpis' priority breakdown). Whole snapshot, not the filtered customers: it names the
-- targets a viewer can set.
select distinct coalesce(priority, 'Unknown') as priority
from ticket_facts
order by priority
