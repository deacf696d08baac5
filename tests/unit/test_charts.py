"""Chart builders: one colour per category value (within each dimension a chart can split by, no
two values share a colour), and figures that stay readable on a phone and in a meeting."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import charts
from data.demo import generate as gen
from words.formatting import count


@pytest.mark.parametrize("dimension, values", [
    ("churn reason category", gen.CATEGORIES),
    ("plan", gen.PLANS),
    ("segment", gen.SEGMENTS),
    ("region", gen.REGIONS),
    ("acquisition channel", gen.CHANNELS),
    ("industry", gen.INDUSTRIES),
    ("ticket channel", gen.TICKET_CHANNELS),
    ("ticket category", gen.TICKET_CATEGORIES),
    ("priority", gen.PRIORITIES),
    ("tickets in the first 90 days", ["0 tickets", "1-2 tickets", "3+ tickets"]),
])
def test_values_of_one_dimension_have_distinct_colours(dimension, values):
    colours = [charts.color_for(v) for v in values]
    assert len(set(colours)) == len(values), dict(zip(values, colours))
    assert all(c in charts.PALETTE for c in colours)  # the colour-blind-safe set only


def test_values_a_user_brings_get_distinct_colours_within_a_chart():
    # 'Plan B' and 'Plan C' hash to the same palette slot; so do 'Plan D', 'Plan E' and 'Plan F'
    values = ["Plan B", "Plan C", "Plan D", "Plan E", "Plan F"]
    assert charts.color_for("Plan B") == charts.color_for("Plan C")
    colours = charts.colors_for(values)
    assert len(set(colours.values())) == 5 and set(colours.values()) <= set(charts.PALETTE)
    # the first of each colliding pair (alphabetical) keeps its usual colour
    assert colours["Plan B"] == charts.color_for("Plan B")
    assert colours["Plan D"] == charts.color_for("Plan D")
    # fixed colours stay, and a user value does not take one that is in the same chart
    mixed = charts.colors_for(["Growth", "Plan B", "Unknown"])
    assert mixed["Growth"] == charts.color_for("Growth") and mixed["Unknown"] == charts.NEUTRAL
    assert mixed["Plan B"] != mixed["Growth"]


def test_a_multi_series_chart_draws_colliding_user_values_apart():
    df = pd.DataFrame({"period": pd.to_datetime(["2024-01-01"] * 2).date,
                       "group": ["Plan B", "Plan C"], "tickets": [5, 7]})
    chart = charts.time_lines(df, "period", {"tickets": "Tickets"}, "Tickets", "Tickets",
                              grain="month", group="group")
    colours = {t.name: t.line.color for t in chart.figure.data if t.name in ("Plan B", "Plan C")}
    assert len(colours) == 2 and len(set(colours.values())) == 2, colours


def _churn_lines(start_customers: list[int], rates: list[float | None]) -> list:
    """The Overview's churn-rate chart on three months; its legend entries, in order."""
    df = pd.DataFrame({"period": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)],
                       "churn_rate_pct": rates, "start_customers": start_customers,
                       "is_complete": [True] * 3})
    return list(charts.time_lines(df, "period", {"churn_rate_pct": "Churn rate"}, "t", "y",
                                  n_col="start_customers", min_n=30, percent=True).figure.data)


def test_the_unreliable_legend_entry_shows_only_when_a_plotted_point_is_flagged():
    # The first month of any data starts with nobody (no rate to draw); 40 and 35 are >= 30.
    traces = _churn_lines([0, 40, 35], [None, 2.5, 5.7])
    assert [t.name for t in traces if t.showlegend is not False] == ["Churn rate"]
    assert not [t for t in traces if t.legendgroup == "low_n"]
    # 12 customers at the start of February (< 30): that point is ringed and named once.
    traces = _churn_lines([0, 12, 35], [None, 8.3, 5.7])
    low = [t for t in traces if t.legendgroup == "low_n"]
    assert [t.name for t in low] == ["Fewer than 30 (unreliable)"]
    assert list(low[0].x) == [date(2024, 2, 1)] and list(low[0].y) == [8.3]


def test_sparkline_svg_scales_to_its_own_range():
    from charts import sparkline_svg

    # width 240, height 40, 4 px padding: x = 4, 120, 236; y = 36 for the lowest value (1),
    # 4 for the highest (3), halfway (20) for 2; the dot marks the latest value
    svg = sparkline_svg([1.0, 3.0, 2.0])
    assert 'points="4.0,36.0 120.0,4.0 236.0,20.0"' in svg
    assert '<circle cx="236.0" cy="20.0"' in svg
    # a flat series is drawn in the middle, not at the bottom edge
    assert 'points="4.0,20.0 236.0,20.0"' in sparkline_svg([5.0, 5.0])
    assert sparkline_svg([7.0]) == "" and sparkline_svg([]) == ""


