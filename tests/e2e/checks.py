"""Pure helpers of the e2e tests: read a number as a person reads it off a tile, compare a CSV
download with the data of the Plotly figure it belongs to. No browser here."""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd

_SCALE = {"K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9}


def read_number(text: str) -> tuple[float, float]:
    """The number a tile shows and half a unit of its last digit: "$2.44M" -> (2440000, 5000).

    Accepts currency, %, units (h, pts, days), thousands separators, a sign (also U+2212)."""
    cleaned = text.replace("\u2212", "-").replace(",", "").replace("\u00a0", " ").strip()
    match = re.search(r"([-+]?)\$?\s*(\d+(?:\.(\d+))?)\s*([KMBk])?", cleaned)
    if not match:
        raise ValueError(f"no number in {text!r}")
    sign, digits, decimals, suffix = match.groups()
    scale = _SCALE.get(suffix or "", 1.0)
    value = float(digits) * scale * (-1 if sign == "-" else 1)
    half_unit = 0.5 * 10 ** -(len(decimals) if decimals else 0) * scale
    return value, half_unit


def tile_labels(kpis: pd.DataFrame) -> dict[str, str]:
    """kpi -> the label its Overview tile shows (the app's short label where it has one)."""
    from app import tiles  # the label words are the app's; only their mapping to kpis is borrowed

    short = tiles.KPI_SHORT
    return {row.kpi: short.get(row.kpi, row.label) for row in kpis.itertuples()}


def tiles_by_label(metrics: dict[str, str]) -> dict[str, str]:
    return {label.replace("⚠ low N", "").strip(): value for label, value in metrics.items()}


def close(shown: str, expected: float) -> bool:
    """Whether a tile's text is `expected` rounded to the precision it is shown with."""
    value, half_unit = read_number(shown)
    return abs(value - expected) <= half_unit * 1.0001 + 1e-9


def nums(values) -> list:
    """Floats with NaN/None as None, for comparing figure arrays with CSV columns."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            out.append(float(v))
    return out


def same_numbers(a, b, tol: float = 1e-6) -> bool:
    a, b = nums(a), nums(b)
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= tol)
        for x, y in zip(a, b)
    )


def day(value) -> str:
    """'2025-03-01' for a Plotly date string, a CSV date string or a date."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    return pd.Timestamp(str(value)).date().isoformat()


def trace(figure: dict, name: str) -> dict:
    found = [t for t in figure["traces"] if t["name"] == name]
    assert found, f"no trace {name!r} in {[t['name'] for t in figure['traces']]}"
    return found[0]


def heatmap_mismatches(figure: dict, csv: pd.DataFrame, grain: str = "month") -> list[str]:
    """Differences between the retention heatmap's cells and its CSV (one row per drawn cell)."""
    from charts import period_label

    cohort_col = f"cohort_{grain}_start"
    problems = []
    csv = csv.assign(_cohort=csv[cohort_col].map(day))
    cohorts = sorted(csv["_cohort"].unique())
    drawn = 0
    for t in figure["traces"]:
        if t.get("type") != "heatmap":  # the invisible layer of hover/click squares
            continue
        complete = t["name"] == "complete"
        part = csv[csv["is_complete"] == complete]
        labels = [str(y).split(" · ")[0] for y in t["y"]]
        expected_labels = [period_label(c, grain) for c in cohorts]
        if labels != expected_labels:
            problems.append(f"{t['name']}: row labels {labels[:3]}… differ from the CSV cohorts "
                            f"{expected_labels[:3]}…")
            continue
        ages = [int(a) for a in t["x"]]
        for i, cohort in enumerate(cohorts):
            row = part[part["_cohort"] == cohort].set_index("age")["retention_pct"]
            for j, age in enumerate(ages):
                z = t["z"][i][j]
                if z is None or math.isnan(float(z)):  # decoded typed arrays hold NaN
                    if age in row.index and not pd.isna(row[age]):
                        problems.append(f"{cohort} age {age}: in CSV ({row[age]}) but not drawn")
                    continue
                drawn += 1
                if age not in row.index or abs(float(row[age]) - float(z)) > 1e-6:
                    problems.append(f"{cohort} age {age}: drawn {z}, CSV {row.get(age)}")
    if drawn != len(csv):
        problems.append(f"{drawn} cells drawn, {len(csv)} rows in the CSV")
    return problems[:10]


def _values(v) -> list:
    if isinstance(v, list):
        return [y for item in v for y in _values(item)]
    return [v]


def plotted_numbers_missing_from_csv(figure: dict, csv: pd.DataFrame) -> list[str]:
    """Numbers drawn by a chart (y of vertical traces, x of horizontal bars, z of heatmaps) that
    no cell of its CSV holds, as a fraction or as a percentage (x100). Reference markers drawn
    from constants, not data, are skipped (traces named "Published research")."""
    cells = []
    for col in csv.columns:
        numeric = pd.to_numeric(csv[col], errors="coerce").dropna()
        cells += [float(v) for v in numeric]
    known = sorted(set(cells) | {c * 100 for c in cells})
    import bisect

    def found(v: float) -> bool:
        i = bisect.bisect_left(known, v - 1e-6)
        return i < len(known) and abs(known[i] - v) <= 1e-6 * max(1.0, abs(v))

    missing = []
    for t in figure["traces"]:
        if t.get("name") == "Published research" or t.get("visible") is False:
            continue
        key = "z" if t["type"] == "heatmap" else ("x" if t.get("orientation") == "h" else "y")
        for v in _values(t.get(key)):
            if v is None or isinstance(v, str) or (isinstance(v, float) and math.isnan(v)):
                continue
            if not found(float(v)):
                missing.append(f"{t['name']!r} {key}={v}")
    return missing
