"""bench.portable_speed's logic without an engine: which statements it times (each page's
default view and the one-plan change, each distinct statement once) and the tables another engine
needs (portable_statements), the per-statement record (portable_engines) and the page sums
(portable_results); no timing asserts: the figures come from running it."""

from __future__ import annotations

from argparse import Namespace

from bench import portable_engines, portable_results, portable_statements
from tests.portable.statements import Statement


def test_record_chooses_each_pages_statements_once(matrix_dbs):
    # One page (all seven take a minute on a loaded machine; the bench records them all).
    recorded = portable_statements.record(matrix_dbs["everything"], pages=["Cohorts"])
    statements, pages = recorded["statements"], recorded["pages"]
    assert set(pages) == {"default", "one plan"}
    assert list(pages["default"]) == ["Cohorts"]
    ids = [s.id for s in statements]
    assert len(set(ids)) == len(ids)
    # The shared frame's call (cohort_retention by quarter) first, then the page's own calls in
    # default_views.PAGE_CALLS' order.
    assert [ids[n].split("(")[0] for n in pages["default"]["Cohorts"][:3]] == [
        "default: cohort_retention", "default: cohort_retention", "default: average_retention"]
    assert ids[pages["default"]["Cohorts"][0]] == "default: cohort_retention(grain='quarter')"
    cohorts = [ids[n] for n in pages["default"]["Cohorts"]]
    # Cohorts' compare chart runs once per plan of the data (the matrix has three).
    assert [i for i in cohorts if "plans=" in i] == [
        f"default: average_retention(grain='month', basis='logo', plans=('{p}',))"
        for p in ("Enterprise", "Growth", "Starter")]
    # With one plan chosen it runs for that plan only: the same statement as the default
    # compare's Growth curve, so kept once (under the default's id).
    plan_cohorts = [ids[n] for n in pages["one plan"]["Cohorts"]]
    assert "default: average_retention(grain='month', basis='logo', plans=('Growth',))" \
        in plan_cohorts
    assert plan_cohorts[0] == "one plan: cohort_retention(grain='quarter')"
    # Every statement recorded is run by some page.
    used = {n for s in pages.values() for indexes in s.values() for n in indexes}
    assert used == set(range(len(statements)))
    assert portable_statements.wanted(recorded, ["default"]) == pages["default"]["Cohorts"]


def test_tables_read_leaves_out_cte_names():
    sqls = ["with picked as (select customer_key from customer_facts where plan = $p) "
            "select count(*) from picked join ticket_facts t using (customer_key)",
            "select default_as_of from meta"]
    assert portable_statements.tables_read(sqls) == ["customer_facts", "meta", "ticket_facts"]


def _statement(sid: str, rows: list[tuple]) -> Statement:
    return Statement(sid, "select 1", {}, ("n",), rows)  # no ORDER BY: unordered


def test_time_statements_records_matches_limits_and_medians():
    recorded = {"statements": [_statement("a", [(1,)]), _statement("b", [(2,)]),
                               _statement("c", [(3,)]), _statement("d", [(4,)])],
                "pages": {"default": {"P": [0, 1, 2]}, "one plan": {"P": [3]}}}
    clock = iter(range(100))

    def run(statement):
        next(clock)
        if statement.id == "c":
            raise TimeoutError
        # b returns another value than DuckDB did: timed, and recorded as not matching.
        return ["n"], [(1,)] if statement.id in ("a", "b") else [(4,)]

    entry, saves = {}, []
    args = Namespace(repeat=3, limit_min=10, budget_min=60, sets=["default"], pages=None)
    portable_engines.time_statements(recorded, run, entry, lambda: saves.append(1), args,
                                     log=lambda m: None)
    records = entry["statements"]
    assert set(records) == {"0", "1", "2"}  # d belongs to the one-plan set only
    assert records["0"]["matched"] is True and len(records["0"]["warm_runs_ms"]) == 3
    assert records["0"]["warm_ms"] == sorted(records["0"]["warm_runs_ms"])[1]  # median of 3
    assert records["1"]["matched"] is False
    assert records["1"]["differences"] == ["row 0 n: 1.0, expected 2.0"]
    assert records["2"]["over_limit"] == "over the limit (10 min)"
    assert "cold_ms" not in records["2"] and "matched" not in records["2"]
    assert len(saves) == 3 and entry["sets"] == ["default"] and entry["pages"] == ["P"]


def test_wanted_puts_the_pages_asked_first_and_each_statement_once():
    recorded = {"pages": {"default": {"A": [0, 1], "B": [0, 2]}, "one plan": {"A": [3, 1], "B": [4]}}}
    assert portable_statements.wanted(recorded, ["default"]) == [0, 1, 2]
    assert portable_statements.wanted(recorded, ["default"], ["B", "A"]) == [0, 2, 1]
    assert portable_statements.wanted(recorded, ["default", "one plan"], ["B"]) == [0, 2, 4]
    assert portable_statements.wanted(recorded, ["default", "one plan"]) == [0, 1, 3, 2, 4]


def test_page_totals_sum_a_pages_statements_or_say_why_not():
    entry = {"pages": {"default": {"Overview": [0, 1], "Cohorts": [0, 2], "Data": [0, 3]}},
             "engines": {"postgres": {"statements": {
                 "0": {"cold_ms": 100.0, "warm_ms": 40.0},
                 "1": {"cold_ms": 250.5, "warm_ms": 200.0},
                 "2": {"over_limit": "over the limit (10 min)"},
                 "3": {"error": "ProgrammingError: ..."}}}}}
    cold = portable_results.page_totals(entry, "postgres", "default", "cold_ms")
    warm = portable_results.page_totals(entry, "postgres", "default", "warm_ms")
    # Overview: 100 + 250.5 cold, 40 + 200 warm; Cohorts' second statement passed the limit.
    assert cold == {"Overview": 350.5, "Cohorts": "over the limit (10 min)", "Data": "failed"}
    assert warm["Overview"] == 240.0
    assert portable_results.page_totals(entry, "spark", "default", "cold_ms") == {
        "Overview": "not measured", "Cohorts": "not measured", "Data": "not measured"}
