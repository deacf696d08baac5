"""Every statement the app runs, with its parameters and DuckDB's result, collected by calling the
real query functions on a small snapshot through a recording connection.

    live = build_snapshot(folder)        # tests/matrix.py's customers, tickets, NPS and MRR, plus
                                         # activity and a few nulls and odd spellings
    statements = collect(live)           # [Statement(id, sql, params, columns, rows); .ordered parsed on demand]

CALLS names each call (query function, arguments, filters): every function of queries.__all__
with every grain, basis, breakdown and mode it takes, and the shared filters set. A statement
several calls run (kpi_summary's period_movements...) is kept once, under its first call's id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import sqlglot

import queries
from queries import DIMENSIONS, GRAINS, Filters
from queries.outreach import OUTREACH_BREAKDOWNS
from queries.support import SUPPORT_DIMENSIONS
from tests import matrix
from tests.unit.fixtures import make_db

AS_OF = matrix.AS_OF
F = Filters(as_of=AS_OF)
# Reasons as customers write them: two spellings of one mapped reason, an unmapped one, a blank.
# Seven, so that the churned customers (every third) cycle through all of them.
REASONS = ("too expensive", "  Too   Expensive", "moved to a competitor", "the moon was wrong", "",
           "never launched", "not using it enough")
# The shared filters set (an earlier as-of date, every customer dimension) ...
F_DIMENSIONS = Filters(
    as_of=date(2024, 6, 30), signup_from=date(2022, 3, 1), signup_to=date(2024, 3, 31),
    plans=("Growth", "Starter"), segments=("SMB", "Mid-market"), regions=("NA", "EMEA"),
    industries=("Retail", "Software"), channels=("Inbound", "Partner"), products=(1, 2, 4),
)
# ... and the early-support groups (customers past their first 90 days only).
F_EARLY = Filters(as_of=AS_OF, early_tickets=("1-2 tickets",),
                  early_csat=("Any rated < 4", "All rated >= 4"))


def _customers() -> list[dict]:
    rows = matrix.customers(REASONS)
    rows[5]["products_count"] = None  # 'Unknown' products group; no products_count filter value
    rows[8]["plan"] = None            # 'Unknown' plan
    return rows


def _tickets(people: list[dict]) -> list[dict]:
    rows = matrix.tickets(people)
    for n, ticket in enumerate(rows):
        if n % 9 == 4:  # unanswered and unresolved
            ticket.update(first_response_at=None, resolved_at=None)
        if n % 11 == 3:
            ticket.update(priority=None, csat=None, agent_replies=None)
    return rows


def _activity(people: list[dict]) -> list[dict]:
    """Activity 3, 35, 100 and 400 days after signup up to AS_OF (one a few days before signup
    for every tenth customer); some without an amount or a kind."""
    rows = []
    for i, c in enumerate(people):
        offsets = (-4, 3, 35, 100, 400) if i % 10 == 0 else (3, 35, 100, 400)
        for k, offset in enumerate(offsets):
            at = c["signup_date"] + timedelta(days=offset)
            if at > AS_OF:
                continue
            rows.append({"customer_id": c["customer_id"], "occurred_at": f"{at} 1{k}:30",
                         "amount": None if (i + k) % 7 == 0 else 10 + 2.5 * ((i + k) % 5),
                         "kind": ("purchase", "login", None)[(i + k) % 3]})
    return rows


def _outreach(people: list[dict]) -> list[dict]:
    """A contact for every fifth customer 50 days after signup (and a second one 130 days after
    for every tenth), up to AS_OF; most answered within hours to days, some never."""
    rows = []
    for i, c in enumerate(people):
        if i % 5:
            continue
        for k, offset in enumerate((50, 130) if i % 10 == 0 else (50,)):
            at = c["signup_date"] + timedelta(days=offset)
            if at > AS_OF:
                continue
            answered = (i + k) % 3 != 0
            rows.append({"customer_id": c["customer_id"], "contacted_at": f"{at} 10:00",
                         "channel": ("email", "phone", " ")[(i + k) % 3],
                         "campaign": ("Save", None, "Check-in")[(i // 5 + k) % 3],
                         "responded_at": f"{at + timedelta(days=(i + k) % 4)} 1{k + 1}:30"
                         if answered else None,
                         "actions": (i + k) % 4 if answered and (i + k) % 7 else None})
    return rows


def build_snapshot(folder: Path) -> Path:
    """The snapshot every statement runs on; its live path."""
    people = _customers()
    mrr = matrix.mrr_history(people)
    people[7]["mrr"] = None  # a null mrr counts 0 (its MRR history stays)
    con = make_db(folder, people, tickets=_tickets(people), nps=matrix.nps(people), mrr=mrr,
                  activity=_activity(people), outreach=_outreach(people), as_of=AS_OF)
    con.close()
    return Path(folder) / "retention.duckdb"


# --- the calls ------------------------------------------------------------------------------------

def _calls() -> list[tuple[str, str, dict, Filters]]:
    """(id, function of queries, arguments, filters) of every call."""
    # Filters() leaves the as-of date to the snapshot's (snapshot_as_of reads it).
    calls = [("cohort_retention[default as-of]", "cohort_retention", {}, Filters())]
    for grain in GRAINS:
        for basis in ("logo", "mrr"):
            calls += [(f"cohort_retention[{grain},{basis}]", "cohort_retention",
                       {"grain": grain, "basis": basis}, F),
                      (f"average_retention[{grain},{basis}]", "average_retention",
                       {"grain": grain, "basis": basis}, F)]
        first = {"week": date(2022, 1, 3), "month": date(2022, 1, 1), "quarter": date(2022, 1, 1)}
        calls += [
            (f"cohort_customers[{grain}]", "cohort_customers",
             {"grain": grain, "cohort": first[grain], "age": 2}, F),
            (f"period_movements[{grain}]", "period_movements", {"grain": grain}, F),
            (f"churn_reasons[{grain}]", "churn_reasons", {"grain": grain}, F),
            (f"nps[{grain}]", "nps", {"grain": grain}, F),
            (f"average_activity_revenue[{grain}]", "average_activity_revenue", {"grain": grain}, F),
            (f"activity_revenue[{grain}]", "activity_revenue", {"grain": grain}, F),
        ]
        for resolution in (True, False):
            calls.append((f"support_kpis[{grain},resolution={resolution}]", "support_kpis",
                          {"grain": grain, "resolution": resolution}, F))
        for mode in ("bounded", "unbounded"):
            calls += [(f"activity_retention[{grain},{mode}]", "activity_retention",
                       {"grain": grain, "mode": mode}, F),
                      (f"average_activity_retention[{grain},{mode}]", "average_activity_retention",
                       {"grain": grain, "mode": mode}, F)]
        calls.append((f"outreach_retention[{grain}]", "outreach_retention",
                      {"grain": grain, "days": 90}, F))
        for by in OUTREACH_BREAKDOWNS:
            calls.append((f"outreach_kpis[{grain},by={by}]", "outreach_kpis",
                          {"grain": grain, "by": by}, F))
    for by in OUTREACH_BREAKDOWNS:
        calls.append((f"outreach_totals[by={by}]", "outreach_totals", {"by": by}, F))
    calls.append(("outreach_retention[month,30 days]", "outreach_retention",
                  {"grain": "month", "days": 30}, F))
    for by in ("channel", "campaign"):
        calls.append((f"outreach_retention[month,by={by}]", "outreach_retention",
                      {"grain": "month", "by": by}, F))
    for by in SUPPORT_DIMENSIONS:
        calls.append((f"support_kpis[month,by={by}]", "support_kpis",
                      {"grain": "month", "by": by}, F))
    calls.append(("survival", "survival", {}, F))
    for by in DIMENSIONS:
        calls += [(f"survival[by={by}]", "survival", {"by": by}, F),
                  (f"logrank_p[by={by}]", "logrank_p", {"by": by}, F)]
    calls += [
        ("survival_at", "survival_at", {"by": None, "day": 365}, F),
        ("revenue_retention[month]", "revenue_retention", {"grain": "month"}, F),
        ("revenue_retention[quarter]", "revenue_retention", {"grain": "quarter"}, F),
        ("churn_share[by=plan]", "churn_share", {"by": "plan"}, F),
        ("tenure_survival[by=plan]", "tenure_survival", {"by": "plan"}, F),
        ("tenure_logrank_p[by=plan]", "tenure_logrank_p", {"by": "plan"}, F),
    ]
    # Calls with no argument but the filters (F), and statements about the whole snapshot (None).
    calls += [(name, name, {}, F) for name in (
        "early_support_excluded", "kpi_summary", "churn_reasons", "churn_share", "tenure_survival",
        "pre_churn_tickets", "pre_churn_activity", "data_quality")]
    calls += [(name, name, {}, None) for name in (
        "meta", "reason_mapping", "mapping_categories", "mapping_versions", "filter_options",
        "table_profile", "latest_data_date", "ticket_priorities")]
    for months in (12, 24):
        calls += [(f"{name}[{months}]", name, {"horizon_months": months}, F)
                  for name in ("retention_by_products", "early_expansion_retention")]
    # The churn score's statements: what the data holds, the signals at each window's
    # cutoff, the selection (a score, or "too little history", both run them).
    calls += [
        ("risk_backtest", "risk_backtest", {"horizon_days": 90}, F),
        ("churn_risk", "churn_risk", {"horizon_days": 90}, F),
        ("churn_risk[filters]", "churn_risk", {"horizon_days": 90}, F_DIMENSIONS),
        ("churn_risk_totals", "churn_risk_totals", {"horizon_days": 90}, F),
        ("churn_risk_top", "churn_risk_top", {"horizon_days": 90}, F),
    ]
    for category in ("Price", "Competitor", "Other"):
        calls.append((f"raw_reasons[{category}]", "raw_reasons", {"category": category}, F))
    # The shared filters set, on a query of each kind.
    for name, filters in (("filters", F_DIMENSIONS), ("early filters", F_EARLY)):
        calls += [
            (f"cohort_retention[month,{name}]", "cohort_retention", {"grain": "month"}, filters),
            (f"period_movements[month,{name}]", "period_movements", {"grain": "month"}, filters),
            (f"support_kpis[month,{name}]", "support_kpis", {"grain": "month"}, filters),
            (f"churn_reasons[month,{name}]", "churn_reasons", {"grain": "month"}, filters),
            (f"survival[by=plan,{name}]", "survival", {"by": "plan"}, filters),
            (f"data_quality[{name}]", "data_quality", {}, filters),
            (f"revenue_retention[month,{name}]", "revenue_retention", {"grain": "month"}, filters),
            (f"activity_retention[month,{name}]", "activity_retention", {"grain": "month"},
             filters),
            (f"outreach_kpis[month,{name}]", "outreach_kpis", {"grain": "month"}, filters),
            (f"outreach_retention[month,{name}]", "outreach_retention", {"grain": "month"},
             filters),
        ]
    return calls


CALLS = _calls()


@dataclass(frozen=True)
class Statement:
    id: str
    sql: str
    params: dict
    columns: tuple[str, ...]
    rows: list[tuple]

    @property
    def ordered(self) -> bool:
        """The statement ends in ORDER BY: rows compare in order. Parsed when a test asks, not
        when the module is collected (each xdist worker collects it, mostly to deselect it)."""
        return _ordered(self.sql)


class _Recorder:
    """A connection the query functions use as theirs: runs each statement on DuckDB and keeps
    (text, parameters, result)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self.seen: list[tuple[str, dict, tuple, list]] = []

    def cursor(self):
        return self

    def execute(self, text: str, params=None):
        params = dict(params or {})
        cur = self._con.cursor().execute(text, params)
        columns = tuple(d[0] for d in cur.description)
        self.seen.append((text, params, columns, cur.fetchall()))
        return self._con.cursor().execute(text, params)


