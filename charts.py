"""Pure chart builders: DataFrame in, Chart(figure, data) out. No streamlit here.

Every builder returns the Plotly figure together with the exact rows it plotted, so the page's
CSV download is the chart's data and nothing else. All figures share `_base_layout()` and one
colour-blind-safe palette in which a category value keeps its colour on every page.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

import settings
from formatting import count

# Okabe & Ito's colour-blind-safe set (black left out so lines stay visible on a dark theme),
# extended with three of Paul Tol's muted colours for dimensions with up to ten values.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9",
    "#CC79A7", "#F0E442", "#AA4499", "#44AA99", "#999933",
)
NEUTRAL = "#8C8C8C"  # Other, Unknown, and everything that is context rather than a category
FADED = "rgba(140, 140, 140, 0.35)"
SEQUENTIAL = "Cividis"  # perceptually uniform and colour-blind safe, readable in both themes

# Values that recur across pages get a fixed colour, so "Price" or "SMB" looks the same
# everywhere; anything else gets a stable colour derived from its text.
_FIXED = {
    # churn reason categories (SPEC §2)
    "Wrong fit": PALETTE[0], "Failed onboarding": PALETTE[1], "Missing features": PALETTE[2],
    "Low usage": PALETTE[3], "Poor ROI / value": PALETTE[4], "Organizational change": PALETTE[5],
    "Price": PALETTE[6], "Competitor": PALETTE[7], "Product quality": PALETTE[8],
    "Support experience": PALETTE[9],
    # plans, segments, channels, regions
    "Starter": PALETTE[4], "Growth": PALETTE[1], "Enterprise": PALETTE[0],
    "SMB": PALETTE[2], "Mid-market": PALETTE[5],
    "Inbound": PALETTE[0], "Outbound": PALETTE[1], "Partner": PALETTE[2], "Self-serve": PALETTE[5],
    "NA": PALETTE[0], "EMEA": PALETTE[1], "APAC": PALETTE[2], "LATAM": PALETTE[5],
    "Software": PALETTE[0], "Retail & e-commerce": PALETTE[1], "Healthcare": PALETTE[2],
    "Financial services": PALETTE[3], "Manufacturing": PALETTE[4], "Education": PALETTE[5],
    "Media": PALETTE[7], "Professional services": PALETTE[8],
    # ticket channels and categories (a hashed colour let phone and web collide)
    "chat": PALETTE[0], "phone": PALETTE[1], "email": PALETTE[2], "web": PALETTE[5],
    "bug": PALETTE[3], "onboarding": PALETTE[1], "how-to": PALETTE[2], "billing": PALETTE[0],
    "account": PALETTE[4], "feature request": PALETTE[5],
    # ticket priorities, from calm to alarming
    "low": PALETTE[4], "normal": PALETTE[0], "high": PALETTE[1], "urgent": PALETTE[3],
    # early-support buckets: good experience blue, bad vermillion, none grey
    "0 tickets": PALETTE[0], "1-2 tickets": PALETTE[1], "3+ tickets": PALETTE[3],
    "All within target": PALETTE[0], "Any breach": PALETTE[3], "No tickets": NEUTRAL,
    "All rated >= 4": PALETTE[0], "Any rated < 4": PALETTE[3], "None rated": NEUTRAL,
    # whole selection and averages
    "Average": PALETTE[0], "All": PALETTE[0],
    # outcomes
    "Churned": PALETTE[3], "Retained": PALETTE[0],
    "Churned (90 days before)": PALETTE[3], "Retained, same tenure": PALETTE[0],
}
_NEUTRAL_VALUES = {"Other", "Unknown", "—", ""}

GRAIN_WORDS = {"week": "weeks", "month": "months", "quarter": "quarters"}


@dataclass
class Chart:
    figure: go.Figure
    data: pd.DataFrame  # exactly the rows drawn, with readable column names (the CSV download)


def color_for(value) -> str:
    """The colour of one category value, the same on every page."""
    text = str(value)
    if text in _FIXED:
        return _FIXED[text]
    if text in _NEUTRAL_VALUES:
        return NEUTRAL
    return PALETTE[zlib.crc32(text.encode()) % len(PALETTE)]


def colors_for(values) -> dict[str, str]:
    """Colours of the values one chart shows together: color_for's, except that a value without
    a fixed colour whose hashed colour is already taken in this chart moves to the next free
    one (user data brings its own plan or category names, and two of them may hash alike)."""
    texts = sorted({str(v) for v in values})
    out = {t: color_for(t) for t in texts if t in _FIXED or t in _NEUTRAL_VALUES}
    used = set(out.values())
    for text in texts:
        if text in out:
            continue
        start = zlib.crc32(text.encode()) % len(PALETTE)
        free = [PALETTE[(start + k) % len(PALETTE)] for k in range(len(PALETTE))
                if PALETTE[(start + k) % len(PALETTE)] not in used]
        out[text] = free[0] if free else PALETTE[start]
        used.add(out[text])
    return out


def period_label(value, grain: str) -> str:
    """'Jan 2024', '2024 Q1' or 'w/c 8 Jan 2024' for a period start date."""
    d = pd.Timestamp(value)
    if grain == "quarter":
        return f"{d.year} Q{d.quarter}"
    if grain == "week":
        return f"w/c {d.day} {d:%b %Y}"
    return f"{d:%b %Y}"


def _base_layout(title: str, subtitle: str | None = None, x_title: str = "",
                 y_title: str = "", height: int = 420) -> dict:
    """Fonts, margins, legend and hover shared by every figure; colours follow the app theme."""
    return dict(
        title=dict(text=title, subtitle=dict(text=subtitle or ""), x=0, xanchor="left"),
        height=height,
        margin=dict(l=10, r=10, t=80 if subtitle else 56, b=10),
        font=dict(size=BASE_FONT),
        hovermode="closest",
        # Legend under the plot: above it, it collided with the subtitle.
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0,
                    title_text="", traceorder="normal"),
        xaxis=dict(title=dict(text=x_title), automargin=True),
        yaxis=dict(title=dict(text=y_title), automargin=True),
        hoverlabel=dict(namelength=-1),
    )


# The app's look outside the app (the board pack): what Streamlit's Plotly theme draws on its
# light theme, a plain white background, light grey grid lines and its text colour.
APP_TEXT = "#31333F"
APP_GRID = "#e6eaf1"
APP_TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", colorway=list(PALETTE),
    font=dict(family='"Source Sans Pro", "Source Sans 3", system-ui, -apple-system, '
                     '"Segoe UI", Roboto, Helvetica, Arial, sans-serif', color=APP_TEXT),
    xaxis=dict(gridcolor=APP_GRID, linecolor=APP_GRID, zerolinecolor=APP_GRID,
               tickcolor=APP_GRID),
    yaxis=dict(gridcolor=APP_GRID, linecolor=APP_GRID, zerolinecolor=APP_GRID,
               tickcolor=APP_GRID),
    hoverlabel=dict(bgcolor="#ffffff", font=dict(color=APP_TEXT)),
))


def app_look(fig: go.Figure) -> go.Figure:
    """A copy of `fig` drawn as the app draws it (for figures shown outside Streamlit)."""
    out = go.Figure(fig)
    out.update_layout(template=APP_TEMPLATE)
    return out


# Presentation mode: Plotly's 13 px type is read from the back of a room at 18 px; a figure's
# height grows a little less than its type, since a projected page is wide rather than tall.
PRESENT_SCALE = 1.4
PRESENT_HEIGHT = 1.25
BASE_FONT = 13


def presented(fig: go.Figure, scale: float = PRESENT_SCALE) -> go.Figure:
    """A copy of `fig` with every font (title, axes, legend, annotations, bar and cell labels,
    colour bar, hover) `scale` times larger, and taller to keep the plot's share of it."""
    spec = fig.to_plotly_json()
    _scale_fonts(spec, scale)
    layout = spec.setdefault("layout", {})
    size = layout.setdefault("font", {}).setdefault("size", BASE_FONT * scale)
    # Streamlit's chart theme sets 12 px on axes, legends and notes itself, over the figure's own
    # font: every one of them is given its size explicitly.
    for key in [k for k in layout if re.fullmatch(r"[xy]axis\d*", k)] or ["xaxis", "yaxis"]:
        axis = layout.setdefault(key, {})
        axis.setdefault("tickfont", {}).setdefault("size", size)
        title = axis.setdefault("title", {})
        if isinstance(title, dict):
            title.setdefault("font", {}).setdefault("size", size)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", size)
    for note in layout.get("annotations") or []:  # small print on screen, not in a room
        font = note.setdefault("font", {})
        font["size"] = max(font.get("size") or 0, size)
    for trace in spec.get("data") or []:
        if "colorbar" in trace:
            trace["colorbar"].setdefault("tickfont", {}).setdefault("size", size)
            title = trace["colorbar"].setdefault("title", {})
            if isinstance(title, dict):
                title.setdefault("font", {}).setdefault("size", size)
    if layout.get("height"):
        layout["height"] = round(layout["height"] * PRESENT_HEIGHT)
    return go.Figure(spec)


