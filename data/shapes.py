"""The shapes real exports come in (docs/definitions.md, Data model), converted by the importer
into the schema's tables.

The importer stages and checks every file as usual (typed_<key> tables, see data/importer); this
module adds the columns and files of the shapes to what it checks, and once everything is valid
rewrites the typed tables into the schema's columns, counting each conversion for the summary:

- churn as events (`--churn-events`): a customer's churn_date / churn_reason are its latest event's;
- churn as a flag (customers.churned): flagged active stays active whatever its dates say; flagged
  churned without any date churned on the as-of date (on its signup date if that is later);
- tenure instead of a signup date: signup_date = as_of - tenure_months calendar months (clamped);
- subscriptions instead of MRR history: month M's MRR sums the subscriptions active on M's last day
  (on the as-of day for the as-of month); customers.mrr, where not given, is the latest month's;
- durations instead of timestamps: first_response_at / resolved_at = created_at + the duration.
"""

from __future__ import annotations

import json
from datetime import date

from data.words import count

# Columns a file may have beyond the schema's (customers, tickets) and the files that exist only as
# input (subscriptions, churn_events), with the DuckDB type each is parsed as.
INPUT_COLUMNS = {
    "customers": {"churned": "VARCHAR", "tenure_months": "INTEGER"},
    "tickets": {"first_response_minutes": "DOUBLE", "first_response_hours": "DOUBLE",
                "resolution_minutes": "DOUBLE", "resolution_hours": "DOUBLE"},
    "subscriptions": {"customer_id": "VARCHAR", "start_date": "DATE", "end_date": "DATE",
                      "mrr": "DECIMAL(12,2)"},
    "churn_events": {"customer_id": "VARCHAR", "churn_date": "DATE", "churn_reason": "VARCHAR"},
}
INPUT_TABLES = ("subscriptions", "churn_events")
REQUIRED = {"subscriptions": ("customer_id", "start_date", "mrr"),
            "churn_events": ("customer_id", "churn_date")}
# timestamp column -> (its duration columns, microseconds per unit)
DURATIONS = {
    "first_response_at": {"first_response_minutes": 60_000_000, "first_response_hours": 3_600_000_000},
    "resolved_at": {"resolution_minutes": 60_000_000, "resolution_hours": 3_600_000_000},
}
FLAG_CHURNED = ("true", "yes", "y", "1", "churned")
FLAG_ACTIVE = ("false", "no", "n", "0", "active", "stayed")
FLAG_WORDS = ("one of true/false, yes/no, y/n, 1/0 (or 1.0/0.0), churned/active/stayed (any case; "
              "blank = not churned; other words: --values customers.churned=WORD:active)")



def _sql_list(values: tuple[str, ...]) -> str:
    # Only the literal words above reach this SQL.
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Row rules in data/importer/rules.py's RULES format: (column, expected, other columns, condition, found).
RULES = {
    "customers": [
        ("tenure_months", "a whole number >= 0", (), "tenure_months < 0", "shown(raw_tenure_months)"),
        ("churned", FLAG_WORDS, (),
         f"nv(churned) is not null and lower(trim(churned)) not in "
         f"{_sql_list(FLAG_CHURNED + FLAG_ACTIVE)} and as_number(churned) is distinct from 0 "
         "and as_number(churned) is distinct from 1", "shown(churned)"),
    ],
    "tickets": [
        (column, "a number >= 0", (), f"{column} < 0", f"shown(raw_{column})")
        for units in DURATIONS.values() for column in units
    ],
    "subscriptions": [
        ("end_date", "a date on or after start_date", ("start_date",), "end_date < start_date",
         "shown(raw_end_date) || ' (start_date ' || cast(start_date as varchar) || ')'"),
    ],
}
DATE_COLUMNS = {"subscriptions": ("start_date", "end_date"), "churn_events": ("churn_date",)}


def header_problems(key: str, columns: dict[str, str], files: set[str]) -> list[tuple[str, str, str]]:
    """(column, expected, found) for shapes that cannot go together in one import."""
    problems = []
    if key == "tickets":
        for target, units in DURATIONS.items():
            given = [c for c in (target, *units) if c in columns]
            if len(given) > 1:
                problems.append((target, f"either {target} or one duration for it",
                                 " and ".join(given)))
    if key == "subscriptions" and "mrr_history" in files:
        problems.append(("(file)", "either --mrr or --subscriptions (both fill the MRR history)",
                         "both"))
    return problems