# --- readable in a meeting and on a phone ------------------------------------------------------

def _cells() -> pd.DataFrame:
    # two monthly cohorts: Jan (ages 0-1, both complete) and Feb (age 0 complete)
    return pd.DataFrame({
        "cohort": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 2, 1)],
        "age": [0, 1, 0], "cohort_size": [4, 4, 1], "retained": [4, 3, 1],
        "retention_pct": [100.0, 75.0, 100.0], "is_complete": [True, True, True],
    })


def test_a_single_month_axis_reads_as_that_month_not_a_time_of_day():
    one = pd.DataFrame({"period": [date(2024, 8, 1)], "churn_rate_pct": [2.0],
                        "is_complete": [True]})
    fig = charts.time_lines(one, "period", {"churn_rate_pct": "Churn"}, "t", "y").figure
    assert list(fig.layout.xaxis.ticktext) == ["Aug 2024"]
    assert list(fig.layout.xaxis.tickvals) == [pd.Timestamp("2024-08-01")]
    bars = charts.stacked_bars(
        pd.DataFrame({"period": [date(2024, 7, 1)], "category": ["Price"], "n": [3]}),
        "period", "n", "category", "t", "y", grain="quarter").figure
    assert list(bars.layout.xaxis.ticktext) == ["2024 Q3"]


def test_one_period_is_drawn_so_its_value_is_seen():
    # A lone bar gets 0.6 of its period (a quarter: 0.6 x 91 days, in ms), not Plotly's 1 px.
    bars = charts.stacked_bars(
        pd.DataFrame({"period": [date(2024, 7, 1)] * 2, "category": ["Price", "Other"],
                      "n": [3, 2]}),
        "period", "n", "category", "t", "y", grain="quarter").figure
    assert [t.width for t in bars.data] == [0.6 * 91 * 86_400_000] * 2
    # ... and a period of room either side: Apr 1 .. Sep 30 around Jul 1.
    assert list(bars.layout.xaxis.range) == [pd.Timestamp("2024-04-01"),
                                             pd.Timestamp("2024-09-30")]
    # A lone point: a larger marker with its value written above it.
    one = pd.DataFrame({"period": [date(2024, 8, 1)], "churn_rate_pct": [2.25],
                        "is_complete": [True]})
    point = charts.time_lines(one, "period", {"churn_rate_pct": "Churn"}, "t", "y",
                              percent=True).figure.data[0]
    assert (point.mode, point.marker.size, point.texttemplate) == ("markers+text", 11,
                                                                   "%{y:,.1f}%")
    # Two periods: Plotly spaces them itself; nothing is changed.
    two = charts.stacked_bars(
        pd.DataFrame({"period": [date(2024, 7, 1), date(2024, 8, 1)], "category": ["Price"] * 2,
                      "n": [3, 2]}), "period", "n", "category", "t", "y").figure
    assert two.data[0].width is None and two.layout.xaxis.range is None


def test_a_cohort_with_one_complete_age_is_drawn_as_a_point():
    cells = _cells()
    # Jan has ages 0-1 (a line); Feb only age 0: a line through one point draws nothing
    fig = charts.retention_curves(cells, pd.DataFrame()).figure
    modes = {t.hovertemplate.split("<br>")[0]: t.mode for t in fig.data}
    assert modes == {"Cohort Jan 2024": "lines", "Cohort Feb 2024": "markers"}


def test_the_triangle_axis_starts_at_age_zero_and_its_scale_sits_underneath():
    fig = charts.cohort_heatmap(_cells()).figure
    assert list(fig.layout.xaxis.range) == [-0.5, 1.5]  # ages 0..1, no -1 tick from padding
    heat = [t for t in fig.data if t.type == "heatmap"][0]
    assert heat.colorbar.orientation == "h"


def test_bar_values_stay_level_and_grouped_bars_lie_down():
    hb = charts.hbars(pd.DataFrame({"c": ["a", "b"], "v": [3, 1]}), "c", "v", "t", "x").figure
    assert hb.data[0].textangle == 0
    long = pd.DataFrame({"category": ["Price", "Price", "Support experience",
                                      "Support experience"],
                         "series": ["Churned", "Retained", "Churned", "Retained"],
                         "tpc": [2.0, 1.5, 3.8, 1.9]})
    fig = charts.grouped_bars(long, "category", "tpc", "series", "t", "Tickets per customer",
                              "Churn reason category").figure
    assert {t.orientation for t in fig.data} == {"h"}
    assert list(fig.data[0].y) == ["Price", "Support experience"]
    assert fig.layout.xaxis.title.text == "Tickets per customer"
    assert fig.layout.yaxis.title.text == "Churn reason category"


