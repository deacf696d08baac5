"""Generated sentences on small frames shaped like the metrics API's: the numbers in the words
are the numbers handed in, and the wording follows the direction and reliability of each."""

from __future__ import annotations

from datetime import date

import pandas as pd

from words import narrative


from words import data_notes
OCT, SEP = date(2026, 10, 1), date(2026, 9, 1)


def kpis(rows: dict) -> pd.DataFrame:
    """{kpi: (value, previous, n, is_reliable)} -> a kpi_summary-shaped frame for October."""
    return pd.DataFrame([
        {"kpi": k, "value": v, "previous": p, "n": n, "is_reliable": r,
         "period": OCT, "previous_period": SEP}
        for k, (v, p, n, r) in rows.items()
    ])


def reasons(lost: dict) -> pd.DataFrame:
    """{(period, category): customers_lost} -> a churn_reasons(grain='month')-shaped frame."""
    return pd.DataFrame([{"period": p, "category": c, "customers_lost": n}
                         for (p, c), n in lost.items()])


def monthly(rates: dict) -> pd.DataFrame:
    """{month start: churn_rate_pct} -> a period_movements(grain='month')-shaped frame."""
    return pd.DataFrame([{"period": p, "churn_rate_pct": r, "is_complete": True}
                         for p, r in rates.items()])


# 2025's twelve months: 4.0% in January to February, 3.0% from March on except December's 5.0%.
# Mean = (2 x 4.0 + 9 x 3.0 + 5.0) / 12 = 40 / 12 = 3.33...
YEAR_2025 = {date(2025, m, 1): 4.0 if m <= 2 else 5.0 if m == 12 else 3.0 for m in range(1, 13)}


def test_churn_rise_is_set_against_last_years_average_and_names_what_moved():
    by_month = reasons({(SEP, "Price"): 10, (OCT, "Price"): 41,
                        (SEP, "Competitor"): 12, (OCT, "Competitor"): 9})
    by_segment = pd.concat([
        reasons({(SEP, "Price"): 4, (OCT, "Price"): 16}).assign(group="SMB"),
        reasons({(SEP, "Price"): 6, (OCT, "Price"): 25}).assign(group="Mid-market"),
    ])
    # 2026 months are not part of the 2025 average; an incomplete 2025 month would not be either
    history = monthly({**YEAR_2025, SEP: 2.1, OCT: 2.8})
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (2.8, 2.1, 1500, True)}), by_month, by_segment, history=history)
    assert text == [
        # rose (2.1 -> 2.8) yet below the year's 3.33: "still below"
        "Churn rose to 2.8% in October 2026 from 2.1% in September, still below the 2025 "
        "monthly average of 3.3%. It counts the customers who left in the month as a share of "
        "the 1,500 customers active at its start.",
        # Price 10 -> 41 (+31), Competitor 12 -> 9 (-3); in Price, SMB +12, Mid-market +19
        "Customers lost with a Price reason rose most: 41 in October 2026 against 10 in "
        "September (+31), 19 of the 31 more in Mid-market.",
    ]


def test_a_segment_that_moved_more_than_its_category_says_how_the_rest_add_up():
    by_month = reasons({(SEP, "Competitor"): 18, (OCT, "Competitor"): 31})  # +13
    by_segment = pd.concat([
        reasons({(SEP, "Competitor"): 4, (OCT, "Competitor"): 20}).assign(group="SMB"),  # +16
        reasons({(SEP, "Competitor"): 14, (OCT, "Competitor"): 11}).assign(group="Mid-market"),
    ])
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (4.0, 3.5, 900, True)}), by_month, by_segment,
        history=monthly(YEAR_2025))
    assert text == [
        # rose to 4.0 above 3.33: no "still"
        "Churn rose to 4.0% in October 2026 from 3.5% in September, above the 2025 monthly "
        "average of 3.3%. It counts the customers who left in the month as a share of the 900 "
        "customers active at its start.",
        # +13 = +16 in SMB and -3 elsewhere
        "Customers lost with a Competitor reason rose most: 31 in October 2026 against 18 in "
        "September (+13): 16 more in SMB, 3 fewer in the other segments.",
    ]


