"""Connection, filters and SQL loading shared by every query module. No streamlit here."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd


SQL_DIR = Path(__file__).resolve().parent / "sql"
GRAINS = ("week", "month", "quarter")
BASES = ("logo", "mrr")

# Customer dimensions a chart may be split or compared by: allow-list key -> SQL over customer_facts.
# The early_* buckets follow docs/definitions.md, Metrics "Early support experience" ($sla_h is the FRT target).
DIMENSIONS = {
    "plan": "cf.plan",
    "segment": "cf.segment",
    "region": "cf.region",
    "industry": "cf.industry",
    "acquisition_channel": "cf.acquisition_channel",
    "products_count": "coalesce(cf.products_count::varchar, 'Unknown')",
    "early_tickets": (
        "case when cf.early_tickets = 0 then '0 tickets' "
        "when cf.early_tickets <= 2 then '1-2 tickets' else '3+ tickets' end"
    ),
    "early_frt_sla": (
        "case when cf.early_tickets = 0 then 'No tickets' "
        "when cf.early_unanswered = 0 and cf.early_max_frt_h <= $sla_h then 'All within target' "
        "else 'Any breach' end"
    ),
    "early_csat": (
        "case when cf.early_csat_rated = 0 then 'None rated' "
        "when cf.early_csat_bad = 0 then 'All rated >= 4' else 'Any rated < 4' end"
    ),
}
EARLY_DIMENSIONS = ("early_tickets", "early_frt_sla", "early_csat")
# Early-support groups only describe customers whose first 90 days are over (docs/definitions.md, Metrics; the 90 days
# are customer_facts.early_support_end, data/build/facts.sql).
ELIGIBLE_EARLY = "cf.early_support_end <= $as_of"


@dataclass(frozen=True)
class Filters:
    """The shared filters of every page. Empty tuple = all values; as_of None = the snapshot's
    own as-of date (snapshot_as_of)."""

    as_of: date | None = None
    signup_from: date | None = None
    signup_to: date | None = None
    plans: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    products: tuple[int, ...] = ()
    # Early support experience (docs/definitions.md, Metrics): restricts to customers whose first 90 days are over.
    early_tickets: tuple[str, ...] = ()
    early_csat: tuple[str, ...] = ()

    def resolve(self, con: duckdb.DuckDBPyConnection) -> Filters:
        """These filters with a concrete as-of date: the snapshot's own (snapshot_as_of) when
        none is set. The app resolves it once, in the frame; a caller of the metrics API that
        leaves it out gets it resolved here."""
        return self if self.as_of is not None else replace(self, as_of=snapshot_as_of(con))

    def params(self, con: duckdb.DuckDBPyConnection) -> dict:
        """Bound parameters of the selected_customers fragment."""
        as_of = self.resolve(con).as_of
        return {
            "as_of": as_of,
            # Nothing at or after the end of the as-of day exists (docs/definitions.md, Metrics).
            "as_of_end": pd.Timestamp(as_of + timedelta(days=1)).to_pydatetime(),
            "signup_from": self.signup_from,
            "signup_to": self.signup_to,
            "plans": list(self.plans) or None,
            "segments": list(self.segments) or None,
            "regions": list(self.regions) or None,
            "industries": list(self.industries) or None,
            "channels": list(self.channels) or None,
            "products": [int(p) for p in self.products] or None,
            "early_tickets": list(self.early_tickets) or None,
            "early_csat": list(self.early_csat) or None,
            "left_out": history_left_out(con),
        }

    def describe(self) -> str:
        """The active filters in plain words, e.g. 'plan: Growth · segment: SMB'."""
        words = []
        for field in fields(self):
            value = getattr(self, field.name)
            if value in (None, ()):
                continue
            shown = ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
            words.append(f"{field.name.replace('_', ' ')}: {shown}")
        return " · ".join(words) or "all customers"


def history_left_out(con) -> list[str] | None:
    """Customers left out of every number: in a file where some churned customers have a churn
    date and some do not, those without one (the import lists them in `history_left_out`; their
    churn cannot be placed in any month). None when the snapshot has no such list."""
    try:
        found = con.execute("select list(customer_id) from history_left_out").fetchone()[0]
    except duckdb.Error:
        return None
    return list(found) if found else None


def snapshot_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The as-of date the snapshot recorded when it was built (meta.default_as_of): what a view
    shows when it sets no as-of date of its own."""
    return con.execute("select default_as_of from meta").fetchone()[0]


def meta(con: duckdb.DuckDBPyConnection) -> dict:
    """The snapshot's meta row: snapshot_id, built_at, source_kind, source, default_as_of, tables."""
    return con.execute("select * from meta").df().iloc[0].to_dict()


