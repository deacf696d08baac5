"""Alert rules on the latest complete month: read a rules file, check each rule against the Overview
tile it names, and word what was breached. The command line (`python -m outputs.alerts`) sends it.

    [[rule]]
    name = "Churn above 3%"
    kpi = "churn_rate_pct"      # a tile KPI (queries.overview.TILE_KPIS)
    above = 3.0                 # or below = ...
    filters = "plan=Growth"     # optional, link syntax: the dashboard URL's parameters

No Streamlit here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

import pandas as pd

import queries
from data import capabilities
from views import needs
from views.filter_params import CLI_DATES, FIELDS, parse_filters
from words.formatting import format_value
from queries import Filters
from queries.overview import TILE_KPIS

FIELDS_ALLOWED = ("name", "kpi", "above", "below", "filters")
# The tiles, and the churn share of data whose churned customers have no churn date (its
# Overview's tile in place of the monthly churn rate).
ALERT_KPIS = (*TILE_KPIS, "churn_share_pct")
LINK_KEYS = (*FIELDS, *CLI_DATES)


class RuleError(ValueError):
    """A rules file that cannot be used: the message names the file, the rule, the field and what
    is expected there."""


@dataclass(frozen=True)
class Rule:
    name: str
    kpi: str
    direction: str  # "above" or "below"
    threshold: float
    filters_text: str
    filters: Filters

    def is_breached(self, value: float) -> bool:
        return value > self.threshold if self.direction == "above" else value < self.threshold

    def link_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.filters_text)


@dataclass(frozen=True)
class Result:
    rule: Rule
    period: date | None
    value: float | None
    label: str
    unit: str
    why_not: str = ""  # why there is no value, when the data's shape has none to give

    @property
    def is_breached(self) -> bool:
        return self.value is not None and self.rule.is_breached(self.value)

    def line(self) -> str:
        """'Churn above 3%: Churn rate 3.4% (above 3.0%) in Oct 2026, plan=Growth'."""
        where = f", {self.rule.filters_text}" if self.rule.filters_text else ", all customers"
        if self.value is None:
            return (f"{self.rule.name}: no {self.label} for {where[2:]} "
                    f"({self.why_not or 'not enough data'})")
        if self.rule.kpi == "churn_share_pct":  # one moment, not a month
            return (f"{self.rule.name}: {self.label} {format_value(self.value, self.unit)} "
                    f"({self.rule.direction} {format_value(self.rule.threshold, self.unit)}) "
                    f"as of {self.period:%d %b %Y}{where}")
        month = f"{self.period:%b %Y}"
        return (f"{self.rule.name}: {self.label} {format_value(self.value, self.unit)} "
                f"({self.rule.direction} {format_value(self.rule.threshold, self.unit)}) "
                f"in {month}{where}")


def load_rules(path: Path, options: dict[str, list] | None = None) -> list[Rule]:
    """The rules of a TOML file, each checked; `options` (filter key -> values in the data) lets
    a filter value the data does not have be reported instead of silently matching no one."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
    except OSError as exc:
        raise RuleError(f"{path}: cannot read the rules file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML ({exc})") from None
    extra = sorted(set(config) - {"rule"})
    if extra:
        raise RuleError(f"{path}: unknown table {extra[0]!r}: expected only [[rule]] entries")
    entries = config.get("rule", [])
    if not isinstance(entries, list) or not entries:
        raise RuleError(f"{path}: no rules: expected one or more [[rule]] entries")
    rules, names = [], set()
    for i, entry in enumerate(entries, start=1):
        rule = _rule(path, i, entry, options)
        if rule.name in names:
            raise RuleError(f"{path}: rule {i} {rule.name!r}: field 'name': expected a name no "
                            "other rule has (sent alerts are remembered by it)")
        names.add(rule.name)
        rules.append(rule)
    return rules