def test_churn_fall_names_the_biggest_drop_and_small_n_is_flagged():
    by_month = reasons({(SEP, "Price"): 5, (OCT, "Price"): 6,
                        (SEP, "Competitor"): 9, (OCT, "Competitor"): 2})
    # only March to May 2025 in the history: the average says which months it covers
    history = monthly({date(2025, 3, 1): 2.0, date(2025, 4, 1): 0.5, date(2025, 5, 1): 0.5})
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (1.0, 3.0, 20, False)}), by_month, None, min_n=30,
        history=history)
    assert text == [
        # fell (3.0 -> 1.0) to the average (2.0 + 0.5 + 0.5) / 3 = 1.0 of the three months
        "Churn fell to 1.0% in October 2026 from 3.0% in September, level with the 2025 "
        "monthly average of 1.0% (Mar–May). It counts the customers who left in the month as a "
        "share of the 20 customers active at its start.",
        # Competitor 9 -> 2 (-7) fell most; Price rose
        "Customers lost with a Competitor reason fell most: 2 in October 2026 against 9 in "
        "September (-7).",
        "That rate rests on fewer than 30 customers: read it with care.",
    ]


def test_churn_without_history_and_held_steady():
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (2.52, 2.49, 1, True)}), None, None)
    # 2.52 - 2.49 = 0.03 < 0.05: held steady; one customer at the start, not "customers"
    assert text == ["Churn held steady at 2.5% in October 2026 (from 2.5% in September). It "
                    "counts the customers who left in the month as a share of the 1 customer "
                    "active at its start."]


def test_customers_mrr_nrr_and_support_sentences():
    text = narrative.overview_summary(kpis({
        "active_customers": (10_250, 10_000, 10_000, True),
        "mrr": (95_000.0, 100_000.0, 10_000, True),
        "nrr_pct": (97.5, 98.0, 9_000, True),
        "csat_pct": (81.0, 84.0, 640, True),
        "frt_median_h": (1.25, 1.5, 3_000, True),
    }), None, None)
    assert text == [
        "Active customers grew by 250 to 10,250; MRR fell 5.0% to $95,000.",
        "Net revenue retention was 97.5% (customers at the start of the month spent less by "
        "its end).",
        "CSAT fell to 81.0% (from 84.0%, 640 ratings); the median first response took 1.2 h "
        "(from 1.5 h).",
    ]


def test_no_kpis_no_sentences():
    assert narrative.overview_summary(pd.DataFrame(), None, None) == []


def test_top_categories_sentence_sums_the_top_three():
    frame = pd.DataFrame({"category": ["Price", "Competitor", "Low usage", "Other"],
                          "customers_lost": [50, 30, 15, 5],
                          "share_pct": [50.0, 30.0, 15.0, 5.0]})
    assert narrative.top_categories_sentence(frame) == (
        "Price (50%), Competitor (30%) and Low usage (15%) account for 95% of the 100 "
        "customers lost.")


def test_cell_summary_counts_and_marks_an_incomplete_cell():
    members = pd.DataFrame({"is_retained": [True, True, False, True],
                            "has_reached_age": [True, True, True, False]})
    assert narrative.cell_summary(members, "Jan 2024", 3, "month") == (
        "3 of 4 customers who signed up in Jan 2024 were retained at month 3 (75.0%). Only 3 of "
        "them have reached that age so far: this cell is incomplete.")


def test_cell_summary_on_the_activity_basis_counts_who_came_back():
    members = pd.DataFrame({"is_retained": [True] * 4, "has_reached_age": [True] * 4,
                            "came_back": [True, False, False, False],
                            "came_back_later": [True, True, False, False]})
    assert narrative.cell_summary(members, "Jan 2024", 3, "month", "came_back") == (
        "1 of 4 customers who signed up in Jan 2024 came back in month 3 (25.0%).")
    assert narrative.cell_summary(members, "Jan 2024", 3, "month", "came_back_later") == (
        "2 of 4 customers who signed up in Jan 2024 came back in or after month 3 (50.0%).")


