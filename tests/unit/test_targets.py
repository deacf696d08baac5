"""Targets: the one that applies to a view, and the words a tile shows against it."""

from __future__ import annotations

import pandas as pd
import pytest

from views.targets import Target, for_view, from_rows, verdict

CHURN = Target("churn_rate_pct", "at_most", 3.0)
CHURN_GROWTH = Target("churn_rate_pct", "at_most", 2.0, plan="Growth")
CHURN_GROWTH_SMB = Target("churn_rate_pct", "at_most", 1.5, plan="Growth", segment="SMB")
NPS = Target("nps", "at_least", 30)
CSAT = Target("csat_pct", "at_least", 85)
FRT_URGENT = Target("frt_median_h", "at_most", 1, priority="urgent")
FRT = Target("frt_median_h", "at_most", 4)
ALL = [CHURN, CHURN_GROWTH, CHURN_GROWTH_SMB, NPS, CSAT, FRT_URGENT, FRT]


@pytest.mark.parametrize("plans, segments, expected", [
    ((), (), CHURN),                             # every plan: the plain target
    (("Growth",), (), CHURN_GROWTH),             # exactly Growth: its own target
    (("Growth",), ("SMB",), CHURN_GROWTH_SMB),   # Growth and SMB: the most specific
    (("Growth",), ("Enterprise",), CHURN_GROWTH),  # no Growth x Enterprise target: Growth's
    (("Growth", "Starter"), (), CHURN),          # two plans: a plan's target does not apply
    (("Starter",), ("SMB",), CHURN),
])
def test_the_most_specific_target_of_the_view_applies(plans, segments, expected):
    assert for_view(ALL, "churn_rate_pct", plans, segments) == expected


def test_support_targets_are_per_priority():
    assert for_view(ALL, "frt_median_h", priority="urgent") == FRT_URGENT
    assert for_view(ALL, "frt_median_h") == FRT
    assert for_view(ALL, "frt_median_h", priority="low") is None
    assert for_view(ALL, "mrr") is None


@pytest.mark.parametrize("value, target, expected", [
    (3.4, CHURN, "off by 0.4 pts"),      # 3.4% against <= 3%: 0.4 points too high
    (3.0, CHURN, "on target"),           # exactly on the line counts as met
    (2.1, CHURN, "on target"),
    (3.04, CHURN, "off by < 0.1 pts"),   # shown as 3.0% on the tile: too small to write as 0.0
    (22, NPS, "off by 8 pts"),           # NPS 22 against >= 30
    (31, NPS, "on target"),
    (84.2, CSAT, "off by 0.8 pts"),      # 84.2% against >= 85%
    (5.3, FRT, "off by 1.3 h"),          # 5.3 h against <= 4 h
    (None, CHURN, None),
    (float("nan"), CHURN, None),
    (3.4, None, None),
])
def test_verdict_says_on_target_or_by_how_much_it_is_off(value, target, expected):
    assert verdict(value, target) == expected


def test_labels_and_rows():
    assert CHURN.label() == "target ≤ 3.0%"
    assert NPS.label() == "target ≥ 30"
    assert CHURN_GROWTH_SMB.label() == "target ≤ 1.5% (Growth, SMB)"
    assert FRT_URGENT.label() == "target ≤ 1.0 h (urgent)"
    rows = pd.DataFrame([{"kpi": "nps", "plan": "", "segment": "", "priority": "",
                          "direction": "at_least", "value": 30, "updated_at": "",
                          "updated_by": "x"}])
    assert from_rows(rows) == [NPS]


def test_priorities_are_ordered_most_urgent_first_whatever_the_help_desk_calls_them():
    from app.priorities import ordered_priorities

    # RavenStack's export: alphabetical would put "low" before "medium".
    assert ordered_priorities(["high", "low", "medium", "urgent"]) == [
        "urgent", "high", "medium", "low"]
    # Zendesk's words, Jira's, and P-levels; unknown words and 'Unknown' after, alphabetically.
    assert ordered_priorities(["Normal", "Low", "Urgent", "High"]) == [
        "Urgent", "High", "Normal", "Low"]
    assert ordered_priorities(["Lowest", "Medium", "Critical", "Highest"]) == [
        "Critical", "Highest", "Medium", "Lowest"]
    assert ordered_priorities(["P3", "Unknown", "P1", "someday", "P2"]) == [
        "P1", "P2", "P3", "Unknown", "someday"]