def _rule(path: Path, i: int, entry: dict, options: dict[str, list] | None) -> Rule:
    name = entry.get("name")
    where = f"{path}: rule {i}" + (f" {name!r}" if isinstance(name, str) and name.strip() else "")

    def bad(field: str, expected: str, found=None) -> RuleError:
        got = "" if found is None else f", got {found!r}"
        return RuleError(f"{where}: field {field!r}: expected {expected}{got}")

    for key in entry:
        if key not in FIELDS_ALLOWED:
            raise bad(key, f"no such field (a rule has {', '.join(FIELDS_ALLOWED)})")
    if not isinstance(name, str) or not name.strip():
        raise bad("name", "a non-empty text", name)
    kpi = entry.get("kpi")
    if kpi not in ALERT_KPIS:
        raise bad("kpi", f"one of {', '.join(ALERT_KPIS)}", kpi)
    given = [d for d in ("above", "below") if d in entry]
    if len(given) != 1:
        raise bad("above", "exactly one of 'above' or 'below'")
    threshold = entry[given[0]]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise bad(given[0], "a number", threshold)
    text = entry.get("filters", "")
    if not isinstance(text, str):
        raise bad("filters", "link parameters as text, such as \"plan=Growth&segment=SMB\"", text)
    pairs = parse_qsl(text.strip().lstrip("?"), keep_blank_values=True)
    for key, value in pairs:
        if key not in LINK_KEYS:
            raise bad("filters", f"link parameters among {', '.join(LINK_KEYS)}", key)
        known = (options or {}).get(key)
        if known is not None and value not in {str(v) for v in known}:
            listed = ", ".join(map(str, known[:12])) + (" ..." if len(known) > 12 else "")
            raise bad("filters", f"a {key} the data has ({listed})", value)
    try:
        f, _, _ = parse_filters([f"{k}={v}" for k, v in pairs], what="filters")
    except ValueError as exc:
        raise RuleError(f"{where}: field 'filters': {exc}") from None
    return Rule(name.strip(), kpi, given[0], float(threshold), text.strip().lstrip("?"), f)


def check(con, rules: list[Rule]) -> list[Result]:
    """Each rule against its tile for the latest complete month (one tile query per filter set)."""
    tiles: dict[Filters, pd.DataFrame] = {}
    results = []
    caps = capabilities.read(con)
    for rule in rules:
        shaped = _by_shape(con, caps, rule)
        if shaped is not None:
            results.append(shaped)
            continue
        if rule.filters not in tiles:
            tiles[rule.filters] = queries.kpi_summary(con, rule.filters).set_index("kpi")
        found = tiles[rule.filters]
        if rule.kpi not in found.index:
            results.append(Result(rule, None, None, rule.kpi, ""))
            continue
        row = found.loc[rule.kpi]
        period = pd.Timestamp(row["period"]).date()
        value = None if row["value"] is None or pd.isna(row["value"]) else float(row["value"])
        results.append(Result(rule, period, value, str(row["label"]), str(row["unit"])))
    return results


def _by_shape(con, caps, rule: Rule) -> Result | None:
    """The result of a rule the shape of churn decides (data/capabilities.py churn_shape): the
    churn share as of the as-of date; or no value, and why, for a monthly tile the data cannot
    give (a monthly churn rate of churned customers without churn dates). None: a tile as usual."""
    if rule.kpi == "churn_share_pct":
        if not needs.shows(caps, "overview.tile.churn_share"):
            return Result(rule, None, None, "churn share", "%",
                          "the churned customers of this data have churn dates: see the churn "
                          "rate")
        f = rule.filters.resolve(con)
        share = queries.churn_share(con, f)
        value = float(share["churn_share_pct"].iloc[0]) if not share.empty else None
        return Result(rule, f.as_of, value, "Churn share", "%")
    key = f"overview.tile.{rule.kpi}"
    missing = needs.missing(caps, key)
    if missing is not None and missing.kind == "dated":
        return Result(rule, None, None, needs.ITEMS[key].label, "",
                      "the churned customers of this data have no churn date, so there is no "
                      "monthly value: use kpi = \"churn_share_pct\"")
    return None
