"""The metrics API: every number of docs/definitions.md, Metrics as DuckDB SQL behind (con,
Filters, ...) -> DataFrame."""

from data.snapshots import connect
from queries.activity import (
    ACTIVITY_TILES, activity_months, activity_retention, activity_revenue, activity_tiles, average_activity_retention,
    average_activity_revenue,
)
from queries.base import DIMENSIONS, GRAINS, Filters, meta, snapshot_as_of
from queries.churn import (
    churn_reasons, churn_share, mapping_categories, mapping_versions, raw_reasons, reason_mapping,
)
from queries.cohorts import average_retention, cohort_customers, cohort_retention
from queries.drivers import (
    early_expansion_retention, pre_churn_activity, pre_churn_long, pre_churn_tickets,
    retention_by_products,
)
from queries.movements import period_movements
from queries.outreach import outreach_kpis, outreach_retention, outreach_tiles, outreach_totals
from queries.overview import kpi_summary, kpi_tiles
from queries.profile import (
    data_quality, filter_options, latest_data_date, table_profile, ticket_priorities,
)
from queries.revenue import revenue_retention
from queries.risk import churn_risk, churn_risk_totals, risk_backtest, risk_totals
from queries.risk_list import churn_risk_top
from queries.support import nps, support_kpis
from queries.survival import (
    early_support_excluded, logrank_p, survival, survival_at, tenure_logrank_p, tenure_survival,
)

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "Filters",
    "connect",
    "snapshot_as_of",
    "meta",
    "cohort_retention",
    "average_retention",
    "cohort_customers",
    "survival",
    "survival_at",
    "logrank_p",
    "early_support_excluded",
    "period_movements",
    "kpi_summary",
    "kpi_tiles",
    "revenue_retention",
    "churn_reasons",
    "churn_share",
    "tenure_survival",
    "tenure_logrank_p",
    "raw_reasons",
    "reason_mapping",
    "mapping_categories",
    "mapping_versions",
    "support_kpis",
    "nps",
    "pre_churn_tickets",
    "pre_churn_long",
    "pre_churn_activity",
    "activity_retention",
    "activity_tiles",
    "activity_months",
    "ACTIVITY_TILES",
    "average_activity_retention",
    "activity_revenue",
    "average_activity_revenue",
    "retention_by_products",
    "early_expansion_retention",
    "filter_options",
    "table_profile",
    "latest_data_date",
    "ticket_priorities",
    "data_quality",
    "outreach_kpis",
    "outreach_totals",
    "outreach_retention",
    "outreach_tiles",
    "churn_risk",
    "risk_backtest",
    "risk_totals",
    "churn_risk_totals",
    "churn_risk_top",
]