_INCLUDE = re.compile(r"/\*include:([a-z_]+)\*/")
_DIMENSION = re.compile(r"/\*dimension:([a-z_]+)\*/")


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    """The text of queries/sql/<name>.sql with included files expanded.

    `/*include:other*/` is replaced by the text of other.sql; `/*selected_customers*/` is the
    shorthand every query uses for the customers the shared filters select.
    """
    text = (SQL_DIR / f"{name}.sql").read_text()
    text = text.replace("/*selected_customers*/", "/*include:selected_customers*/")
    text = _INCLUDE.sub(lambda m: load_sql(m.group(1)), text)
    return _DIMENSION.sub(lambda m: DIMENSIONS[m.group(1)], text)


def check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(str, allowed))}")


def dimension_sql(by: str | None, allowed=DIMENSIONS) -> str:
    """SQL expression of a breakdown dimension from the allow-list ('All' for None)."""
    if by is None:
        return "'All'"
    check_choice("dimension", by, list(allowed))
    return allowed[by]


_PARAM = re.compile(r"\$([a-z_]+)")


def run(con: duckdb.DuckDBPyConnection, text: str, params: dict) -> pd.DataFrame:
    """Execute on a fresh cursor (connections are not thread-safe), binding only used params."""
    used = set(_PARAM.findall(text))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"query needs parameters {sorted(missing)}")
    return con.cursor().execute(text, {k: params[k] for k in used}).df()


# Per-grain SQL pieces, substituted for /*name*/ markers in the cohort queries.
#   cohort       : the customer's signup period start (a customer_facts column)
#   churn_age    : first age without the customer (customer_facts column)
#   age_reached  : largest k with signup_date + k periods <= as_of  (over alias cf)
#   cell_end     : last day of the cohort period + k periods, for cohort `cohort`, age `age`
#   step         : one period, for generate_series over period starts
#   created_period / resolved_period : a ticket's creation / resolution period start (ticket_facts)
#   periods_to_as_of : number of whole periods from period start `cohort` to the as-of period
#   activity_age     : periods from the cohort period (members.cohort) to an activity's (act)
#   period_end       : last day of the calendar period cohort + age (activity cells are complete
#                      when it has ended; unlike cell_end, no customer's own signup day is involved)
GRAIN_SQL = {
    "week": {
        "cohort": "week_start",
        "churn_age": "churn_age_week",
        "age_reached": "datediff('day', cf.signup_date, $as_of) // 7",
        "cell_end": "cohort + to_days((6 + 7 * age)::integer)",
        "step": "interval 7 day",
        "created_period": "tkt.created_week",
        "resolved_period": "tkt.resolved_week",
        "periods_to_as_of": "datediff('day', cohort, date_trunc('week', $as_of)::date) // 7",
        "activity_age": "datediff('day', members.cohort, act.occurred_week) // 7",
        "period_end": "cohort + to_days((7 * age + 6)::integer)",
    },
    "month": {
        "cohort": "month_start",
        "churn_age": "churn_age_month",
        "age_reached": (
            "datediff('month', cf.signup_date, $as_of) - case when cf.signup_date "
            "+ to_months(datediff('month', cf.signup_date, $as_of)) <= $as_of then 0 else 1 end"
        ),
        "cell_end": "(cohort + interval 1 month - interval 1 day) + to_months(age)",
        "step": "interval 1 month",
        "created_period": "tkt.created_month",
        "resolved_period": "tkt.resolved_month",
        "periods_to_as_of": "datediff('month', cohort, $as_of)",
        "activity_age": "datediff('month', members.cohort, act.occurred_month)",
        "period_end": "(cohort + to_months((age + 1)::integer) - interval 1 day)::date",
    },
    "quarter": {
        "cohort": "quarter_start",
        "churn_age": "churn_age_quarter",
        "age_reached": (
            "datediff('month', cf.signup_date, $as_of) // 3 - case when cf.signup_date "
            "+ to_months(3 * (datediff('month', cf.signup_date, $as_of) // 3)) <= $as_of "
            "then 0 else 1 end"
        ),
        "cell_end": "(cohort + interval 3 month - interval 1 day) + to_months(3 * age)",
        "step": "interval 3 month",
        "created_period": "tkt.created_quarter",
        "resolved_period": "tkt.resolved_quarter",
        "periods_to_as_of": "datediff('month', cohort, date_trunc('quarter', $as_of)::date) // 3",
        "activity_age": "datediff('month', members.cohort, act.occurred_quarter) // 3",
        "period_end": "(cohort + to_months((3 * age + 3)::integer) - interval 1 day)::date",
    },
}

BASIS_WEIGHT = {"logo": "1.0", "mrr": "cf.mrr_or_zero::double"}


def grain_sql(name: str, grain: str, basis: str = "logo") -> str:
    """load_sql(name) with the per-grain and per-basis markers filled from the allow-lists."""
    check_choice("grain", grain, GRAINS)
    check_choice("basis", basis, BASES)
    text = load_sql(name)
    for marker, piece in GRAIN_SQL[grain].items():
        text = text.replace(f"/*{marker}*/", piece)
    return text.replace("/*weight*/", BASIS_WEIGHT[basis])
