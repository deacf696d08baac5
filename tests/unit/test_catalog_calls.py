"""A catalogue section's call run as the catalogue writes it (views.compare.ask): the pages
(ui.ask) and the board pack (report/sections._ask) both run their sections' calls through it,
so what they ask is exactly the catalogue's default view with the view's own values in place."""

from __future__ import annotations

import pandas as pd

from queries import Filters
from views import catalog
from views.compare import ask
from views.section import EACH, FirstOf, Section

SECTION = Section("test.reasons", "churn reasons", calls=(
    ("churn_reasons", {"grain": "month"}),
    ("churn_reasons", {"grain": "month"}, {"segments": EACH}),
    ("nps", {"grain": "quarter"}),
    ("raw_reasons", {"category": FirstOf("churn_reasons", "customers_lost")}),
))
# What the data has, per dimension.
IN_DATA = {"segment": ["SMB", "Enterprise"], "plan": ["Basic", "Growth", "Pro"]}


class Recorder:
    """A stand-in for the metrics API: records each call and answers one row whose value is the
    length of the segment or plan it was filtered to (0 when none)."""

    def __init__(self):
        self.calls: list[tuple] = []

    def __call__(self, name: str, f: Filters, **arguments):
        self.calls.append((name, f.segments, f.plans, arguments))
        picked = (f.segments or f.plans or ("",))[0]
        return pd.DataFrame({"customers_lost": [len(picked)]})


def test_a_call_runs_with_the_catalogue_arguments_and_the_view_s_in_their_place():
    run = Recorder()
    ask(run, SECTION, Filters(), IN_DATA.get)
    ask(run, SECTION, Filters(), IN_DATA.get, 0, grain="week")  # the view's grain wins
    ask(run, SECTION, Filters(), IN_DATA.get, "nps")  # by function name: the first nps call
    assert run.calls == [("churn_reasons", (), (), {"grain": "month"}),
                         ("churn_reasons", (), (), {"grain": "week"}),
                         ("nps", (), (), {"grain": "quarter"})]


def test_an_argument_read_off_another_call_is_its_first_row_unless_the_view_picks_one():
    run = Recorder()
    ask(run, SECTION, Filters(segments=("Enterprise",)), IN_DATA.get, "raw_reasons")
    # churn_reasons filtered to Enterprise answers customers_lost 10 ("Enterprise" has 10
    # letters): raw_reasons is asked for that value.
    assert run.calls[-1] == ("raw_reasons", ("Enterprise",), (), {"category": 10})
    ask(run, SECTION, Filters(), IN_DATA.get, "raw_reasons", category="Other")
    assert run.calls[-1] == ("raw_reasons", (), (), {"category": "Other"})
    assert [c[0] for c in run.calls] == ["churn_reasons", "raw_reasons", "raw_reasons"]


def test_a_compare_call_runs_once_per_value_the_data_has_stacked_by_group():
    run = Recorder()
    got = ask(run, SECTION, Filters(), IN_DATA.get, 1)
    # One run per segment of the data, each filtered to it: "SMB" has 3 letters,
    # "Enterprise" 10.
    assert [(c[0], c[1]) for c in run.calls] == [("churn_reasons", ("SMB",)),
                                                 ("churn_reasons", ("Enterprise",))]
    assert got.to_dict("list") == {"customers_lost": [3, 10], "group": ["SMB", "Enterprise"]}


def test_a_compare_call_keeps_to_the_values_the_filters_pick_or_the_dimension_picked():
    run = Recorder()
    got = ask(run, SECTION, Filters(segments=("Enterprise",)), IN_DATA.get, 1)
    assert got.to_dict("list") == {"customers_lost": [10], "group": ["Enterprise"]}
    # The Cohorts page's compare picker: by plan instead of the catalogue's segments, with the
    # view's grain: Basic 5, Growth 6, Pro 3 letters.
    got = ask(run, SECTION, Filters(), IN_DATA.get, 1, each="plan", grain="quarter")
    assert got.to_dict("list") == {"customers_lost": [5, 6, 3],
                                   "group": ["Basic", "Growth", "Pro"]}
    assert {c[3]["grain"] for c in run.calls[1:]} == {"quarter"}


def test_a_section_s_chart_name_and_empty_state_come_from_the_catalogue():
    trend = catalog.ITEMS["churn.trend"]
    assert trend.chart(grain="quarter") == "churn_by_reason_per_quarter"
    from datetime import date
    assert (catalog.ITEMS["support_x.early"].says(date(2024, 6, 30))
            == "No customer is 90 days past signup by 30 Jun 2024 yet.")


def test_every_catalogue_call_names_a_metrics_function():
    import queries

    names = {c[0] for page in catalog.PAGES for s in page.sections for c in s.calls}
    assert {n for n in names if not callable(getattr(queries, n, None))} == set()
