"""The churn score's calibration: what it predicted against what happened, per tenth of risk."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.base import NEUTRAL, PALETTE, Chart, base_layout

COLUMNS = {"decile": "Tenth of risk (1 = lowest)", "customers": "Customers",
           "predicted_pct": "Predicted churn (%)", "observed_pct": "Observed churn (%)"}


def calibration_bars(rows, title: str, subtitle: str | None = None) -> Chart:
    """Per decile of predicted risk (lowest first): the mean predicted churn probability and the
    share that churned, side by side. `rows`: risk_backtest's calibration (records or a frame)."""
    data = pd.DataFrame(list(rows) if not isinstance(rows, pd.DataFrame) else rows,
                        columns=list(COLUMNS))
    fig = go.Figure()
    labels = [f"{int(d)}" for d in data["decile"]]
    for column, name, color in (("predicted_pct", "Predicted", NEUTRAL),
                                ("observed_pct", "Churned", PALETTE[3])):
        fig.add_trace(go.Bar(
            x=labels, y=data[column], name=name, marker_color=color,
            text=[f"{v:.1f}%" for v in data[column]], textposition="outside", cliponaxis=False,
            customdata=data["customers"],
            hovertemplate=f"Tenth %{{x}} of risk: {name.lower()} %{{y:.1f}}%"
                          "<br>%{customdata:,} customers<extra></extra>"))
    fig.update_layout(**base_layout(title, subtitle=subtitle,
                                     x_title="Tenth of customers by predicted risk (10 = highest)",
                                     y_title="Churned within the horizon (%)"),
                      barmode="group", bargap=0.25,
                      # On a phone the labels would shrink to specks: hidden there (hover has them).
                      uniformtext_minsize=10, uniformtext_mode="hide")
    top = float(data[["predicted_pct", "observed_pct"]].max().max()) if len(data) else 0.0
    fig.update_yaxes(ticksuffix="%", range=[0, max(5.0, top * 1.18)], rangemode="tozero")
    fig.update_xaxes(type="category")
    return Chart(fig, data.rename(columns=COLUMNS))
