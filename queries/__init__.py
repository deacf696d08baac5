"""The metrics API: every number of SPEC §3 as DuckDB SQL behind (con, Filters, ...) -> DataFrame."""

from queries.activity import (
    activity_retention, activity_revenue, average_activity_retention, average_activity_revenue,
)
from queries.base import DIMENSIONS, GRAINS, Filters, connect, default_as_of, meta
from queries.churn import (
    churn_reasons, mapping_categories, mapping_versions, raw_reasons, reason_mapping,
)
from queries.cohorts import average_retention, cohort_customers, cohort_retention
from queries.drivers import (
    early_expansion_retention, pre_churn_activity, pre_churn_long, pre_churn_tickets,
    retention_by_products,
)
from queries.movements import period_movements
from queries.overview import kpi_summary, kpi_tiles
from queries.profile import (
    data_quality, filter_options, latest_data_date, table_profile, ticket_priorities,
)
from queries.revenue import revenue_retention
from queries.support import nps, support_kpis
from queries.survival import early_support_excluded, logrank_p, survival, survival_at
from queries import stored

# The (con, Filters, ...) functions answer from the results stored in the snapshot when they hold
# the call (a page's default view; queries/stored.py), and compute live otherwise.
LIVE = {
    fn.__name__: fn
    for fn in (
        cohort_retention, average_retention, cohort_customers, survival, survival_at, logrank_p,
        early_support_excluded, period_movements, kpi_summary, revenue_retention,
        churn_reasons, raw_reasons, support_kpis, nps, pre_churn_tickets,
        retention_by_products, early_expansion_retention, data_quality,
        activity_retention, average_activity_retention, activity_revenue,
        average_activity_revenue, pre_churn_activity,
    )
}
globals().update({name: stored.served(fn) for name, fn in LIVE.items()})


def store_default_views(con, progress=None) -> float:
    """Store every page's default-view results in a snapshot being built; seconds taken."""
    return stored.store_default_views(con, LIVE, filter_options(con), progress)

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "Filters",
    "connect",
    "default_as_of",
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
    "store_default_views",
]