def test_survival_reading_states_gap_n_p_value_and_caveats():
    at_year = pd.DataFrame({"group": ["All within target", "Any breach", "No tickets"],
                            "survival": [0.72, 0.58, 0.65], "customers": [7615, 7141, 25],
                            "is_reliable": [True, True, False]})
    text = narrative.survival_reading(at_year, 2.8e-85, "first-response target", 2722)
    assert text == (
        "After one year, 72% of customers in “All within target” were still active "
        "(N = 7,615) against 58% in “Any breach” (N = 7,141), a gap of 14 points, split by "
        "first-response target. The log-rank test says a difference this large is unlikely to "
        "be chance (p = 2.8e-85). Fewer than 30 customers are still observed at one year in: "
        "No tickets. 2,722 customers younger than 90 days are left out. This is an "
        "association, not proof that support caused the difference.")
    weak = narrative.survival_reading(at_year.iloc[:2], 0.3, "tickets", 0)
    assert "The difference may well be chance (log-rank p = 0.3)." in weak


def _other(rows):
    return pd.DataFrame(rows, columns=["reason", "customers_lost", "status"])


def test_other_warning_tells_no_reason_from_unmapped():
    # 97 lost, all in Other: 23 gave no reason, 40 + 34 = 74 gave one of 2 unmapped texts.
    other = _other([("(no reason given)", 23, "no reason"), ("pricing", 40, "unmapped"),
                    ("features", 34, "unmapped")])
    assert data_notes.other_warning(100.0, 97, other, 15) == (
        "100% of lost customers are in Other (more than 15%): 74 of 97 gave a reason the mapping "
        "does not list (2 distinct texts: map them on the Reason mapping page so they reach the "
        "team that owns them); 23 of 97 gave no reason (no mapping can place them; ask for one "
        "when customers cancel).")


def test_other_warning_names_only_what_is_there_and_nothing_below_the_threshold():
    # 5 of 20 gave no reason and nobody an unmapped one: 25% in Other.
    only_none = _other([("(no reason given)", 5, "no reason")])
    assert data_notes.other_warning(25.0, 20, only_none, 15) == (
        "25% of lost customers are in Other (more than 15%): 5 of 20 gave no reason (no mapping "
        "can place them; ask for one when customers cancel).")
    one_text = _other([("budget", 4, "unmapped")])
    assert data_notes.other_warning(20.0, 20, one_text, 15).startswith(
        "20% of lost customers are in Other (more than 15%): 4 of 20 gave a reason the mapping "
        "does not list (1 distinct text:")
    assert data_notes.other_warning(15.0, 20, one_text, 15) is None


QUALITY = {"customers": 40, "customers_without_tickets": 10, "tickets_after_as_of": 0,
           "tickets_before_signup": 3, "customers_without_mrr": 0, "churned_unmapped_reason": 2,
           "unmapped_reasons": 1, "churned_without_reason": 1}


def test_quality_notes_count_what_each_check_found():
    reasons = pd.DataFrame({"category": ["Price", "Other"], "share_pct": [80.0, 20.0]})
    # two months: 10 tickets of which 8 answered, 5 of which 5 answered -> 2 without a response
    support = pd.DataFrame({"tickets": [10, 5], "frt_n": [8, 5]})
    said = data_notes.quality_notes(QUALITY, reasons, 6, support, other_warning_pct=15)
    assert said == [
        # 20% in Other is over the 15% threshold: a warning
        ("warning", "Churn reasons in Other: 20.0% of lost customers — 2 with a reason the "
                    "mapping does not list (1 distinct text; add them to the reason mapping) "
                    "and 1 with no reason given."),
        # 10 of 40 customers = 25.0%
        ("info", "10 of 40 customers (25.0%) have no support ticket by the as-of date: they count "
                 "in the 0-tickets group and in no support KPI."),
        ("info", "6 customers are younger than 90 days and left out of the early-support "
                 "groupings."),
        ("info", "2 tickets had no first response by the as-of date; left out of "
                 "first-response times."),
        # every table's events before the signup, in one note
        ("warning", "Dated before their customer's signup date: 3 tickets. They count in no "
                    "per-customer number (early support, activity retention, the 90 days before "
                    "churn) but stay in the period totals; check the export's dates."),
    ]


def test_quality_notes_without_customers_or_tickets():
    assert data_notes.quality_notes({**QUALITY, "customers": 0}, None, None, None, 15) == [
        ("info", "No customers match these filters: nothing to check.")]
    empty = pd.DataFrame({"tickets": [], "frt_n": []})
    said = data_notes.quality_notes({**QUALITY, "tickets_before_signup": 0}, None, 0, empty, 15)
    assert said[-1] == ("warning", "No support tickets for these customers: the support pages "
                                    "have nothing to show.")


