"""Cohort charts: the retention triangle, retention and revenue curves, compare curves and the
month-k bars."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

import settings
from charts.base import (ACTIVITY_BASES, FADED, GRAIN_WORDS, NEUTRAL, SEQUENTIAL, Chart, base_layout,
                         basis_words, empty_chart, low_n_trace, measure, pct_axis, color_for,
                         colors_for, period_label)

# The triangle's height: its axis, titles and colour scale, and a 20 px row per cohort (a 13 px
# label needs about 17).
HEATMAP_FRAME_PX = 240
HEATMAP_ROW_PX = 20
HEATMAP_MAX_PX = 1500


def cohort_heatmap(df: pd.DataFrame, grain: str = "month", basis: str = "logo",
                   show_incomplete: bool = True, min_n: int = settings.MIN_N) -> Chart:
    """Retention triangle: cohort (rows, oldest on top) × age (columns), % retained in each cell.

    Incomplete cells are drawn faded with an asterisk, or left out when show_incomplete is False.
    """
    m = measure(basis, grain)
    cols = ["cohort", "age", "cohort_size", m["col"], "retention_pct", "is_complete"]
    if "customers" in df.columns:
        cols.append("customers")
    if df.empty:
        return empty_chart(cols)
    plotted = df[cols] if show_incomplete else df.loc[df["is_complete"], cols]
    if plotted.empty:
        return empty_chart(cols)
    what, _ = basis_words(basis)
    n_col = "customers" if "customers" in plotted.columns else "cohort_size"
    sizes = plotted.groupby("cohort")[n_col].max()
    labels = {
        c: f"{period_label(c, grain)} · {int(n):,}" + (" (low N)" if n < min_n else "")
        for c, n in sizes.items()
    }
    frame = plotted.assign(label=plotted["cohort"].map(labels))
    order = [labels[c] for c in sorted(labels)]
    many = len(order) > 40 or frame["age"].max() > 40
    unit = GRAIN_WORDS[grain]
    money = basis == "mrr"
    fmt = (lambda v: f"${v:,.0f}") if money else (lambda v: f"{v:,.0f}")
    fig = go.Figure()
    for complete in (True, False):
        part = frame[frame["is_complete"] == complete]
        if part.empty:
            continue
        z = part.pivot(index="label", columns="age", values="retention_pct").reindex(order)
        fig.add_trace(go.Heatmap(
            z=z.values, x=list(z.columns), y=order,
            colorscale=SEQUENTIAL, zmin=0, zmax=100, opacity=1.0 if complete else 0.45,
            showscale=complete, xgap=1, ygap=1,
            # Under the triangle, across its width: beside it, it took a third of a phone's width.
            colorbar=dict(title=dict(text=f"% {m['value']}", side="top"), ticksuffix="%",
                          orientation="h", y=-0.02, yanchor="top", x=0, xanchor="left",
                          len=1, lenmode="fraction", thickness=12),
            text=None if many else [[f"{v:.0f}" + ("" if complete else "*") if pd.notna(v)
                                     else "" for v in row] for row in z.values],
            texttemplate=None if many else "%{text}", textfont=dict(size=9),
            name="complete" if complete else "incomplete",
            # Hover and click belong to the cell layer below: a heatmap cannot be selected in
            # Streamlit (its click handler serves treemaps only), a scatter point can.
            hoverinfo="skip",
        ))
    # One invisible square per cell: carries the hover text and makes a click select the cell
    # (on_select="rerun" on the page lists the customers behind it).
    status = frame["is_complete"].map({True: "complete", False: m["incomplete"]})
    fig.add_trace(go.Scatter(
        x=frame["age"], y=frame["label"], mode="markers", name="cells", showlegend=False,
        marker=dict(symbol="square", size=14, opacity=0, color="#000000"),
        customdata=list(zip(frame[m["col"]].map(fmt), frame["cohort_size"].map(fmt),
                            frame["retention_pct"], status)),
        hovertemplate=(
            "Cohort %{y}<br>Age %{x} " + unit + "<br>"
            + m["value"].capitalize() + ": %{customdata[0]} of %{customdata[1]} " + what
            + " (%{customdata[2]:.1f}%)<br>%{customdata[3]}<extra></extra>"
        ),
    ))
    basis_title = "MRR" if basis == "mrr" else "customers"
    layout = base_layout(
        f"Share of each signup {grain}'s {basis_title} {m['title']}, by age",
        subtitle=f"% of the cohort's {basis_title} · row label: signup {grain} · cohort size"
        + (" · faded cells with * are incomplete" if show_incomplete else
           " · incomplete cells hidden") + " · hover or tap a cell for its numbers",
        x_title=f"Age ({unit} since signup)", y_title=f"Signup {grain} · {what}",
        height=max(480, min(HEATMAP_MAX_PX, HEATMAP_FRAME_PX + HEATMAP_ROW_PX * len(order))),
    )
    fig.update_layout(**layout)
    # Row labels a line apart at most: past the tallest chart, every k-th cohort is labelled
    # (they printed over each other); hover names every row.
    room = HEATMAP_MAX_PX - HEATMAP_FRAME_PX
    every = max(1, -(-HEATMAP_ROW_PX * len(order) // room))
    # Oldest cohort on top; the range is the rows' own (the hover squares padded it with an
    # empty band above the first row).
    fig.update_yaxes(range=[len(order) - 0.5, -0.5], autorange=False, type="category",
                     showgrid=False, tickmode="array", tickvals=order[::every])
    # Ages along the top, as a triangle is read; the extra top margin keeps the axis title
    # clear of the chart title.
    # The range is the cells' own: the invisible hover squares made autorange pad it, and the
    # axis then showed an age of -1.
    top_age = int(frame["age"].max())
    fig.update_xaxes(dtick=1 if top_age <= 24 else None, tick0=0, side="top", showgrid=False,
                     zeroline=False, range=[-0.5, top_age + 0.5], autorange=False)
    fig.update_layout(margin=dict(t=130), title=dict(y=0.99, yanchor="top", yref="container"))
    data = frame.drop(columns="label").rename(columns={"cohort": f"cohort_{grain}_start"})
    return Chart(fig, data)


def _cohort_lines(fig: go.Figure, complete: pd.DataFrame, y: str, n: str, grain: str,
                  hover: Callable[[str], str]) -> list[pd.DataFrame]:
    """One faint line per cohort of `complete` (cells: cohort, age, y, n), all under one legend
    entry 'Single cohorts'; hover(cohort label) is a line's hover template, n the column it
    names as customers. Returns the lines' rows: series ('cohort <label>'), age, y, customers."""
    rows = []
    for i, (cohort, part) in enumerate(complete.groupby("cohort", sort=True)):
        name = period_label(cohort, grain)
        # A cohort with one complete age is a point: a line through it would draw nothing.
        fig.add_trace(go.Scatter(
            x=part["age"], y=part[y], mode="lines" if len(part) > 1 else "markers",
            name="Single cohorts", marker=dict(color=FADED, size=6),
            legendgroup="cohorts", showlegend=i == 0, line=dict(color=FADED, width=1),
            customdata=part[n], hovertemplate=hover(name),
        ))
        rows.append(part.assign(series=f"cohort {name}", customers=part[n])[
            ["series", "age", y, "customers"]])
    return rows