def required_missing(key: str, columns: dict[str, str]) -> list[str]:
    """Required columns of `key` absent from the file (signup_date may come from tenure_months)."""
    required = {"customers": ("customer_id", "signup_date")}.get(key, REQUIRED.get(key, ()))
    if key == "customers" and "tenure_months" in columns:
        required = ("customer_id",)
    return [c for c in required if c not in columns]


def signup_check(columns: dict[str, str]) -> tuple[str, str, str] | None:
    """A customers row needs a signup_date, or a tenure_months to compute it from."""
    if "tenure_months" not in columns:
        return None
    if "signup_date" in columns:
        return ("signup_date", "a signup_date or a tenure_months (required)",
                "nv(raw_signup_date) is null and nv(raw_tenure_months) is null")
    return ("tenure_months", "a whole number >= 0 (required: there is no signup_date)",
            "nv(raw_tenure_months) is null")


# --- the as-of date and the conversions ----------------------------------------------------------
def prepare(con, staged: dict) -> None:
    """churn_given: per customers row, its churn as the files give it (latest event over the row's
    own date, a flag's verdict applied); the as-of date is not needed yet."""
    cust = staged["customers"].columns
    events = "churn_events" in staged
    row_date = "t.churn_date" if "churn_date" in cust else "cast(null as date)"
    row_reason = "t.churn_reason" if "churn_reason" in cust else "cast(null as varchar)"
    if events:
        has_reason = "churn_reason" in staged["churn_events"].columns
        event_reason = "ev.churn_reason" if has_reason else row_reason
        joined = f"""left join (
            select customer_id, churn_date, {'churn_reason' if has_reason else 'null'} as churn_reason,
                   row_id as event_row,
                   count(*) over (partition by customer_id) as events
            from typed_churn_events where customer_id is not null
            qualify row_number() over (partition by customer_id order by churn_date desc, row_id desc) = 1
        ) as ev on ev.customer_id = t.customer_id"""
        given_date = f"case when ev.event_row is not null then ev.churn_date else {row_date} end"
        given_reason = f"case when ev.event_row is not null then {event_reason} else {row_reason} end"
        event_cols = "ev.event_row, coalesce(ev.events, 0) as events"
    else:
        joined, given_date, given_reason = "", row_date, row_reason
        event_cols = "cast(null as bigint) as event_row, 0 as events"
    flag = ("case when lower(trim(t.churned)) in {c} or as_number(t.churned) = 1 then 'churned' "
            "else 'active' end".format(c=_sql_list(FLAG_CHURNED))
            if "churned" in cust else "cast(null as varchar)")
    con.execute(f"""
        create or replace temp table churn_given as
        select t.row_id, {flag} as flag, {given_date} as given_date, {given_reason} as given_reason,
               ({row_date}) is not null as row_had_date, {event_cols}
        from typed_customers as t {joined}""")


def default_as_of(con, staged: dict, day: date) -> date | None:
    """docs/definitions.md, Metrics: the latest signup, churn, ticket, NPS response, activity, outreach contact or
    response, or subscription start/end date given in the files and not after `day` (dates the
    importer derives from the as-of date itself - from tenure, or a churn flag without a date -
    never move it)."""
    parts = ["(select max(given_date) from churn_given where flag is distinct from 'active' "
             "and given_date <= $day)"]
    sources = {"customers": ("signup_date",), "tickets": ("created_at",),
               "nps_responses": ("responded_at",), "subscriptions": ("start_date", "end_date"),
               "activity": ("occurred_at",), "outreach": ("contacted_at", "responded_at")}
    for key, columns in sources.items():
        for column in columns:
            if key in staged and column in staged[key].columns:
                parts.append(f"(select max(cast({column} as date)) from typed_{key} "
                             f"where cast({column} as date) <= $day)")
    return con.execute(f"select greatest({', '.join(parts)})", {"day": day}).fetchone()[0]


def convert(con, staged: dict, as_of: date) -> tuple[list[str], list[str], dict]:
    """Rewrite the typed tables into the schema's columns; return (one line per conversion,
    warnings, what was assumed where the files were silent). The last is kept in the snapshot
    (meta.source "assumed", read back by read_assumptions) so every page can say it next to the
    numbers it moves: customers marked churned without a date (counted as churned on the as-of
    date) and signup dates computed from tenure_months; {} when nothing was assumed."""
    notes: list[str] = []
    if "subscriptions" in staged:
        notes += _subscriptions(con, staged, as_of)
    customer_notes, warnings, assumed = _customers(con, staged, as_of)
    notes += customer_notes
    if "tickets" in staged:
        notes += _durations(con, staged["tickets"])
    return notes, warnings, assumed


