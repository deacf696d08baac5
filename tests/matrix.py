"""Snapshots of partial data, as real exports come: each built through data.load from tiny CSV
files, so the pages, the board pack and the browser tests see what a user's import gives.

    paths = build_all(folder)      # name -> live database path
    SNAPSHOTS["customers_only"]    # which files and columns each one has

Every variant has the same customers (the same signup and churn dates), so only what is missing
changes. The last signup is on AS_OF, which makes it the default as-of date of every variant.
"""

from __future__ import annotations

import csv
import math
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2024, 9, 30)
FIRST_SIGNUP = date(2022, 1, 3)
CUSTOMERS = 72
MAPPED_REASONS = ("too expensive", "moved to a competitor", "never launched", "not using it enough")
UNMAPPED_REASONS = ("the moon was wrong", "n/a", "see email")

FULL_CUSTOMER_COLUMNS = ("customer_id", "name", "signup_date", "churn_date", "churn_reason", "plan",
                         "mrr", "region", "segment", "industry", "acquisition_channel",
                         "products_count")
# A telco-style table: no region, industry, acquisition channel or products held.
LEAN_CUSTOMER_COLUMNS = ("customer_id", "signup_date", "churn_date", "churn_reason", "plan",
                         "segment", "mrr")
FULL_TICKET_COLUMNS = ("ticket_id", "customer_id", "created_at", "first_response_at",
                       "resolved_at", "channel", "category", "priority", "agent_replies", "csat",
                       "ces")
# A SaaS help-desk export without csat, ces, channel, priority or agent replies.
LEAN_TICKET_COLUMNS = ("ticket_id", "customer_id", "created_at", "first_response_at",
                       "resolved_at", "category")

# name -> (customer columns, reasons, ticket columns or None, nps?, mrr history?)
SNAPSHOTS = {
    "customers_only": (LEAN_CUSTOMER_COLUMNS, MAPPED_REASONS, None, False, False),
    "no_support_fields": (FULL_CUSTOMER_COLUMNS, MAPPED_REASONS, LEAN_TICKET_COLUMNS, False, False),
    "no_mrr_history": (FULL_CUSTOMER_COLUMNS, MAPPED_REASONS, FULL_TICKET_COLUMNS, True, False),
    "no_nps": (FULL_CUSTOMER_COLUMNS, MAPPED_REASONS, FULL_TICKET_COLUMNS, False, True),
    "no_reasons": (tuple(c for c in FULL_CUSTOMER_COLUMNS if c != "churn_reason"), MAPPED_REASONS,
                   FULL_TICKET_COLUMNS, True, True),
    "unmapped_reasons": (FULL_CUSTOMER_COLUMNS, UNMAPPED_REASONS, FULL_TICKET_COLUMNS, True, True),
    "everything": (FULL_CUSTOMER_COLUMNS, MAPPED_REASONS, FULL_TICKET_COLUMNS, True, True),
}