def retention_curves(cells: pd.DataFrame, average: pd.DataFrame, grain: str = "month",
                     basis: str = "logo", min_n: int = settings.MIN_N) -> Chart:
    """One faint line per cohort (complete cells only) and the size-weighted average in colour."""
    if average.empty and cells.empty:
        return empty_chart(["series", "age", "retention_pct", "customers"])
    unit = GRAIN_WORDS[grain]
    m = measure(basis, grain)
    fig = go.Figure()
    complete = cells[cells["is_complete"]]
    n = "customers" if "customers" in complete.columns else "cohort_size"
    rows = _cohort_lines(fig, complete, "retention_pct", n, grain, lambda name: (
        f"Cohort {name}<br>Age %{{x}} {unit}: %{{y:.1f}}% of %{{customdata:,}} customers"
        "<extra></extra>"))
    if not average.empty:
        _add_average(fig, average, "retention_pct",
                     f"Age %{{x}} {unit}: %{{y:.1f}}% {m['value']}", min_n)
        rows.append(average.assign(series="average")[["series", "age", "retention_pct",
                                                      "customers", "cohorts"]])
    basis_title = "MRR" if basis == "mrr" else "customers"
    _retention_layout(fig, f"Retention curves: % of each signup {grain}'s {basis_title} {m['title']}",
                      "Complete cells only · average weighted by cohort size", grain, basis)
    return Chart(fig, pd.concat(rows, ignore_index=True))