def test_quality_notes_leave_absent_files_to_the_missing_lines():
    # A snapshot without tickets or MRR history: the page's "What this data can show" names
    # both files, so no quality note counts customers without tickets or without MRR.
    quality = {**QUALITY, "customers_without_tickets": 40, "tickets_after_as_of": 0,
               "tickets_before_signup": 0, "customers_without_mrr": 40}
    said = data_notes.quality_notes(quality, None, 6, None, 15,
                                    absent=frozenset({"tickets", "mrr_history"}))
    assert said == []
    # with the tables present, the same counts are quality notes
    present = data_notes.quality_notes(quality, None, 6, None, 15)
    assert [text[:12] for _, text in present] == ["40 of 40 cus", "6 customers ", "40 customers"]
    # With an MRR history, a customer without rows pays nothing in it: NRR and the MRR tiles alike.
    assert present[-1] == ("warning", "40 customers have no MRR history: they are left out of NRR, "
                                      "GRR and early expansion, and count $0 in the MRR of every "
                                      "month.")


ASSUMED = {"churned_without_date": {"customers": 35, "date": "2024-12-31"},
           "signup_from_tenure": {"customers": 1, "date": "2024-12-31"}}


def test_assumption_lines_say_what_was_assumed_for_how_many_and_what_it_moves():
    assert data_notes.assumption_lines(ASSUMED, date(2024, 12, 31)) == [
        "The import counted 35 customers marked churned without a churn date as churned on "
        "31 Dec 2024 (its as-of date), so churn in December 2024 includes them.",
        "Signup dates of 1 customer were computed from their tenure in months, counted back "
        "from 31 Dec 2024: their cohorts are right to the month, not the day."]


def test_an_assumed_churn_date_after_the_view_moves_nothing_and_is_not_said():
    # Viewed as of 30 Nov 2024, the 35 are still active: no churn of theirs is in view.
    assert data_notes.assumption_lines(ASSUMED, date(2024, 11, 30)) == [
        "Signup dates of 1 customer were computed from their tenure in months, counted back "
        "from 31 Dec 2024: their cohorts are right to the month, not the day."]
    assert data_notes.assumption_lines({}, date(2024, 12, 31)) == []


# --- every template over odd data: no segment, only Other, one category, one customer ----------
def test_the_driver_says_nothing_about_segments_the_data_does_not_have():
    # No segment column: every customer is in "Unknown", so "all 841 more in Unknown" says nothing.
    by_month = reasons({(SEP, "Price"): 10, (OCT, "Price"): 851})
    by_segment = reasons({(SEP, "Price"): 10, (OCT, "Price"): 851}).assign(group="Unknown")
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (9.0, 1.0, 9_000, True)}), by_month, by_segment)
    assert text[1] == ("Customers lost with a Price reason rose most: 851 in October 2026 "
                       "against 10 in September (+841).")


def test_the_driver_names_customers_without_a_segment_among_real_segments():
    by_month = reasons({(SEP, "Price"): 10, (OCT, "Price"): 20})  # +10
    by_segment = pd.concat([
        reasons({(SEP, "Price"): 2, (OCT, "Price"): 10}).assign(group="Unknown"),  # +8
        reasons({(SEP, "Price"): 8, (OCT, "Price"): 10}).assign(group="SMB"),  # +2
    ])
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (3.0, 2.0, 900, True)}), by_month, by_segment)
    assert text[1].endswith("(+10), 8 of the 10 more in customers without a segment.")


def test_the_driver_with_only_other_and_with_a_vowel():
    # Every reason unmapped: Other is "no mapped reason", not "a Other reason".
    only_other = reasons({(SEP, "Other"): 4, (OCT, "Other"): 9})
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (3.0, 2.0, 900, True)}), only_other, None)
    assert text[1] == ("Customers lost with no mapped reason (Other) rose most: 9 in October "
                       "2026 against 4 in September (+5).")
    onboarding = reasons({(SEP, "Onboarding"): 9, (OCT, "Onboarding"): 4})
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (2.0, 3.0, 900, True)}), onboarding, None)
    assert text[1] == ("Customers lost with an Onboarding reason fell most: 4 in October 2026 "
                       "against 9 in September (-5).")


