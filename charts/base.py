"""What every chart shares: the Chart result, the colour-blind-safe palette in which a category
value keeps its colour on every page, the common layout and theme, presentation-mode scaling, and
the small helpers (empty chart, percent axis, low-n points) the builders use."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from words.formatting import count

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
    # churn reason categories (docs/definitions.md, Data model)
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
NEUTRAL_VALUES = {"Other", "Unknown", "—", ""}

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
    if text in NEUTRAL_VALUES:
        return NEUTRAL
    return PALETTE[zlib.crc32(text.encode()) % len(PALETTE)]


def colors_for(values) -> dict[str, str]:
    """Colours of the values one chart shows together: color_for's, except that a value without
    a fixed colour whose hashed colour is already taken in this chart moves to the next free
    one (user data brings its own plan or category names, and two of them may hash alike)."""
    texts = sorted({str(v) for v in values})
    out = {t: color_for(t) for t in texts if t in _FIXED or t in NEUTRAL_VALUES}
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


def base_layout(title: str, subtitle: str | None = None, x_title: str = "",
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


def empty_chart(columns) -> Chart:
    return Chart(go.Figure(layout=base_layout("No data")), pd.DataFrame(columns=list(columns)))


def pct_axis(fig: go.Figure, top: float = 100) -> None:
    fig.update_yaxes(range=[0, top * 1.04], ticksuffix="%")


def basis_words(basis: str) -> tuple[str, str]:
    """(what is counted, unit of N) for the logo or MRR basis."""
    return ("MRR", "MRR") if basis == "mrr" else ("customers", "customers")


# Activity bases: "activity" counts customers who came back in period k itself (the
# activity_retention query's bounded mode), "activity_later" in period k or any later one.
ACTIVITY_BASES = ("activity", "activity_later")


def measure(basis: str, grain: str) -> dict[str, str]:
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


def low_n_trace(x, y, n, min_n: int, name: str | None = None, text=None) -> go.Scatter:
    """Hollow markers over points resting on fewer than min_n units, with their own legend entry."""
    return go.Scatter(
        x=x, y=y, mode="markers", name=name or f"Fewer than {min_n} customers (unreliable)",
        legendgroup="low_n",
        marker=dict(symbol="circle-open", size=11, color=NEUTRAL, line=dict(width=2)),
        customdata=[count(v, "customers") for v in n],
        hovertemplate="Only %{customdata}: unreliable<extra></extra>", text=text,
    )