def test_stacked_legends_go_under_the_plot():
    df = pd.DataFrame({"period": [date(2024, 1, 1)] * 9, "category": list("ABCDEFGHI"),
                       "n": range(9)})
    fig = charts.stacked_bars(df, "period", "n", "category", "t", "y").figure
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0
    # 9 one-letter entries of 45 + 7 px: six fit a 340 px phone row, so two rows: 420 + 2 x 24
    assert fig.layout.height == 468
    long = df.assign(category=[f"Organizational change {c}" for c in df["category"]])
    # 45 + 7 x 23 = 206 px each: one a row, nine rows
    assert charts.stacked_bars(long, "period", "n", "category", "t", "y").figure.layout.height \
        == 420 + 9 * 24


def test_presented_scales_every_font_and_split_title_moves_the_title_out():
    fig = charts.cohort_heatmap(_cells()).figure
    big = charts.presented(fig)
    # 13 px base -> 18.2 px: axis labels, legend and annotations inherit it
    assert big.layout.font.size == 13 * charts.PRESENT_SCALE >= 16
    # explicit on axes, legend and colour bar: Streamlit's chart theme sets its own 12 px there
    assert big.layout.xaxis.tickfont.size == big.layout.yaxis.tickfont.size == 13 * 1.4
    assert big.layout.legend.font.size == big.layout.xaxis.title.font.size == 13 * 1.4
    # a note set in small print (11 px) is not left at 11 x 1.4 = 15.4 px: the room's 18.2
    fig.add_annotation(text="target", x=0, y=0, font=dict(size=11))
    assert charts.presented(fig).layout.annotations[-1].font.size == 13 * 1.4
    heat = [t for t in big.data if t.type == "heatmap"][0]
    assert heat.textfont.size == 9 * charts.PRESENT_SCALE
    assert big.layout.height == round(fig.layout.height * charts.PRESENT_HEIGHT)
    assert fig.layout.font.size == 13  # the original is untouched
    title, subtitle, bare = charts.split_title(fig)
    assert title.startswith("Share of each signup month's customers")
    assert "hover or tap a cell" in subtitle
    assert not bare.layout.title.text and fig.layout.title.text == title


def test_counts_say_one_customer():
    assert count(1, "customers") == "1 customer"
    assert count(2000, "churned customers") == "2,000 churned customers"
    assert count(1, "MRR") == "1 MRR"


def test_activity_triangle_and_curves_say_came_back_and_count_returned():
    cells = pd.DataFrame({
        "cohort": [date(2024, 1, 1)] * 2, "age": [0, 1], "cohort_size": [4, 4],
        "returned": [2, 1], "retention_pct": [50.0, 25.0], "is_complete": [True, False],
        "customers": [4, 4]})
    heat = charts.cohort_heatmap(cells, "month", "activity")
    assert "who came back in that month, by age" in heat.figure.layout.title.text
    cell_layer = heat.figure.data[-1]
    # the hover reads the returned count and says an incomplete month is not over yet
    assert [c[0] for c in cell_layer.customdata] == ["2", "1"]
    assert cell_layer.customdata[1][3] == "INCOMPLETE: this month is not over yet"
    assert "Came back: " in cell_layer.hovertemplate
    average = pd.DataFrame({"age": [0], "retention_pct": [50.0], "customers": [4], "cohorts": [1]})
    curves = charts.retention_curves(cells, average, "month", "activity_later")
    assert curves.figure.layout.title.text.endswith("who came back in that month or later")
    assert curves.figure.layout.yaxis.title.text == "Came back then or later (% of cohort customers)"
    k = charts.month_k(cells, 1, average, "month", "activity")
    assert k.figure.layout.yaxis.title.text == "Came back at month 1 (%)"


def test_revenue_curves_plot_cumulative_revenue_per_customer():
    cells = pd.DataFrame({
        "cohort": [date(2024, 1, 1)] * 3, "age": [0, 1, 2], "cohort_size": [4, 4, 4],
        "revenue": [17.0, 5.5, 50.0], "cumulative_revenue": [17.0, 22.5, 72.5],
        "revenue_per_customer": [4.25, 5.625, 18.125], "is_complete": [True, True, False],
        "customers": [4, 4, 4]})
    average = pd.DataFrame({"age": [0, 1], "revenue_per_customer": [4.25, 5.625],
                            "cohorts": [1, 1], "customers": [4, 4], "revenue": [17.0, 5.5]})
    chart = charts.revenue_curves(cells, average, "month", min_n=3)
    cohort_line, average_line = chart.figure.data
    assert list(cohort_line.y) == [4.25, 5.625]  # the incomplete age 2 is left out
    assert list(average_line.y) == [4.25, 5.625]
    assert chart.figure.layout.yaxis.title.text == "Cumulative revenue per customer ($)"
    assert chart.data["series"].tolist() == ["cohort Jan 2024"] * 2 + ["average"] * 2
