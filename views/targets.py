"""KPI targets: which target applies to a view, and how far a value is from it. The targets
themselves live in the workspace database (data/workspace.py). No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from words.formatting import format_value, money


@dataclass(frozen=True)
class Kpi:
    label: str
    unit: str  # as formatting.format_value takes it
    higher_is_better: bool


# Every KPI a target can be set on: the Overview tiles (queries.overview.kpi_tiles) and the
# support page's median resolution time (its targets are per ticket priority).
KPIS = {
    "active_customers": Kpi("Active customers", "customers", True),
    "churn_rate_pct": Kpi("Churn rate", "%", False),
    "crr_pct": Kpi("Customer retention rate (CRR)", "%", True),
    "mrr": Kpi("MRR", "$", True),
    "nrr_pct": Kpi("Net revenue retention (NRR)", "%", True),
    "csat_pct": Kpi("CSAT", "%", True),
    "frt_median_h": Kpi("First response time (median)", "h", False),
    "resolution_median_h": Kpi("Resolution time (median)", "h", False),
    "nps": Kpi("NPS", "pts", True),
    "clv": Kpi("Customer lifetime value", "$", True),
}
SUPPORT_KPIS = ("frt_median_h", "resolution_median_h")  # the ones with targets per priority


@dataclass(frozen=True)
class Target:
    kpi: str
    direction: str  # "at_most" or "at_least"
    value: float
    plan: str = ""
    segment: str = ""
    priority: str = ""

    def is_met(self, value: float) -> bool:
        return value <= self.value if self.direction == "at_most" else value >= self.value

    def gap(self, value: float) -> float:
        """How far `value` is on the wrong side of the target (0 when it is met)."""
        return 0.0 if self.is_met(value) else abs(value - self.value)

    def label(self) -> str:
        """'target ≤ 3.0%' (with its scope when it is set for a plan, segment or priority)."""
        unit = KPIS[self.kpi].unit if self.kpi in KPIS else ""
        sign = "≤" if self.direction == "at_most" else "≥"
        shown = format_value(self.value, unit) if unit != "pts" else f"{self.value:g}"
        scope = ", ".join(v for v in (self.plan, self.segment, self.priority) if v)
        return f"target {sign} {shown}" + (f" ({scope})" if scope else "")


def from_rows(df: pd.DataFrame) -> list[Target]:
    """Targets from workspace.targets() rows."""
    fields = ("kpi", "direction", "value", "plan", "segment", "priority")
    return [Target(**{k: (float(v) if k == "value" else str(v)) for k, v in zip(fields, row)})
            for row in df[list(fields)].itertuples(index=False)]


def for_view(found: list[Target], kpi: str, plans: tuple = (), segments: tuple = (),
             priority: str = "") -> Target | None:
    """The target of `kpi` for a view of these plans and segments: one set for exactly the plan
    (and segment) selected wins over one for every plan; a plan's target is not applied to a
    view of several plans or of all of them."""
    best, rank = None, -1
    for t in found:
        if t.kpi != kpi or t.priority != (priority or ""):
            continue
        if t.plan and tuple(plans) != (t.plan,):
            continue
        if t.segment and tuple(segments) != (t.segment,):
            continue
        specific = bool(t.plan) + bool(t.segment)
        if specific > rank:
            best, rank = t, specific
    return best


def verdict(value, target: Target | None) -> str | None:
    """'on target' / 'off by 0.4 pts' (in the KPI's unit), None without a value or a target."""
    if target is None or value is None or pd.isna(value):
        return None
    gap = target.gap(float(value))
    if gap == 0:
        return "on target"
    return f"off by {gap_text(gap, KPIS[target.kpi].unit if target.kpi in KPIS else '')}"


def gap_text(gap: float, unit: str) -> str:
    """A gap at the precision the tile shows its value; one too small for that says so."""
    if unit == "$":
        return money(gap) if round(gap) else "< $1"
    digits = 1 if unit in ("%", "h") else 0
    words = {"%": "pts", "pts": "pts", "h": "h"}.get(unit, unit)
    if round(gap, digits) == 0:
        return f"< {10 ** -digits:g} {words}".strip()
    return f"{gap:,.{digits}f} {words}".strip()
