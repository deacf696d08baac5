"""Lines and bars over time and horizontal bars: the time series, stacked and grouped bars,
shares, and ranked horizontal bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

import settings
from charts.base import (NEUTRAL, PALETTE, NEUTRAL_VALUES, Chart, base_layout, empty_chart,
                         low_n_trace, color_for, colors_for, period_label)
from charts.marks import with_target


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
        return empty_chart(keep)
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
                # Only points that are drawn: a period without a value (no customers at its
                # start) has nothing to flag, so no legend entry either.
                low = part[(part[n_col] < min_n) & part[col].notna()]
                if not low.empty:
                    marker = low_n_trace(low[x], low[col], low[n_col], min_n,
                                          name=f"Fewer than {min_n} (unreliable)")
                    marker.showlegend = not any(t.legendgroup == "low_n" for t in fig.data)
                    fig.add_trace(marker)
    for name, value in (targets or {}).items():
        with_target(fig, value, f"target {name}: {value:g}", color_for(name))
    notes = [subtitle] if subtitle else []
    if complete_col in data.columns and not data[complete_col].all():
        notes.append("hollow points: period not complete yet")
    fig.update_layout(**base_layout(title, subtitle=" · ".join(notes),
                                     x_title=_period_axis(grain), y_title=y_title))
    _date_axis(fig, data[x], grain, suffix="%" if percent else "")
    if percent:
        fig.update_yaxes(ticksuffix="%")
    return Chart(fig, data.reset_index(drop=True))


# A period's length in days, for the width of a bar standing alone on a date axis.
PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}


def _date_axis(fig: go.Figure, values, grain: str, suffix: str = "") -> None:
    """Period ticks written as periods ('Aug 2024', '2024 Q3'), never as a time of day. A few
    periods get one tick each (a single month was labelled '00:00:00 Aug 1, 2024'); more are
    left to Plotly's spacing with the grain's format. A single period is drawn so its value is
    seen (_one_period)."""
    periods = sorted(pd.to_datetime(pd.Series(values)).dropna().unique())
    if not periods:
        return
    if len(periods) <= 6:
        fig.update_xaxes(tickmode="array", tickvals=periods,
                         ticktext=[period_label(p, grain) for p in periods])
        if len(periods) == 1:
            _one_period(fig, periods[0], grain, suffix)
    else:
        fig.update_xaxes(tickformat={"week": "%d %b %Y"}.get(grain, "%b %Y"))


def _one_period(fig: go.Figure, period, grain: str, suffix: str) -> None:
    """One period on a date axis: Plotly gives a lone bar the width of the smallest gap between
    bars, of which there is none (it drew 1 px wide), and a lone point is a 6-px dot. So a bar
    is given most of its period's width, a point a larger marker with its value written above
    it, and the axis a period of room either side."""
    days = PERIOD_DAYS.get(grain, 30)
    for trace in fig.data:
        if isinstance(trace, go.Bar):
            trace.width = pd.Timedelta(days=0.6 * days).total_seconds() * 1000
        elif isinstance(trace, go.Scatter) and trace.legendgroup != "low_n":
            trace.mode = "markers+text"
            trace.marker.size = 11
            trace.texttemplate = "%{y:,.1f}" + suffix
            trace.textposition = "top center"
    room = pd.Timedelta(days=days)
    fig.update_xaxes(range=[period - room, period + room])


def _date_fmt(grain: str) -> str:
    return {"week": "w/c %d %b %Y", "quarter": "%Y Q%q", "month": "%b %Y"}.get(grain, "%b %Y")


def _period_axis(grain: str) -> str:
    return {"week": "Week (starting Monday)", "quarter": "Quarter"}.get(grain, "Month")


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, y_title: str,
                 grain: str = "month", subtitle: str | None = None, order=None) -> Chart:
    """Stacked bars over time, one colour per category value (e.g. churn category)."""
    keep = [x, color, y]
    if df.empty:
        return empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    fig = go.Figure()
    values = order or sorted(data[color].unique(), key=lambda v: (v in NEUTRAL_VALUES, str(v)))
    colors = colors_for(values)
    for value in values:
        part = data[data[color] == value]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part[x], y=part[y], name=str(value), marker_color=colors[str(value)],
            hovertemplate=f"{value}<br>%{{x|{_date_fmt(grain)}}}: %{{y:,.0f}}<extra></extra>",
        ))
    fig.update_layout(barmode="stack", **base_layout(
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
        return empty_chart(keep)
    data = (df.head(top) if top else df)[keep].reset_index(drop=True)
    shown = data.iloc[::-1]  # plotly draws the first row at the bottom
    reliable = (shown[reliable_col].astype(bool) if reliable_col else
                shown[n_col] >= min_n if n_col else pd.Series(True, index=shown.index))
    keys = shown[color_by] if color_by else shown[label]
    palette = colors_for(keys.unique())
    colors = [(color or palette[str(c)]) if ok else NEUTRAL for c, ok in zip(keys, reliable)]
    prefix = "$" if money else ""
    # With reference diamonds the bar's own label is the value alone and N goes under the row's
    # name: a diamond near the end of a short bar covered "n=1,653" on a phone-width plot.
    n_in_bar = bool(n_col) and not references
    texts = [prefix + text_fmt.format(v) + ("%" if percent else "")
             + (f" · n={int(n):,}" if n_in_bar else "") + ("" if ok else " (low N)")
             for v, n, ok in zip(shown[value], shown[n_col] if n_col else shown[value], reliable)]
    names = shown[label].astype(str)
    rows = (names + "<br>n=" + shown[n_col].map("{:,.0f}".format) if n_col and references
            else names)
    row_of = dict(zip(names, rows))
    extra = hover_extra or {}
    custom = shown[list(extra)] if extra else None
    hover = "%{y}: " + prefix + "%{x:,.1f}" + ("%" if percent else "")
    hover += "".join(f"<br>{name}: %{{customdata[{i}]}}" for i, name in enumerate(extra.values()))
    fig = go.Figure(go.Bar(
        x=shown[value], y=rows, orientation="h", marker_color=colors,
        text=texts, customdata=custom, showlegend=False, textangle=0,
        # with reference markers the label sits at the bar's start, clear of the diamond
        textposition="inside" if references else "auto",
        insidetextanchor="start" if references else None,
        hovertemplate=hover + "<extra></extra>", cliponaxis=False,
    ))
    for ref_label, ref_value in (references or {}).items():
        if ref_label in row_of:
            fig.add_trace(go.Scatter(
                x=[ref_value], y=[row_of[ref_label]], mode="markers+text",
                name="Published research",
                marker=dict(symbol="diamond", size=14, color="#D55E00",
                            line=dict(width=1, color="white")),
                # The value alone: "research 80%" ran off a phone-width plot; the subtitle and
                # the hover say what the diamond is.
                text=[f"{ref_value:g}{'%' if percent else ''}"],
                textposition="middle right", showlegend=False,
                hovertemplate=f"Published research figure: {ref_value:g}"
                + ("%" if percent else "") + "<extra></extra>",
            ))
    fig.update_layout(**base_layout(title, subtitle=subtitle, x_title=x_title,
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
        return empty_chart(keep + ["share_pct"])
    data = df[keep].copy()
    totals = data.groupby(group)[value].transform("sum")
    data["share_pct"] = (data[value] / totals.where(totals > 0) * 100).fillna(0)
    data = data.reset_index(drop=True)
    fig = go.Figure()
    values = sorted(data[category].unique(), key=lambda v: (v in NEUTRAL_VALUES, str(v)))
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
    fig.update_layout(barmode="stack", **base_layout(title, subtitle=subtitle, x_title=x_title,
                                                      height=height))
    fig.update_xaxes(ticksuffix="%", range=[0, 100])
    fig.update_yaxes(type="category")
    return Chart(fig, data)


def grouped_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, y_title: str,
                 x_title: str, subtitle: str | None = None, percent: bool = False,
                 n_col: str | None = None, text_fmt: str | None = None,
                 min_n: int = settings.MIN_N) -> Chart:
    """Side-by-side bars: one group of bars per `x` value, one colour per `color` value.

    Drawn horizontally, groups listed down the page in the frame's order: long category names
    stay level and readable on a phone (standing bars turned them on end, under the legend).
    `x_title` names the groups, `y_title` the value. With `text_fmt` each bar is labelled with
    its value (and its N with `n_col`, "(low N)" under min_n), on bars tall enough to read it.
    """
    keep = [c for c in [x, color, y, n_col] if c]
    if df.empty:
        return empty_chart(keep)
    data = df[keep].reset_index(drop=True)
    fig = go.Figure()
    colors = colors_for(data[color].unique())
    for value, part in data.groupby(color, sort=True):
        labels = {}
        if text_fmt:
            n = part[n_col] if n_col else pd.Series(min_n, index=part.index)
            labels = dict(textangle=0, textposition="auto", text=[
                "" if pd.isna(v) else text_fmt.format(v) + ("%" if percent else "")
                + (f" · n={int(k):,}" if n_col else "") + ("" if k >= min_n else " (low N)")
                for v, k in zip(part[y], n)])
        fig.add_trace(go.Bar(
            y=part[x].astype(str), x=part[y], name=str(value), orientation="h",
            marker_color=colors[str(value)], **labels,
            customdata=part[n_col] if n_col else None,
            hovertemplate=f"{value} · %{{y}}: %{{x:,.1f}}{'%' if percent else ''}"
            + ("<br>N = %{customdata:,}" if n_col else "") + "<extra></extra>",
        ))
    groups = data[x].astype(str).unique()
    series = data[color].nunique()
    per_bar = 30 if text_fmt else 12  # a labelled bar tall enough for its label on a phone
    fig.update_layout(barmode="group", **base_layout(
        title, subtitle=subtitle, x_title=y_title, y_title=x_title,
        height=_legend_height(max(320, 120 + per_bar * series * len(groups)),
                              data[color].unique())))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(groups),
                     autorange="reversed")
    if percent:
        fig.update_xaxes(ticksuffix="%")
    return Chart(fig, data)
