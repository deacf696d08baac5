-- grain: one row. The latest date anywhere in the data (signup, churn, ticket created / first
-- response / resolved, NPS response, MRR month): the as-of picker reaches up to it, even past the
-- default as-of date (which leaves out dates after the day the snapshot was built).
with final as (
    select greatest(
        (select max(greatest(signup_date, churn_date)) from customers),
        (select max(greatest(created_at, first_response_at, resolved_at))::date from tickets),
        (select max(responded_at)::date from nps_responses),
        (select max(month) from mrr_history)
    ) as latest_date
)

select * from final
