-- grain: one row per customer of the snapshot: customer_id, customer_key, name. Read once per churn
-- score fit (queries/risk.py), to find a fit's rows by the integer key the filtered selections
-- (risk_selection.sql) return.
select cf.customer_id, cf.customer_key, cust.name
from customer_facts as cf
join customers as cust on cust.customer_id = cf.customer_id
order by cf.customer_key