def post_checks(staged: dict) -> list[tuple[str, str, str, str]]:
    """(key, column, expected, SQL of (row_id, found, ref_row)) for churn dates that, once
    converted, fall before the customer's signup date (e.g. a signup computed from tenure)."""
    cust = staged["customers"].columns
    if "tenure_months" not in cust and "churn_events" not in staged:
        return []
    found = ("shown(cast(c.churn_date as varchar)) || ' (signup_date ' || "
             "cast(c.signup_date as varchar) || ')'")
    checks = [("customers", "churn_date", "a date on or after signup_date", f"""
        select c.row_id, {found} as found, null as ref_row
        from typed_customers as c
        where c.churn_date < c.signup_date and c.event_row is null and c.row_had_date""")]
    if "churn_events" in staged:
        checks.append(("churn_events", "churn_date", "a date on or after the customer's signup_date",
                       f"""
            select c.event_row as row_id, {found} as found, null as ref_row
            from typed_customers as c where c.churn_date < c.signup_date and c.event_row is not null
            """))
    return checks


def _customers(con, staged: dict, as_of: date) -> tuple[list[str], list[str], dict]:
    src = staged["customers"]
    given = set(src.columns)
    signup = "t.signup_date" if "signup_date" in given else "cast(null as date)"
    from_tenure = "false"
    if "tenure_months" in given:
        from_tenure = "t.signup_date is null" if "signup_date" in given else "true"
        signup = f"coalesce({signup}, cast($as_of - to_months(t.tenure_months) as date))"
    churn_date = f"""case when g.flag = 'active' then null
                          when g.flag = 'churned' and g.given_date is null
                              then greatest($as_of, {signup})
                          else g.given_date end"""
    churn_reason = "case when g.flag = 'active' then null else g.given_reason end"
    mrr = "t.mrr" if "mrr" in given else "cast(null as decimal(12, 2))"
    history, from_history = "", "false"
    if "subscriptions" in staged:
        history = """left join (
            select customer_id, arg_max(mrr, month) as mrr from mrr_history group by customer_id
        ) as h on h.customer_id = t.customer_id"""
        from_history = f"{mrr} is null and h.mrr is not null"
        mrr = f"coalesce({mrr}, h.mrr)"
    keep = [f"t.{c}" for c in given
            if c not in ("signup_date", "churn_date", "churn_reason", "mrr")
            and c not in INPUT_COLUMNS["customers"]]
    keep += [f"t.{c}" for c in src.extras.values()]
    con.execute(f"""
        create or replace temp table converted_customers as
        select t.row_id, {''.join(c + ', ' for c in keep)}
               {signup} as signup_date, {churn_date} as churn_date,
               {churn_reason} as churn_reason, {mrr} as mrr,
               {from_tenure} as from_tenure, {from_history} as from_history,
               g.flag, g.given_date, g.event_row, g.events, g.row_had_date
        from typed_customers as t join churn_given as g using (row_id)
        {history}""", {"as_of": as_of})
    con.execute("drop table typed_customers; drop table churn_given")
    con.execute("alter table converted_customers rename to typed_customers")
    for column in ("signup_date", "churn_date", "churn_reason", "mrr"):
        src.columns.setdefault(column, "converted")
    for column in INPUT_COLUMNS["customers"]:
        src.columns.pop(column, None)
    return _customer_notes(con, staged, given, as_of)


def read_assumptions(source) -> dict:
    """The "assumed" entry of a snapshot's meta.source (JSON text or dict): {} for a demo, a
    Spark build or a snapshot imported before it was recorded."""
    try:
        found = json.loads(source) if isinstance(source, str) else (source or {})
    except ValueError:
        return {}
    return found.get("assumed", {}) if isinstance(found, dict) else {}


