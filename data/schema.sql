-- The retention database: every table of docs/definitions.md, Data model, with each rule as a constraint.
-- Only customers must have rows; the other tables may be empty.
--
-- Keys of the large tables (tickets.ticket_id unique, tickets / nps_responses / mrr_history /
-- activity / outreach customer_id present in customers, one mrr_history row per customer and month,
-- no outreach contact before the customer's signup) are checked by
-- data/build.py (check_integrity) on every build instead of index-backed PRIMARY KEY / REFERENCES: DuckDB's
-- indexes made a 10M-ticket bulk insert 4x slower (4 s -> 18 s, 36 s with the foreign key),
-- while the checking queries take 1-2 s and can name the offending rows.

create table customers (
    customer_id         varchar primary key,
    name                varchar,
    signup_date         date not null,
    churn_date          date check (churn_date >= signup_date),
    churn_reason        varchar,
    plan                varchar,
    mrr                 decimal(12, 2) check (mrr >= 0),
    region              varchar,
    segment             varchar,
    industry            varchar,
    acquisition_channel varchar,
    products_count      integer check (products_count >= 1),
    -- the export's own category of a churned customer (IBM's and Maven's Churn Category): it wins
    -- over the reason mapping for that customer
    churn_category      varchar
);

create table tickets (
    ticket_id         varchar not null,
    customer_id       varchar not null,
    created_at        timestamp not null,
    first_response_at timestamp check (first_response_at >= created_at),
    resolved_at       timestamp check (resolved_at >= created_at),
    channel           varchar,
    category          varchar,
    priority          varchar,
    agent_replies     integer check (agent_replies >= 0),
    csat              smallint check (csat between 1 and 5),
    ces               smallint check (ces between 1 and 5)
);

create table nps_responses (
    customer_id  varchar not null,
    responded_at timestamp not null,
    score        smallint not null check (score between 0 and 10)
);

create table mrr_history (
    customer_id varchar not null,
    month       date not null check (month = date_trunc('month', month)),
    mrr         decimal(12, 2) not null check (mrr >= 0)
);

-- Purchases, logins or feature use: what "came back" means for a business without cancellation
-- dates (activity retention), and the usage that fades before a churn.
create table activity (
    customer_id varchar not null,
    occurred_at timestamp not null,
    amount      decimal(12, 2) check (amount >= 0),
    kind        varchar
);

-- A retention team's own contacts (save campaigns, check-in calls, onboarding e-mails): one row
-- per contact; responded_at null = no response (yet); actions = follow-ups recorded after the
-- response (a renewal call booked, a feature enabled). Empty when the data has none.
create table outreach (
    customer_id  varchar not null,
    contacted_at timestamp not null,
    channel      varchar not null,
    campaign     varchar,
    responded_at timestamp check (responded_at >= contacted_at),
    actions      integer check (actions >= 0)
);

-- reason_key is the normalised raw reason: lower-cased, trimmed, whitespace runs collapsed.
create table churn_reason_categories (
    reason     varchar not null,
    reason_key varchar primary key,
    category   varchar not null,
    owner_team varchar
);

-- One row describing this snapshot; tables holds the row count per table.
create table meta (
    snapshot_id    varchar not null,
    built_at       timestamp not null,
    source_kind    varchar not null check (source_kind in ('demo', 'import')),
    source         json not null,
    default_as_of  date not null,
    tables         json not null
);

-- mapping_versions (every version of the reason mapping up to this snapshot's) is created by
-- data/build.py (MAPPING_VERSIONS_SQL): a re-mapping also adds it to snapshots built before it.