def _scale_fonts(node, scale: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                size = value["size"]
                value["size"] = ([v * scale for v in size] if isinstance(size, (list, tuple))
                                 else size * scale if isinstance(size, (int, float)) else size)
            _scale_fonts(value, scale)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _scale_fonts(item, scale)


def split_title(fig: go.Figure) -> tuple[str, str, go.Figure]:
    """(title, subtitle, a copy of the figure without them). The app writes a chart's title
    above it as page text, which wraps on a narrow screen: Plotly draws a title on one line
    and a phone cut it off ("...still retai")."""
    title = fig.layout.title.text or ""
    subtitle = (fig.layout.title.subtitle.text or "") if fig.layout.title.subtitle else ""
    out = go.Figure(fig)
    out.update_layout(title=dict(text="", subtitle=dict(text="")), margin=dict(t=24))
    return title, subtitle, out


def _empty_chart(columns) -> Chart:
    return Chart(go.Figure(layout=_base_layout("No data")), pd.DataFrame(columns=list(columns)))


def _pct_axis(fig: go.Figure, top: float = 100) -> None:
    fig.update_yaxes(range=[0, top * 1.04], ticksuffix="%")


def _basis_words(basis: str) -> tuple[str, str]:
    """(what is counted, unit of N) for the logo or MRR basis."""
    return ("MRR", "MRR") if basis == "mrr" else ("customers", "customers")


# Activity bases: "activity" counts customers who came back in period k itself (the
# activity_retention query's bounded mode), "activity_later" in period k or any later one.
ACTIVITY_BASES = ("activity", "activity_later")


def _measure(basis: str, grain: str) -> dict[str, str]:
    """What a retention chart counts on this basis: the count column, the words of a title
    ('still retained'), of a value ('retained') and of an incomplete cell."""
    unit = GRAIN_WORDS[grain][:-1]
    if basis in ACTIVITY_BASES:
        later = basis == "activity_later"
        return {"col": "returned",
                "title": f"who came back in that {unit}" + (" or later" if later else ""),
                "value": "came back" + (" then or later" if later else ""),
                "incomplete": f"INCOMPLETE: this {unit} is not over yet"}
    return {"col": "retained", "title": "still retained", "value": "retained",
            "incomplete": "INCOMPLETE: not every member has reached this age"}


def _low_n_trace(x, y, n, min_n: int, name: str | None = None, text=None) -> go.Scatter:
    """Hollow markers over points resting on fewer than min_n units, with their own legend entry."""
    return go.Scatter(
        x=x, y=y, mode="markers", name=name or f"Fewer than {min_n} customers (unreliable)",
        legendgroup="low_n",
        marker=dict(symbol="circle-open", size=11, color=NEUTRAL, line=dict(width=2)),
        customdata=[count(v, "customers") for v in n],
        hovertemplate="Only %{customdata}: unreliable<extra></extra>", text=text,
    )


# --- Cohorts -----------------------------------------------------------------------------------

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
    m = _measure(basis, grain)
    cols = ["cohort", "age", "cohort_size", m["col"], "retention_pct", "is_complete"]
    if "customers" in df.columns:
        cols.append("customers")
    if df.empty:
        return _empty_chart(cols)
    plotted = df[cols] if show_incomplete else df.loc[df["is_complete"], cols]
    if plotted.empty:
        return _empty_chart(cols)
    what, _ = _basis_words(basis)
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
    layout = _base_layout(
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


def retention_curves(cells: pd.DataFrame, average: pd.DataFrame, grain: str = "month",
                     basis: str = "logo", min_n: int = settings.MIN_N) -> Chart:
    """One faint line per cohort (complete cells only) and the size-weighted average in colour."""
    if average.empty and cells.empty:
        return _empty_chart(["series", "age", "retention_pct", "customers"])
    unit = GRAIN_WORDS[grain]
    what, _ = _basis_words(basis)
    m = _measure(basis, grain)
    fig = go.Figure()
    complete = cells[cells["is_complete"]]
    rows = []
    for i, (cohort, part) in enumerate(complete.groupby("cohort", sort=True)):
        name = period_label(cohort, grain)
        n = part["customers"] if "customers" in part.columns else part["cohort_size"]
        fig.add_trace(go.Scatter(
            x=part["age"], y=part["retention_pct"], mode="lines", name="Single cohorts",
            legendgroup="cohorts", showlegend=i == 0, line=dict(color=FADED, width=1),
            customdata=n, hovertemplate=f"Cohort {name}<br>Age %{{x}} {unit}: %{{y:.1f}}% "
            "of %{customdata:,} customers<extra></extra>",
        ))
        rows.append(part.assign(series=f"cohort {name}", customers=n)[
            ["series", "age", "retention_pct", "customers"]])
    if not average.empty:
        fig.add_trace(go.Scatter(
            x=average["age"], y=average["retention_pct"], mode="lines+markers",
            name="Average (size-weighted)", line=dict(color=color_for("Average"), width=4),
            marker=dict(size=6), customdata=average[["customers", "cohorts"]],
            hovertemplate=f"Age %{{x}} {unit}: %{{y:.1f}}% {m['value']}<br>"
            "%{customdata[0]:,} customers in %{customdata[1]} complete cohorts<extra></extra>",
        ))
        low = average[average["customers"] < min_n]
        if not low.empty:
            fig.add_trace(_low_n_trace(low["age"], low["retention_pct"], low["customers"], min_n))
        rows.append(average.assign(series="average")[["series", "age", "retention_pct",
                                                      "customers", "cohorts"]])
    basis_title = "MRR" if basis == "mrr" else "customers"
    fig.update_layout(**_base_layout(
        f"Retention curves: % of each signup {grain}'s {basis_title} {m['title']}",
        subtitle="Complete cells only · average weighted by cohort size",
        x_title=f"Age ({unit} since signup)",
        y_title=f"{m['value'].capitalize()} (% of cohort {what})",
    ))
    _pct_axis(fig)
    return Chart(fig, pd.concat(rows, ignore_index=True))


def revenue_curves(cells: pd.DataFrame, average: pd.DataFrame, grain: str = "month",
                   min_n: int = settings.MIN_N) -> Chart:
    """Cumulative revenue per customer by age (activity_revenue): one faint line per cohort
    (complete cells only) and the size-weighted average in colour: the repeat-purchase curve."""
    cols = ["series", "age", "revenue_per_customer", "customers"]
    if average.empty and cells.empty:
        return _empty_chart(cols)
    unit = GRAIN_WORDS[grain]
    fig = go.Figure()
    rows = []
    complete = cells[cells["is_complete"] & (cells["cohort_size"] > 0)]
    for i, (cohort, part) in enumerate(complete.groupby("cohort", sort=True)):
        name = period_label(cohort, grain)
        fig.add_trace(go.Scatter(
            x=part["age"], y=part["revenue_per_customer"], mode="lines", name="Single cohorts",
            legendgroup="cohorts", showlegend=i == 0, line=dict(color=FADED, width=1),
            customdata=part["customers"], hovertemplate=f"Cohort {name}<br>By {unit[:-1]} "
            "%{x}: $%{y:,.2f} per customer (%{customdata:,} customers)<extra></extra>",
        ))
        rows.append(part.assign(series=f"cohort {name}")[cols])
    if not average.empty:
        fig.add_trace(go.Scatter(
            x=average["age"], y=average["revenue_per_customer"], mode="lines+markers",
            name="Average (size-weighted)", line=dict(color=color_for("Average"), width=4),
            marker=dict(size=6), customdata=average[["customers", "cohorts"]],
            hovertemplate=f"By {unit[:-1]} %{{x}}: $%{{y:,.2f}} per customer<br>"
            "%{customdata[0]:,} customers in %{customdata[1]} complete cohorts<extra></extra>",
        ))
        low = average[average["customers"] < min_n]
        if not low.empty:
            fig.add_trace(_low_n_trace(low["age"], low["revenue_per_customer"], low["customers"],
                                       min_n))
        rows.append(average.assign(series="average")[cols + ["cohorts"]])
    fig.update_layout(**_base_layout(
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
        return _empty_chart(cols)
    unit = GRAIN_WORDS[grain]
    what, _ = _basis_words(basis)
    m = _measure(basis, grain)
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
        fig.add_trace(_low_n_trace(low["age"], low["retention_pct"], low["customers"], min_n))
    basis_title = "MRR" if basis == "mrr" else "customers"
    fig.update_layout(**_base_layout(
        f"Average retention by {dimension_label}: % of {basis_title} {m['title']}",
        subtitle="Size-weighted over complete cohorts of each group",
        x_title=f"Age ({unit} since signup)",
        y_title=f"{m['value'].capitalize()} (% of cohort {what})",
    ))
    _pct_axis(fig)
    return Chart(fig, df[cols].reset_index(drop=True))


def month_k(df: pd.DataFrame, k: int, average: pd.DataFrame | None = None, grain: str = "month",
            basis: str = "logo", min_n: int = settings.MIN_N) -> Chart:
    """Retention at age k across cohorts: a bar per cohort, incomplete ones hatched."""
    m = _measure(basis, grain)
    cols = ["cohort", "age", "cohort_size", m["col"], "retention_pct", "is_complete"]
    part = df[df["age"] == k]
    if part.empty:
        return _empty_chart(cols)
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
    fig.update_layout(**_base_layout(
        f"{unit.capitalize()}-{k} retention by signup {grain}: % of each cohort's {basis_title}"
        + ("" if basis not in ACTIVITY_BASES else f" {m['title']}"),
        subtitle="Hatched, faded bars: incomplete ("
        + ("that " + unit + " is not over" if basis in ACTIVITY_BASES
           else "not every member has reached this age")
        + f") · grey: fewer than {min_n} customers",
        x_title=f"Signup {grain}", y_title=f"{m['value'].capitalize()} at {unit} {k} (%)",
    ))
    _pct_axis(fig)
    fig.update_xaxes(type="category")
    data = part[cols].rename(columns={"cohort": f"cohort_{grain}_start"})
    return Chart(fig, data.reset_index(drop=True))


# --- Lines and bars over time --------------------------------------------------------------------

def time_lines(df: pd.DataFrame, x: str, series: dict[str, str], title: str, y_title: str,
               grain: str = "month", subtitle: str | None = None, n_col: str | None = None,
               min_n: int = settings.MIN_N, percent: bool = False, targets: dict[str, float] | None = None,
               complete_col: str | None = "is_complete", group: str | None = None,
               only: tuple[str, object] | None = None) -> Chart:
    """One line per column in `series` ({column: legend name}), or per value of `group`.

    Incomplete periods (complete_col False) are drawn as hollow dashed points; periods with
    fewer than min_n units (n_col) are marked unreliable. `targets` adds dashed target lines.
    `only=(column, value)` keeps the rows of one group (e.g. one ticket priority).
    """
    if only is not None and only[1] is not None:
        df = df[df[only[0]] == only[1]]
        group = None if group == only[0] else group
    keep = [c for c in [group, x, *series, n_col, complete_col] if c and c in df.columns]
    if df.empty:
        return _empty_chart(keep)
    data = df[keep].copy()
    fig = go.Figure()
    groups = data.groupby(group, sort=True) if group else [(None, data)]
    colors = colors_for(data[group].unique()) if group else {}
    for gname, part in groups:
        for i, (col, name) in enumerate(series.items()):
            label = f"{gname} · {name}" if gname is not None and len(series) > 1 else (
                str(gname) if gname is not None else name)
            color = colors[str(gname)] if gname is not None else PALETTE[i % len(PALETTE)]
            n = part[n_col] if n_col else pd.Series([None] * len(part), index=part.index)
            done = part[complete_col] if complete_col in part.columns else None
            hover_n = "<br>N = %{customdata:,}" if n_col else ""
            fig.add_trace(go.Scatter(
                x=part[x], y=part[col], mode="lines+markers", name=label,
                line=dict(color=color, width=2.5, dash="solid" if i == 0 else "dot"),
                marker=dict(size=6, symbol=["circle" if d else "circle-open" for d in done]
                            if done is not None else "circle"),
                customdata=n, hovertemplate=f"{label}<br>%{{x|{_date_fmt(grain)}}}: "
                f"%{{y:,.1f}}{'%' if percent else ''}{hover_n}<extra></extra>",
            ))
            if n_col:
                low = part[part[n_col] < min_n]
                if not low.empty:
                    marker = _low_n_trace(low[x], low[col], low[n_col], min_n,
                                          name=f"Fewer than {min_n} (unreliable)")
                    marker.showlegend = not any(t.legendgroup == "low_n" for t in fig.data)
                    fig.add_trace(marker)
    for name, value in (targets or {}).items():
        with_target(fig, value, f"target {name}: {value:g}", color_for(name))
    notes = [subtitle] if subtitle else []
    if complete_col in data.columns and not data[complete_col].all():
        notes.append("hollow points: period not complete yet")
    fig.update_layout(**_base_layout(title, subtitle=" · ".join(notes),
                                     x_title=_period_axis(grain), y_title=y_title))
    _date_axis(fig, data[x], grain)
    if percent:
        fig.update_yaxes(ticksuffix="%")
    return Chart(fig, data.reset_index(drop=True))


def _date_axis(fig: go.Figure, values, grain: str) -> None:
    """Period ticks written as periods ('Aug 2024', '2024 Q3'), never as a time of day. A few
    periods get one tick each (a single month was labelled '00:00:00 Aug 1, 2024'); more are
    left to Plotly's spacing with the grain's format."""
    periods = sorted(pd.to_datetime(pd.Series(values)).dropna().unique())
    if not periods:
        return
    if len(periods) <= 6:
        fig.update_xaxes(tickmode="array", tickvals=periods,
                         ticktext=[period_label(p, grain) for p in periods])
        if len(periods) == 1:  # one bar or point: some room either side of it
            day = pd.Timedelta(days={"week": 4, "quarter": 50}.get(grain, 16))
            fig.update_xaxes(range=[periods[0] - day, periods[0] + day])
    else:
        fig.update_xaxes(tickformat={"week": "%d %b %Y"}.get(grain, "%b %Y"))


def _date_fmt(grain: str) -> str:
    return {"week": "w/c %d %b %Y", "quarter": "%Y Q%q", "month": "%b %Y"}.get(grain, "%b %Y")


def _period_axis(grain: str) -> str:
    return {"week": "Week (starting Monday)", "quarter": "Quarter"}.get(grain, "Month")


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, y_title: str,
                 grain: str = "month", subtitle: str | None = None, order=None) -> Chart:
    """Stacked bars over time, one colour per category value (e.g. churn category)."""
    keep = [x, color, y]
    if df.empty:
        return _empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    fig = go.Figure()
    values = order or sorted(data[color].unique(), key=lambda v: (v in _NEUTRAL_VALUES, str(v)))
    colors = colors_for(values)
    for value in values:
        part = data[data[color] == value]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part[x], y=part[y], name=str(value), marker_color=colors[str(value)],
            hovertemplate=f"{value}<br>%{{x|{_date_fmt(grain)}}}: %{{y:,.0f}}<extra></extra>",
        ))
    fig.update_layout(barmode="stack", **_base_layout(
        title, subtitle=subtitle, x_title=_period_axis(grain), y_title=y_title,
        height=_legend_height(420, values)))
    _date_axis(fig, data[x], grain)
    return Chart(fig, data)


# A phone's chart is about 340 px wide; a legend entry takes its symbol and ~7 px a character.
PHONE_LEGEND_PX = 340


def _legend_height(height: int, names) -> int:
    """A chart's height with room for its legend under the plot (beside it, a long legend took
    half a phone's width): as many rows as the entries need on a phone, where they wrap most.
    A wide screen puts more on a row and gives the plot the spare height."""
    rows, used = 1, 0
    for name in map(str, names):
        width = 45 + 7 * len(name)
        if used and used + width > PHONE_LEGEND_PX:
            rows, used = rows + 1, 0
        used += width
    return height + 24 * rows


def hbars(df: pd.DataFrame, label: str, value: str, title: str, x_title: str,
          subtitle: str | None = None, n_col: str | None = None, min_n: int = settings.MIN_N,
          hover_extra: dict[str, str] | None = None, percent: bool = False,
          color_by: str | None = None, text_fmt: str = "{:,.0f}", money: bool = False,
          references: dict[str, float] | None = None, reliable_col: str | None = None,
          top: int | None = None, color: str | None = None) -> Chart:
    """Horizontal bars in the frame's order, first on top (only the first `top` rows when
    given); bars on fewer than min_n units greyed and labelled.

    `references` draws labelled diamond markers (e.g. published research figures) per label.
    """
    keep = [c for c in [label, value, n_col, reliable_col, *(hover_extra or {})]
            if c and c in df.columns]
    keep = list(dict.fromkeys(keep))
    if df.empty:
        return _empty_chart(keep)
    data = (df.head(top) if top else df)[keep].reset_index(drop=True)
    shown = data.iloc[::-1]  # plotly draws the first row at the bottom
    reliable = (shown[reliable_col].astype(bool) if reliable_col else
                shown[n_col] >= min_n if n_col else pd.Series(True, index=shown.index))
    keys = shown[color_by] if color_by else shown[label]
    palette = colors_for(keys.unique())
    colors = [(color or palette[str(c)]) if ok else NEUTRAL for c, ok in zip(keys, reliable)]
    prefix = "$" if money else ""
    texts = [prefix + text_fmt.format(v) + ("%" if percent else "")
             + (f" · n={int(n):,}" if n_col else "") + ("" if ok else " (low N)")
             for v, n, ok in zip(shown[value], shown[n_col] if n_col else shown[value], reliable)]
    extra = hover_extra or {}
    custom = shown[list(extra)] if extra else None
    hover = "%{y}: " + prefix + "%{x:,.1f}" + ("%" if percent else "")
    hover += "".join(f"<br>{name}: %{{customdata[{i}]}}" for i, name in enumerate(extra.values()))
    fig = go.Figure(go.Bar(
        x=shown[value], y=shown[label].astype(str), orientation="h", marker_color=colors,
        text=texts, customdata=custom, showlegend=False, textangle=0,
        # with reference markers the label sits at the bar's start, clear of the diamond
        textposition="inside" if references else "auto",
        insidetextanchor="start" if references else None,
        hovertemplate=hover + "<extra></extra>", cliponaxis=False,
    ))
    for ref_label, ref_value in (references or {}).items():
        if ref_label in set(shown[label].astype(str)):
            fig.add_trace(go.Scatter(
                x=[ref_value], y=[ref_label], mode="markers+text", name="Published research",
                marker=dict(symbol="diamond", size=14, color="#D55E00",
                            line=dict(width=1, color="white")),
                text=[f"research {ref_value:g}{'%' if percent else ''}"],
                textposition="middle right", showlegend=False,
                hovertemplate=f"Published research figure: {ref_value:g}"
                + ("%" if percent else "") + "<extra></extra>",
            ))
    fig.update_layout(**_base_layout(title, subtitle=subtitle, x_title=x_title,
                                     height=max(260, 70 + 34 * len(data))))
    if percent:
        fig.update_xaxes(ticksuffix="%", range=[0, 105])
    fig.update_yaxes(type="category")
    return Chart(fig, data)


def stacked_share(df: pd.DataFrame, group: str, category: str, value: str, title: str,
                  x_title: str, subtitle: str | None = None) -> Chart:
    """One horizontal 100% bar per group, split by category (e.g. churn reasons by segment)."""
    keep = [group, category, value]
    if df.empty or df[value].sum() == 0:
        return _empty_chart(keep + ["share_pct"])
    data = df[keep].copy()
    totals = data.groupby(group)[value].transform("sum")
    data["share_pct"] = (data[value] / totals.where(totals > 0) * 100).fillna(0)
    data = data.reset_index(drop=True)
    fig = go.Figure()
    values = sorted(data[category].unique(), key=lambda v: (v in _NEUTRAL_VALUES, str(v)))
    colors = colors_for(values)
    for v in values:
        part = data[data[category] == v]
        fig.add_trace(go.Bar(
            y=part[group].astype(str), x=part["share_pct"], name=str(v), orientation="h",
            marker_color=colors[str(v)], customdata=part[value],
            hovertemplate=f"{v} · %{{y}}: %{{x:.1f}}% (%{{customdata:,}} customers)"
            "<extra></extra>",
        ))
    n_groups = data[group].nunique()
    height = _legend_height(max(300, 140 + 40 * n_groups), values)
    fig.update_layout(barmode="stack", **_base_layout(title, subtitle=subtitle, x_title=x_title,
                                                      height=height))
    fig.update_xaxes(ticksuffix="%", range=[0, 100])
    fig.update_yaxes(type="category")
    return Chart(fig, data)


def grouped_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, y_title: str,
                 x_title: str, subtitle: str | None = None, percent: bool = False,
                 n_col: str | None = None) -> Chart:
    """Side-by-side bars: one group of bars per `x` value, one colour per `color` value.

    Drawn horizontally, groups listed down the page in the frame's order: long category names
    stay level and readable on a phone (standing bars turned them on end, under the legend).
    `x_title` names the groups, `y_title` the value.
    """
    keep = [c for c in [x, color, y, n_col] if c]
    if df.empty:
        return _empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    fig = go.Figure()
    colors = colors_for(data[color].unique())
    for value, part in data.groupby(color, sort=True):
        fig.add_trace(go.Bar(
            y=part[x].astype(str), x=part[y], name=str(value), orientation="h",
            marker_color=colors[str(value)],
            customdata=part[n_col] if n_col else None,
            hovertemplate=f"{value} · %{{y}}: %{{x:,.1f}}{'%' if percent else ''}"
            + ("<br>N = %{customdata:,}" if n_col else "") + "<extra></extra>",
        ))
    groups = data[x].astype(str).unique()
    series = data[color].nunique()
    fig.update_layout(barmode="group", **_base_layout(
        title, subtitle=subtitle, x_title=y_title, y_title=x_title,
        height=_legend_height(max(320, 120 + 12 * series * len(groups)),
                              data[color].unique())))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(groups),
                     autorange="reversed")
    if percent:
        fig.update_xaxes(ticksuffix="%")
    return Chart(fig, data)