@functools.cache  # a text several calls run (with other parameters) is parsed once
def _ordered(sql: str) -> bool:
    return sqlglot.parse_one(sql, read="duckdb").args.get("order") is not None


def statement_key(sql: str, params: dict) -> tuple[str, str]:
    """What makes two statements one: the same text with the same parameters."""
    return sql, repr(sorted(params.items()))


def collect(live: Path, calls=None) -> list[Statement]:
    """Every distinct (statement, parameters) of `calls` (id, function, arguments, filters;
    default CALLS) on the snapshot at `live`. bench/portable_speed.py records each page's
    default view this way on a big snapshot."""
    con = duckdb.connect(str(live), read_only=True)
    out, seen, ids = [], set(), set()
    try:
        for call_id, name, kwargs, filters in CALLS if calls is None else calls:
            recorder = _Recorder(con)
            function = getattr(queries, name)
            function(recorder, **kwargs) if filters is None else function(recorder, filters,
                                                                          **kwargs)
            for n, (text, params, columns, rows) in enumerate(recorder.seen):
                key = statement_key(text, params)
                if key in seen:
                    continue
                seen.add(key)
                statement_id = call_id if call_id not in ids else f"{call_id}#{n + 1}"
                if text.strip() == "select default_as_of from meta":
                    statement_id = "snapshot_as_of"
                ids.add(statement_id)
                out.append(Statement(statement_id, text, params, columns, rows))
    finally:
        con.close()
    return out
