"""Generated sentences on small frames shaped like the metrics API's: the numbers in the words
are the numbers handed in, and the wording follows the direction and reliability of each."""

from __future__ import annotations

from datetime import date

import pandas as pd

import narrative

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


def test_churn_rise_names_the_category_and_segment_that_moved_most():
    by_month = reasons({(SEP, "Price"): 10, (OCT, "Price"): 41,
                        (SEP, "Competitor"): 12, (OCT, "Competitor"): 9})
    by_segment = pd.concat([
        reasons({(SEP, "Price"): 4, (OCT, "Price"): 16}).assign(group="SMB"),
        reasons({(SEP, "Price"): 6, (OCT, "Price"): 25}).assign(group="Mid-market"),
    ])
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (2.8, 2.1, 1500, True)}), by_month, by_segment)
    assert text == [
        "Churn rose from 2.1% to 2.8% in October 2026 (1,500 customers at the start of the "
        "month); the biggest move was Price (+31 customers vs September), above all in "
        "Mid-market (+19)."
    ]


def test_churn_fall_names_the_biggest_drop_and_small_n_is_flagged():
    by_month = reasons({(SEP, "Price"): 5, (OCT, "Price"): 6,
                        (SEP, "Competitor"): 9, (OCT, "Competitor"): 2})
    text = narrative.overview_summary(
        kpis({"churn_rate_pct": (1.0, 3.0, 20, False)}), by_month, None, min_n=30)
    assert text[0] == ("Churn fell from 3.0% to 1.0% in October 2026 (20 customers at the start "
                       "of the month); the biggest move was Competitor (-7 customers vs "
                       "September).")
    assert text[1] == "That rate rests on fewer than 30 customers: read it with care."


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
