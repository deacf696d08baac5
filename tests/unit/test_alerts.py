"""Alert rules: each bad rule names the file, the rule, the field and what is expected; a rule is
checked on the latest complete month of its filters; what was sent is not sent again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outputs.alerts import RuleError, check, load_rules
from outputs.alerts.__main__ import message, view_link
from queries import Filters
from tests.unit.fixtures import make_db
from tests.unit.test_cohorts import CUSTOMERS

# The cohort fixture's snapshot is as of 1 May 2024 (d's churn date, its latest date), so its
# latest complete month is April 2024, and the month before it March.
OPTIONS = {"plan": ["Growth", "Starter", "Unknown"], "segment": ["Unknown"]}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("alerts"), CUSTOMERS)


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


GOOD = """
[[rule]]
name = "Fewer than 5 active"
kpi = "active_customers"
below = 5

[[rule]]
name = "Churn above 40%"
kpi = "churn_rate_pct"
above = 40

[[rule]]
name = "Growth shrinking"
kpi = "active_customers"
below = 3
filters = "plan=Growth"
"""


def test_rules_are_checked_on_the_latest_complete_month(con, tmp_path):
    results = check(con, load_rules(rules_file(tmp_path, GOOD), OPTIONS))
    by_name = {r.rule.name: r for r in results}
    assert {r.period for r in results} == {date(2024, 4, 1)}
    # Active at the end of April: d (churns 1 May), e, f, g = 4, below 5: breached.
    assert by_name["Fewer than 5 active"].value == 4 and by_name["Fewer than 5 active"].is_breached
    # Churn in April: of d, e, f (active on 31 March) none churned in April: 0%, not above 40.
    churn = by_name["Churn above 40%"]
    assert churn.value == 0 and not churn.is_breached
    assert churn.line() == "Churn above 40%: Churn rate 0.0% (above 40.0%) in Apr 2024, all customers"
    # Growth: d and e active at the end of April = 2, below 3: breached.
    growth = by_name["Growth shrinking"]
    assert growth.value == 2 and growth.is_breached
    assert growth.rule.filters == Filters(plans=("Growth",))
    assert growth.line() == ("Growth shrinking: Active customers 2 (below 3) in Apr 2024, "
                             "plan=Growth")


def test_the_message_and_the_link_carry_the_numbers_and_the_view(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_BASE_URL", "https://retention.example.com/")
    results = check(con, load_rules(rules_file(tmp_path, GOOD), OPTIONS))
    breached = [(r, view_link(r, "20260101T000000-000000ab")) for r in results if r.is_breached]
    subject, text = message(breached)
    assert subject == "Retention alert: 2 rules breached (Apr 2024)"
    assert "- Fewer than 5 active: Active customers 4 (below 5) in Apr 2024, all customers\n" \
           "  https://retention.example.com/?snapshot=20260101T000000-000000ab" in text
    assert "https://retention.example.com/?plan=Growth&snapshot=20260101T000000-000000ab" in text


@pytest.mark.parametrize("text, expected", [
    ('[[rule]]\nname = "A"\nkpi = "churn"\nabove = 3',
     "rule 1 'A': field 'kpi': expected one of active_customers, churn_rate_pct, crr_pct, mrr, "
     "nrr_pct, csat_pct, frt_median_h, nps, clv, churn_share_pct, got 'churn'"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = "30"',
     "rule 1 'A': field 'above': expected a number, got '30'"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\nbelow = 1',
     "rule 1 'A': field 'above': expected exactly one of 'above' or 'below'"),
    ('[[rule]]\nkpi = "nps"\nabove = 3',
     "rule 1: field 'name': expected a non-empty text"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\nfilters = "plan=Growht"',
     "rule 1 'A': field 'filters': expected a plan the data has (Growth, Starter, Unknown), "
     "got 'Growht'"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\nfilters = "colour=red"',
     "rule 1 'A': field 'filters': expected link parameters among plan, segment"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\nfilters = "signup_from=2024-13-01"',
     "rule 1 'A': field 'filters': filters signup_from: expected YYYY-MM-DD, got '2024-13-01'"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\nthreshold = 1',
     "rule 1 'A': field 'threshold': expected no such field"),
    ('[[rule]]\nname = "A"\nkpi = "nps"\nabove = 3\n[[rule]]\nname = "A"\nkpi = "nps"\nbelow = 1',
     "rule 2 'A': field 'name': expected a name no other rule has"),
    ('[rules]\nname = "A"', "unknown table 'rules': expected only [[rule]] entries"),
    ('[[rule]\nname = "A"', "not valid TOML"),
])
def test_a_bad_rule_names_file_rule_field_and_what_is_expected(tmp_path, text, expected):
    path = rules_file(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_rules(path, OPTIONS)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)