def customers(reasons: tuple[str, ...]) -> list[dict]:
    """One customer every 14 days from FIRST_SIGNUP, and a last one on AS_OF. Every third churns
    60-480 days after signup (those after AS_OF stay active as of AS_OF)."""
    rows = []
    for i in range(CUSTOMERS):
        signup = FIRST_SIGNUP + timedelta(days=14 * i) if i < CUSTOMERS - 1 else AS_OF
        churn = signup + timedelta(days=60 + (i * 37) % 420) if i % 3 == 0 and i else None
        rows.append({
            "customer_id": f"c{i:03d}", "name": f"Account {i}", "signup_date": signup,
            "churn_date": churn, "churn_reason": reasons[i % len(reasons)] if churn else None,
            "plan": ("Starter", "Growth", "Enterprise")[i % 3 if i % 3 else (i // 3) % 3],
            "mrr": 100 + 50 * (i % 4), "region": ("NA", "EMEA")[i % 2],
            "segment": ("SMB", "Mid-market")[(i // 2) % 2], "industry": ("Retail", "Software")[i % 2],
            "acquisition_channel": ("Inbound", "Partner")[(i // 3) % 2],
            "products_count": 1 + i % 4,
        })
    return rows


def tickets(people: list[dict]) -> list[dict]:
    """Two tickets per customer (5 and 40 days after signup) that fall on or before AS_OF."""
    rows = []
    for i, c in enumerate(people):
        for k, offset in enumerate((5, 40)):
            created = c["signup_date"] + timedelta(days=offset)
            if created > AS_OF:
                continue
            at = f"{created} 09:00"
            rows.append({
                "ticket_id": f"t{i:03d}{k}", "customer_id": c["customer_id"], "created_at": at,
                "first_response_at": f"{created} {10 + (i + k) % 8:02d}:00",
                "resolved_at": f"{created + timedelta(days=1 + i % 3)} 09:00",
                "channel": ("email", "chat")[(i + k) % 2], "category": ("how-to", "bug")[k],
                "priority": ("normal", "high")[i % 2], "agent_replies": 1 + (i + k) % 3,
                "csat": 2 + (i + k) % 4, "ces": 1 + (i * 3 + k) % 5,
            })
    return rows


def nps(people: list[dict]) -> list[dict]:
    return [{"customer_id": c["customer_id"],
             "responded_at": f"{c['signup_date'] + timedelta(days=60)} 12:00", "score": i % 11}
            for i, c in enumerate(people) if c["signup_date"] + timedelta(days=60) <= AS_OF]


def mrr_history(people: list[dict]) -> list[dict]:
    """A row per active month; every fourth customer doubles its MRR in its second month."""
    rows = []
    for i, c in enumerate(people):
        month = c["signup_date"].replace(day=1)
        end = min(c["churn_date"] or AS_OF, AS_OF)
        k = 0
        while month <= end:
            rows.append({"customer_id": c["customer_id"], "month": month,
                         "mrr": c["mrr"] * (2 if i % 4 == 0 and k >= 1 else 1)})
            month = (month + timedelta(days=32)).replace(day=1)
            k += 1
    return rows


def _write(path: Path, rows: list[dict], columns) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def build(folder: Path, name: str) -> Path:
    """The snapshot `name` of SNAPSHOTS, imported with data.load; its live path."""
    from data import importer

    columns, reasons, ticket_columns, with_nps, with_mrr = SNAPSHOTS[name]
    folder = Path(folder) / name
    folder.mkdir(parents=True, exist_ok=True)
    people = customers(reasons)
    files = {"customers": _write(folder / "customers.csv", people, columns)}
    if ticket_columns:
        files["tickets"] = _write(folder / "tickets.csv", tickets(people), ticket_columns)
    if with_nps:
        files["nps"] = _write(folder / "nps.csv", nps(people), ("customer_id", "responded_at",
                                                                "score"))
    if with_mrr:
        files["mrr"] = _write(folder / "mrr.csv", mrr_history(people), ("customer_id", "month",
                                                                        "mrr"))
    live = folder / "retention.duckdb"
    importer.load(live, files, as_of=AS_OF)  # later churn dates are scheduled cancellations
    return live


def build_all(folder: Path) -> dict[str, Path]:
    return {name: build(folder, name) for name in SNAPSHOTS}


# --- checks shared by the page, board pack and browser tests --------------------------------------

def _has_values(value) -> bool:
    if isinstance(value, dict):  # Plotly's typed arrays: {"dtype": ..., "bdata": base64}
        return bool(value.get("bdata"))
    if isinstance(value, (list, tuple)):
        return any(_has_values(v) for v in value)
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def all_traces_empty(traces: list[dict]) -> bool:
    """A figure that would draw only axes: no trace has a single x, y, z or value."""
    return not any(_has_values(t.get(k)) for t in traces for k in ("x", "y", "z", "values"))


# What the board pack of each snapshot leaves out, word for word (views/needs.py).
PACK_LEFT_OUT = {
    "customers_only": (
        "Left out for lack of data: net revenue retention (add an MRR history file (`--mrr`)); "
        "CSAT, first response time, one-touch resolution, ticket volume, the backlog, retention "
        "by first-response target in the first 90 days, retention by CSAT in the first 90 days "
        "and retention by tickets in the first 90 days (add a tickets file (`--tickets`)); NPS "
        "(add an NPS file (`--nps`)) — README, Your data."),
    "no_support_fields": (
        "Left out for lack of data: net revenue retention (add an MRR history file (`--mrr`)); "
        "CSAT and retention by CSAT in the first 90 days (add `csat` to your tickets file); NPS "
        "(add an NPS file (`--nps`)); one-touch resolution (add `agent_replies` to your tickets "
        "file) — README, Your data."),
    "no_mrr_history": (
        "Left out for lack of data: net revenue retention (add an MRR history file (`--mrr`)) — "
        "README, Your data."),
    "no_nps": "Left out for lack of data: NPS (add an NPS file (`--nps`)) — README, Your data.",
    "no_reasons": (
        "Left out for lack of data: customers lost by reason, which team owns the fix and churn "
        "reasons over time (add `churn_reason` to your customers file) — README, Your data."),
    "unmapped_reasons": (
        "Left out for lack of data: customers lost by reason, which team owns the fix and churn "
        "reasons over time (none of the churn reasons matches the reason mapping: map them "
        "(Reason mapping page, or a reasons file `--reasons`)) — README, Your data."),
    "everything": None,
}