def test_active_customers_that_held_and_mrr_without_a_history():
    held = narrative.overview_summary(kpis({
        "active_customers": (390, 390, 390, True), "mrr": (1_000.0, 1_000.0, 390, True)}),
        None, None)
    assert held == ["Active customers held at 390; MRR held at $1,000."]
    # Without an MRR history the tile's MRR is today's MRR of the customers active then.
    frame = kpis({"active_customers": (390, 423, 390, True),
                  "mrr": (8_086_455.0, 8_628_526.0, 390, True)})
    frame["note"] = [None, "today's MRR of the customers active then, not what they paid"]
    # (8,086,455 - 8,628,526) / 8,628,526 = -6.28%
    assert narrative.overview_summary(frame, None, None) == [
        "Active customers shrank by 33 to 390; their MRR at today's rates fell 6.3% to "
        "$8,086,455 (the data has no MRR history: not what they paid then)."]
    # No MRR before (no change to state): the customers alone.
    frame = kpis({"active_customers": (2, 1, 2, False), "mrr": (50.0, None, 2, False)})
    assert narrative.overview_summary(frame, None, None) == ["Active customers grew by 1 to 2."]


def test_nrr_at_exactly_one_hundred_and_support_with_one_rating():
    text = narrative.overview_summary(kpis({
        "nrr_pct": (100.0, 99.0, 10, True), "csat_pct": (100.0, 100.0, 1, False)}), None, None)
    assert text == [
        "Net revenue retention was 100.0% (the customers at the start of the month spent as much "
        "at its end).",
        "CSAT held steady at 100.0% (from 100.0%, 1 rating)."]
    frt_only = narrative.overview_summary(kpis({"frt_median_h": (2.0, 3.0, 5, True)}), None, None)
    assert frt_only == ["The median first response took 2.0 h (from 3.0 h)."]


def test_top_categories_with_one_category_two_or_more_than_three():
    one = pd.DataFrame({"category": ["Low usage"], "customers_lost": [110],
                        "share_pct": [100.0]})
    assert narrative.top_categories_sentence(one) == "All 110 customers lost are in Low usage."
    lone = pd.DataFrame({"category": ["Other"], "customers_lost": [1], "share_pct": [100.0]})
    assert narrative.top_categories_sentence(lone) == "The 1 customer lost is in Other."
    two = pd.DataFrame({"category": ["Price", "Other", "Support"], "customers_lost": [3, 1, 0],
                        "share_pct": [75.0, 25.0, 0.0]})
    # a category nobody left for is not listed
    assert narrative.top_categories_sentence(two) == (
        "Price (75%) and Other (25%): all 4 customers lost.")
    none = pd.DataFrame({"category": ["Price"], "customers_lost": [0], "share_pct": [0.0]})
    assert narrative.top_categories_sentence(none) == ""


def test_a_one_customer_cell():
    members = pd.DataFrame({"is_retained": [False], "has_reached_age": [True]})
    assert narrative.cell_summary(members, "Mar 2024", 1, "month") == (
        "0 of 1 customer who signed up in Mar 2024 was retained at month 1 (0.0%).")
    young = pd.DataFrame({"is_retained": [True, True], "has_reached_age": [True, False]})
    assert narrative.cell_summary(young, "Apr 2024", 2, "month").endswith(
        "Only 1 of them has reached that age so far: this cell is incomplete.")


def test_survival_reading_of_one_group_or_none_at_one_year():
    one = pd.DataFrame({"group": ["0 tickets"], "survival": [0.8], "customers": [100],
                        "is_reliable": [True]})
    # one group: nothing to set it against, no "split by"
    assert narrative.survival_reading(one, None, "tickets", 1) == (
        "After one year, 80% of customers in “0 tickets” were still active (N = 100). "
        "1 customer younger than 90 days is left out. This is an association, not proof that "
        "support caused the difference.")
    unknown = pd.DataFrame({"group": ["a"], "survival": [float("nan")], "customers": [3],
                            "is_reliable": [False]})
    assert narrative.survival_reading(unknown, 0.5, "plan", 0) == ""


def test_chart_notes_with_one_customer_and_no_p_value():
    frame = pd.DataFrame({"excluded_incomplete": [1], "excluded_no_history": [0]})
    assert narrative.excluded_text(frame) == "1 customer younger than the horizon left out"
    assert narrative.p_text(None) == "log-rank p not defined (one group, or no churn)"
    assert narrative.p_text(0.0004) == "log-rank p < 0.001"
