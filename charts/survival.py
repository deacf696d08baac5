"""Kaplan–Meier survival curves with their 95% bands."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

import settings
from charts.base import NEUTRAL, Chart, base_layout, empty_chart, pct_axis, colors_for


# Duration columns the curves can be drawn over: (axis title, word in the hover).
DURATIONS = {"day": ("Days since signup", "Day"), "tenure_months": ("Months of tenure", "Month")}


def survival_curves(df: pd.DataFrame, title: str, subtitle: str | None = None,
                    min_n: int = settings.MIN_N, x: str = "day") -> Chart:
    """Kaplan–Meier step curves per group with their 95% bands (df from queries.survival, or
    with x="tenure_months" from queries.tenure_survival)."""
    x_title, word = DURATIONS[x]
    keep = [c for c in ["group", x, "survival", "ci_lower", "ci_upper", "at_risk", "events"]
            if c in df.columns]
    if df.empty:
        return empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    groups = data.groupby("group", sort=True) if "group" in data.columns else [("All", data)]
    fig = go.Figure()
    palette = colors_for(data["group"].unique() if "group" in data.columns else ["All"])
    for name, part in groups:
        color = palette[str(name)]
        fig.add_trace(go.Scatter(
            x=list(part[x]) + list(part[x][::-1]),
            y=list(part["ci_upper"] * 100) + list(part["ci_lower"][::-1] * 100),
            fill="toself", line=dict(width=0, shape="hv"), fillcolor=color, opacity=0.18,
            hoverinfo="skip", showlegend=False, legendgroup=str(name),
        ))
        fig.add_trace(go.Scatter(
            x=part[x], y=part["survival"] * 100, mode="lines", name=str(name),
            legendgroup=str(name), line=dict(color=color, width=2.5, shape="hv"),
            customdata=part[["at_risk", "events"]],
            hovertemplate=f"{name}<br>{word} %{{x}}: %{{y:.1f}}% still active<br>"
            f"%{{customdata[0]:,}} customers at risk, %{{customdata[1]:,}} churned at that "
            f"{word.lower()}"
            "<extra></extra>",
        ))
        thin = part[part["at_risk"] < min_n]
        if not thin.empty:
            first = thin.iloc[0]
            fig.add_trace(go.Scatter(
                x=[first[x]], y=[first["survival"] * 100], mode="markers",
                marker=dict(symbol="circle-open", size=12, color=NEUTRAL, line=dict(width=2)),
                name=f"From here fewer than {min_n} at risk", legendgroup="lown",
                showlegend=not any(t.legendgroup == "lown" for t in fig.data),
                hovertemplate=f"{name}: from {word.lower()} %{{x}} fewer than {min_n} customers "
                "at risk"
                "<extra></extra>",
            ))
    fig.update_layout(**base_layout(title, subtitle=subtitle, x_title=x_title,
                                     y_title="Still active (%)"))
    pct_axis(fig)
    return Chart(fig, data)