def survival_curves(df: pd.DataFrame, title: str, subtitle: str | None = None,
                    min_n: int = settings.MIN_N) -> Chart:
    """Kaplan–Meier step curves per group with their 95% bands (df from queries.survival)."""
    keep = [c for c in ["group", "day", "survival", "ci_lower", "ci_upper", "at_risk", "events"]
            if c in df.columns]
    if df.empty:
        return _empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    groups = data.groupby("group", sort=True) if "group" in data.columns else [("All", data)]
    fig = go.Figure()
    palette = colors_for(data["group"].unique() if "group" in data.columns else ["All"])
    for name, part in groups:
        color = palette[str(name)]
        fig.add_trace(go.Scatter(
            x=list(part["day"]) + list(part["day"][::-1]),
            y=list(part["ci_upper"] * 100) + list(part["ci_lower"][::-1] * 100),
            fill="toself", line=dict(width=0, shape="hv"), fillcolor=color, opacity=0.18,
            hoverinfo="skip", showlegend=False, legendgroup=str(name),
        ))
        fig.add_trace(go.Scatter(
            x=part["day"], y=part["survival"] * 100, mode="lines", name=str(name),
            legendgroup=str(name), line=dict(color=color, width=2.5, shape="hv"),
            customdata=part[["at_risk", "events"]],
            hovertemplate=f"{name}<br>Day %{{x}}: %{{y:.1f}}% still active<br>"
            "%{customdata[0]:,} customers at risk, %{customdata[1]:,} churned that day"
            "<extra></extra>",
        ))
        thin = part[part["at_risk"] < min_n]
        if not thin.empty:
            first = thin.iloc[0]
            fig.add_trace(go.Scatter(
                x=[first["day"]], y=[first["survival"] * 100], mode="markers",
                marker=dict(symbol="circle-open", size=12, color=NEUTRAL, line=dict(width=2)),
                name=f"From here fewer than {min_n} at risk", legendgroup="lown",
                showlegend=not any(t.legendgroup == "lown" for t in fig.data),
                hovertemplate=f"{name}: from day %{{x}} fewer than {min_n} customers at risk"
                "<extra></extra>",
            ))
    fig.update_layout(**_base_layout(title, subtitle=subtitle, x_title="Days since signup",
                                     y_title="Still active (%)"))
    _pct_axis(fig)
    return Chart(fig, data)