def revenue_curves(cells: pd.DataFrame, average: pd.DataFrame, grain: str = "month",
                   min_n: int = settings.MIN_N) -> Chart:
    """Cumulative revenue per customer by age (activity_revenue): one faint line per cohort
    (complete cells only) and the size-weighted average in colour: the repeat-purchase curve."""
    cols = ["series", "age", "revenue_per_customer", "customers"]
    if average.empty and cells.empty:
        return empty_chart(cols)
    unit = GRAIN_WORDS[grain]
    fig = go.Figure()
    complete = cells[cells["is_complete"] & (cells["cohort_size"] > 0)]
    rows = _cohort_lines(fig, complete, "revenue_per_customer", "customers", grain, lambda name: (
        f"Cohort {name}<br>By {unit[:-1]} %{{x}}: $%{{y:,.2f}} per customer "
        "(%{customdata:,} customers)<extra></extra>"))
    if not average.empty:
        _add_average(fig, average, "revenue_per_customer",
                     f"By {unit[:-1]} %{{x}}: $%{{y:,.2f}} per customer", min_n)
        rows.append(average.assign(series="average")[cols + ["cohorts"]])
    fig.update_layout(**base_layout(
        f"Revenue per customer by age: what a signup {grain}'s customers spent so far",
        subtitle=f"Cumulative amount of their activity by the end of each {unit[:-1]} after "
        "signup, per customer of the cohort · complete cells only · average weighted by size",
        x_title=f"Age ({unit} since signup)", y_title="Cumulative revenue per customer ($)",
    ))
    fig.update_yaxes(rangemode="tozero", tickprefix="$")
    return Chart(fig, pd.concat(rows, ignore_index=True))


def compare_curves(df: pd.DataFrame, dimension_label: str, grain: str = "month",
                   basis: str = "logo", min_n: int = settings.MIN_N) -> Chart:
    """Average retention curve per value of one dimension (df: group, age, retention_pct, ...)."""
    cols = ["group", "age", "retention_pct", "cohorts", "customers"]
    if df.empty:
        return empty_chart(cols)
    unit = GRAIN_WORDS[grain]
    m = measure(basis, grain)
    fig = go.Figure()
    colors = colors_for(df["group"].unique())
    for group, part in df.groupby("group", sort=True):
        color = colors[str(group)]
        fig.add_trace(go.Scatter(
            x=part["age"], y=part["retention_pct"], mode="lines+markers", name=str(group),
            line=dict(color=color, width=3), marker=dict(size=5),
            customdata=part[["customers", "cohorts"]],
            hovertemplate=f"{group}<br>Age %{{x}} {unit}: %{{y:.1f}}%<br>"
            "%{customdata[0]:,} customers in %{customdata[1]} cohorts<extra></extra>",
        ))
    low = df[df["customers"] < min_n]
    if not low.empty:
        fig.add_trace(low_n_trace(low["age"], low["retention_pct"], low["customers"], min_n))
    basis_title = "MRR" if basis == "mrr" else "customers"
    _retention_layout(fig, f"Average retention by {dimension_label}: % of {basis_title} {m['title']}",
                      "Size-weighted over complete cohorts of each group", grain, basis)
    return Chart(fig, df[cols].reset_index(drop=True))