def _customer_notes(con, staged: dict, given: set[str],
                    as_of: date) -> tuple[list[str], list[str], dict]:
    (tenure, flagged, undated, kept, from_events, events_total, mrr_filled) = con.execute("""
        select count(*) filter (where from_tenure),
               count(*) filter (where flag = 'churned'),
               count(*) filter (where flag = 'churned' and given_date is null),
               count(*) filter (where flag = 'active' and (events > 0 or row_had_date)),
               count(*) filter (where event_row is not null and flag is distinct from 'active'),
               coalesce(sum(events), 0),
               count(*) filter (where from_history)
        from typed_customers""").fetchone()
    notes, warnings = [], []
    if "tenure_months" in given:
        notes.append(f"{count(tenure, 'signup dates')} computed from tenure_months "
                     f"({as_of} minus that many calendar months, clamped to month end)")
    if "churn_events" in staged:
        notes.append(f"{count(events_total, 'churn events')}: {count(from_events, 'customers')} "
                     "churned on their latest event's date, with its reason")
    if "churned" in given:
        notes.append(f"{count(flagged, 'customers')} churned by flag, {undated:,} of them without a date: "
                     f"counted as churned on {as_of}")
        if undated:
            warnings.append(f"{count(undated, 'customers')} marked churned without a date: counted as "
                            f"churned on {as_of}")
        if kept:
            notes.append(f"{count(kept, 'customers')} flagged active kept active although a churn date or "
                         "churn events were given for them")
    if "churn_category" in given:
        from_file, unused = con.execute(
            "select count(*) filter (where churn_date is not null and nv(churn_category) is not null), "
            "count(*) filter (where churn_date is null and nv(churn_category) is not null) "
            "from typed_customers").fetchone()
        notes.append(f"{count(from_file, 'churned customers')} with the export's own churn_category: "
                     "it wins over the reason mapping for them")
        if unused:
            notes.append(f"churn_category of {count(unused, 'active customers')} not used (they have "
                         "not churned)")
    if "subscriptions" in staged:
        notes.append(f"customers.mrr of {count(mrr_filled, 'customers')} from their latest month of MRR "
                     "history")
    assumed = {}
    if undated:
        assumed["churned_without_date"] = {"customers": undated, "date": as_of.isoformat()}
        _record_undated(con, as_of)
    if tenure:
        assumed["signup_from_tenure"] = {"customers": tenure, "date": as_of.isoformat()}
    return notes, warnings, assumed


# The customers of a mixed file (some churned customers dated, some not) whose churn has no date:
# the snapshot keeps them apart, and every query leaves them out of the history (queries/base.py).
LEFT_OUT_TABLE = "history_left_out"


def _record_undated(con, as_of: date) -> int:
    """How many customers churned by `as_of` with a date the files give. When there are some, the
    customers churned without one (put on the as-of date) are listed in LEFT_OUT_TABLE: their
    churn cannot be placed in any month, so the history of the dated ones leaves them out."""
    dated = con.execute("""
        select count(*) from typed_customers
        where flag is distinct from 'active' and given_date is not null and given_date <= $as_of
        """, {"as_of": as_of}).fetchone()[0]
    if dated:
        con.execute(f"""
            create or replace table {LEFT_OUT_TABLE} as
            select customer_id from typed_customers
            where flag = 'churned' and given_date is null and customer_id is not null""")
    return int(dated)


def _subscriptions(con, staged: dict, as_of: date) -> list[str]:
    subs = con.execute("select count(*) from typed_subscriptions").fetchone()[0]
    con.execute(
        """
        insert into mrr_history (customer_id, month, mrr)
        with spans as (
            select customer_id, start_date, end_date, mrr,
                   unnest(generate_series(date_trunc('month', start_date),
                                          date_trunc('month', least(coalesce(end_date, $as_of), $as_of)),
                                          interval 1 month)) as month
            from typed_subscriptions
            where customer_id is not null and start_date <= $as_of
        ),
        judged as (
            -- the day a month is judged on: its last day, or the as-of day for the as-of month
            select customer_id, cast(month as date) as month, mrr, start_date, end_date,
                   least(last_day(cast(month as date)), $as_of) as judged_on
            from spans
        ),
        final as (
            select customer_id, month, sum(mrr) as mrr
            from judged
            where start_date <= judged_on and (end_date is null or end_date > judged_on)
            group by customer_id, month
        )
        select * from final
        """,
        {"as_of": as_of},
    )
    rows = con.execute("select count(*) from mrr_history").fetchone()[0]
    con.execute("drop table typed_subscriptions")
    return [f"{count(subs, 'subscriptions')} -> {count(rows, 'MRR history rows')} (each month's MRR: subscriptions "
            "active on its last day, or on the as-of day for the as-of month)"]


def _durations(con, src) -> list[str]:
    sets, notes = [], []
    for target, units in DURATIONS.items():
        for column, micros in units.items():
            if column in src.columns:
                sets.append(f"{target} = created_at + to_microseconds(cast(round({column} * "
                             f"{micros}) as bigint))")
                n = con.execute(f"select count({column}) from typed_tickets").fetchone()[0]
                notes.append(f"{count(n, 'tickets')}'{'s' if n == 1 else ''} {target} = "
                             f"created_at + {column}")
                src.columns.setdefault(target, "converted")
    if sets:
        for target in DURATIONS:
            con.execute(f"alter table typed_tickets add column if not exists {target} timestamp")
        con.execute(f"update typed_tickets set {', '.join(sets)}")
    for units in DURATIONS.values():
        for column in units:
            src.columns.pop(column, None)
    return notes