def sparkline(df: pd.DataFrame, column: str, complete_col: str = "is_complete",
              last: int = 12) -> list[float]:
    """The last `last` complete values of one column, for st.metric's small trend."""
    if df is None or df.empty or column not in df.columns:
        return []
    part = df[df[complete_col]] if complete_col in df.columns else df
    return [float(v) for v in part[column].dropna().tail(last)]


SPARKLINE_COLOR = "#0072B2"  # the theme's primary colour: a trend line, not a verdict


def sparkline_svg(values: list[float], width: int = 240, height: int = 40) -> str:
    """A tile's small trend as an SVG polyline (a dot on the latest value), scaled to its own
    min..max; empty for fewer than two values. Drawn by the browser as an image: no chart library
    to load, so a page of ten tiles paints and redraws as fast as text."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad = 4
    points = [
        (pad + i * (width - 2 * pad) / (len(values) - 1),
         # a flat series sits in the middle; otherwise the highest value at the top
         height / 2 if high == low else height - pad - (v - low) / span * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{SPARKLINE_COLOR}" '
        f'stroke-width="2" points="{path}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{SPARKLINE_COLOR}"/></svg>'
    )



# --- Targets and notes drawn over a finished figure --------------------------------------------

TARGET_COLOR = "#B3261E"
NOTE_COLOR = "#5B6475"
NOTE_SHORT = 22  # characters of a note written on the chart; the whole text is in its hover


def _plain(text: str) -> str:
    """A note as Plotly shows it: its tags (<b>, <a href>, <br>) written out, never applied."""
    return html.escape(text, quote=False)


def _short(text: str) -> str:
    """A note as written on a chart: cut at NOTE_SHORT characters (the hover has all of it)."""
    if len(text) > NOTE_SHORT:
        text = text[: NOTE_SHORT - 1].rstrip(" ,.;:-") + "…"
    return _plain(text)


def with_target(fig: go.Figure, value: float, label: str, color: str = TARGET_COLOR) -> go.Figure:
    """A dashed horizontal line at `value`, labelled ('target ≤ 3.0%') at its left end."""
    fig.add_hline(y=value, line=dict(dash="dash", color=color, width=1.5),
                  annotation_text=label, annotation_position="top left",
                  annotation_font=dict(color=color, size=11))
    return fig


def _x_dates(fig: go.Figure) -> list[pd.Timestamp]:
    """The dates along the x axis of a time chart ([] when its x axis is not dates)."""
    found = []
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or getattr(trace, "orientation", None) == "h" or not len(xs):
            continue
        if not isinstance(xs[0], (date, pd.Timestamp)) and not str(xs[0])[:4].isdigit():
            return []
        try:
            found += list(pd.to_datetime(pd.Series(list(xs)), errors="raise"))
        except (ValueError, TypeError):
            return []
    return found


def with_notes(fig: go.Figure, notes: list[tuple[date, str]], grain: str = "month") -> go.Figure:
    """Each dated note within the chart's dates as a dotted vertical line with a short label at
    the top; hovering the label shows the whole note. Charts whose x axis is not time are left
    as they are."""
    dates = _x_dates(fig)
    if not dates or not notes:
        return fig
    step = pd.DateOffset(**{"week": {"weeks": 1}, "quarter": {"months": 3}}.get(
        grain, {"months": 1}))
    first, last = min(dates), max(dates) + step
    shown = [(pd.Timestamp(day), text) for day, text in sorted(notes)
             if first <= pd.Timestamp(day) < last]
    for i, (at, text) in enumerate(shown):
        short = _short(text)
        fig.add_shape(type="line", x0=at, x1=at, y0=0, y1=1, yref="paper",
                      line=dict(color=NOTE_COLOR, width=1, dash="dot"), layer="below")
        # Labels of neighbouring notes step down in turn, so that close dates stay readable.
        fig.add_annotation(x=at, y=1 - 0.07 * (i % 3), yref="paper", yanchor="top",
                           xanchor="left",
                           text=f"◆ {short}", showarrow=False, font=dict(size=10, color=NOTE_COLOR),
                           bgcolor="rgba(255,255,255,0.8)",
                           hovertext=f"{at:%d %b %Y}: {_plain(text)}", name=f"note {i + 1}")
    return fig


def with_cohort_notes(chart: Chart, notes: list[tuple[date, str]], grain: str) -> Chart:
    """On the cohort heatmap: for each note, a dotted line above the first cohort that signed up
    on or after its date, and a marker on that row whose hover shows the note."""
    column = f"cohort_{grain}_start"
    heat = [t for t in chart.figure.data if isinstance(t, go.Heatmap)]
    if not heat or column not in chart.data.columns:
        return chart
    labels = list(heat[0].y)
    starts = [pd.Timestamp(c) for c in sorted(chart.data[column].unique())]
    fig = chart.figure
    for day, text in sorted(notes):
        after = [i for i, start in enumerate(starts) if start >= pd.Timestamp(day)]
        if not after or after[0] >= len(labels):
            continue
        row = after[0]
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, y0=row - 0.5, y1=row - 0.5,
                      line=dict(color=NOTE_COLOR, width=2, dash="dot"))
        short = _short(text)
        fig.add_annotation(xref="paper", x=1, xanchor="right", y=labels[row], yanchor="middle",
                           text=f"◆ {short}", showarrow=False,
                           font=dict(size=10, color=NOTE_COLOR), bgcolor="rgba(255,255,255,0.85)",
                           hovertext=f"{pd.Timestamp(day):%d %b %Y}: {_plain(text)} · first cohort "
                           f"after it: {labels[row]}")
    return chart


def with_view_notes(chart: Chart, notes: list[tuple[date, str]], grain: str = "month") -> Chart:
    """The notes drawn where they belong: on a time chart at their dates, on the cohort heatmap
    above the first cohort after each; any other chart is left as it is."""
    if not notes:
        return chart
    if any(isinstance(t, go.Heatmap) for t in chart.figure.data):
        return with_cohort_notes(chart, notes, grain)
    with_notes(chart.figure, notes, grain)
    return chart