def month_k(df: pd.DataFrame, k: int, average: pd.DataFrame | None = None, grain: str = "month",
            basis: str = "logo", min_n: int = settings.MIN_N) -> Chart:
    """Retention at age k across cohorts: a bar per cohort, incomplete ones hatched."""
    m = measure(basis, grain)
    cols = ["cohort", "age", "cohort_size", m["col"], "retention_pct", "is_complete"]
    part = df[df["age"] == k]
    if part.empty:
        return empty_chart(cols)
    n = part["customers"] if "customers" in part.columns else part["cohort_size"]
    part = part.assign(n=n.values)
    labels = [period_label(c, grain) for c in part["cohort"]]
    unit = GRAIN_WORDS[grain][:-1]
    fig = go.Figure(go.Bar(
        x=labels, y=part["retention_pct"],
        marker=dict(
            color=[color_for("Average") if n >= min_n else NEUTRAL for n in part["n"]],
            pattern=dict(shape=["" if c else "/" for c in part["is_complete"]]),
            opacity=[1.0 if c else 0.55 for c in part["is_complete"]],
        ),
        customdata=list(zip(part["n"], ["complete" if c else "INCOMPLETE" for c in
                                         part["is_complete"]])),
        hovertemplate="Cohort %{x}: %{y:.1f}% " + m["value"] + f" at {unit} {k}"
        + "<br>%{customdata[0]:,} customers · %{customdata[1]}<extra></extra>",
        name=f"Retention at {unit} {k}", showlegend=False,
        text=["low N" if n < min_n else "" for n in part["n"]], textposition="outside",
        textangle=0,
    ))
    if average is not None and not average[average["age"] == k].empty:
        avg = float(average.loc[average["age"] == k, "retention_pct"].iloc[0])
        fig.add_hline(y=avg, line=dict(dash="dash", color=NEUTRAL),
                      annotation_text=f"average {avg:.1f}%", annotation_position="top right")
    basis_title = "MRR" if basis == "mrr" else "customers"
    fig.update_layout(**base_layout(
        f"{unit.capitalize()}-{k} retention by signup {grain}: % of each cohort's {basis_title}"
        + ("" if basis not in ACTIVITY_BASES else f" {m['title']}"),
        subtitle="Hatched, faded bars: incomplete ("
        + ("that " + unit + " is not over" if basis in ACTIVITY_BASES
           else "not every member has reached this age")
        + f") · grey: fewer than {min_n} customers",
        x_title=f"Signup {grain}", y_title=f"{m['value'].capitalize()} at {unit} {k} (%)",
    ))
    pct_axis(fig)
    fig.update_xaxes(type="category")
    data = part[cols].rename(columns={"cohort": f"cohort_{grain}_start"})
    return Chart(fig, data.reset_index(drop=True))


def _add_average(fig: go.Figure, average: pd.DataFrame, y: str, hover_value: str,
                 min_n: int) -> None:
    """The size-weighted average curve over complete cohorts, with its low-N points marked: the
    line retention and revenue curves draw over their faint single-cohort lines."""
    fig.add_trace(go.Scatter(
        x=average["age"], y=average[y], mode="lines+markers",
        name="Average (size-weighted)", line=dict(color=color_for("Average"), width=4),
        marker=dict(size=6), customdata=average[["customers", "cohorts"]],
        hovertemplate=f"{hover_value}<br>"
        "%{customdata[0]:,} customers in %{customdata[1]} complete cohorts<extra></extra>",
    ))
    low = average[average["customers"] < min_n]
    if not low.empty:
        fig.add_trace(low_n_trace(low["age"], low[y], low["customers"], min_n))


def _retention_layout(fig: go.Figure, title: str, subtitle: str, grain: str, basis: str) -> None:
    """The layout retention curves and compare curves share: age in periods since signup across,
    the basis's retained share of the cohort up a 0-100 % axis."""
    what, _ = basis_words(basis)
    m = measure(basis, grain)
    fig.update_layout(**base_layout(
        title,
        subtitle=subtitle,
        x_title=f"Age ({GRAIN_WORDS[grain]} since signup)",
        y_title=f"{m['value'].capitalize()} (% of cohort {what})",
    ))
    pct_axis(fig)
