"""The shape of churn of a snapshot (dated / undated / mixed / none), recorded by the import from
tiny hand-made files, and what each shape gives: the history of dated churners only, the churn
share and retention by tenure (Kaplan-Meier over tenure months) for churn without dates, activity
tiles for data without churn, and the sentences that say so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from data import capabilities, importer
from views import needs
from words import data_notes
from words import without_dates
from queries import (Filters, activity_months, activity_retention, activity_tiles, churn_share, connect,
                     period_movements, tenure_logrank_p, tenure_survival)

AS_OF = date(2024, 6, 30)

# Undated: a churned flag and tenure in months, no dates (the IBM telco shape).
#   id tenure churned plan   -> duration (months), event
#   a  0      no      Basic  -> 0, censored
#   b  1      yes     Basic  -> 1, churned
#   c  1      no      Basic  -> 1, censored
#   d  2      yes     Pro    -> 2, churned
#   e  3      no      Pro    -> 3, censored
#   f  3      yes     Pro    -> 3, churned
UNDATED = ("customer_id,tenure_months,churned,plan\n"
           "a,0,no,Basic\nb,1,yes,Basic\nc,1,no,Basic\nd,2,yes,Pro\ne,3,no,Pro\nf,3,yes,Pro\n")
# Mixed: a churned on a known date; b and d are marked churned without one; c and e active.
MIXED = ("customer_id,signup_date,churned,churn_date\n"
         "a,2024-01-10,yes,2024-03-05\nb,2024-01-20,yes,\nc,2024-02-01,no,\n"
         "d,2024-02-15,yes,\ne,2024-03-01,,\n")
DATED = ("customer_id,signup_date,churn_date\n"
         "a,2024-01-10,2024-03-05\nb,2024-01-20,\nc,2024-02-01,2024-05-20\n")
# No churn: an activity export alone. A customer signs up on the day of its first activity:
# x and y in January, z in February, w in March.
ACTIVITY = ("customer_id,occurred_at\n"
            "x,2024-01-05\nx,2024-02-10\nx,2024-03-03\ny,2024-01-20\ny,2024-03-15\n"
            "z,2024-02-02\nw,2024-03-20\n")


def _import(tmp_path: Path, name: str, text: str, key: str = "customers",
            as_of: date = AS_OF) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{key}.csv").write_text(text)
    live = folder / "retention.duckdb"
    importer.load(live, {key: folder / f"{key}.csv"}, as_of=as_of)
    return live


def import_each_shape(tmp: Path) -> dict[str, Path]:
    """The four hand-made files above, each imported into its own snapshot under `tmp`."""
    return {
        "undated": _import(tmp, "undated", UNDATED),
        "mixed": _import(tmp, "mixed", MIXED),
        "dated": _import(tmp, "dated", DATED),
        "none": _import(tmp, "none", ACTIVITY, key="activity", as_of=date(2024, 3, 31)),
    }


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    return import_each_shape(tmp_path_factory.mktemp("shapes"))


def _read(path: Path):
    con = connect(path)
    try:
        return capabilities.read(con)
    finally:
        con.close()


def test_the_import_records_the_shape_of_churn(dbs):
    undated, mixed, dated, none = (_read(dbs[k]) for k in ("undated", "mixed", "dated", "none"))
    # undated: b, d, f churned, none with a date
    assert (undated.churn_shape, undated.churned_dated, undated.churned_undated) == (
        "undated", 0, 3)
    # mixed: a dated; b and d without a date
    assert (mixed.churn_shape, mixed.churned_dated, mixed.churned_undated) == ("mixed", 1, 2)
    # dated: a and c, both with dates, by the as-of date 30 Jun
    assert (dated.churn_shape, dated.churned_dated, dated.churned_undated) == ("dated", 2, 0)
    assert (none.churn_shape, none.churned) == ("none", 0)
    assert needs.shape_line(mixed) == (
        "Churn partly dated: the monthly history of the 1 churned customer with a churn date; "
        "2 without one left out of every number")


def test_a_snapshot_without_the_record_reads_as_dated(dbs, tmp_path):
    """A snapshot imported before the shape was recorded has no count of undated churners in its
    meta: it reads as dated (as it was drawn before)."""
    import shutil

    import duckdb

    copy = tmp_path / "old.duckdb"
    shutil.copyfile(dbs["undated"], copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("update meta set source = '{}'")
        con.execute("drop table capabilities")
        assert capabilities.read(con).churn_shape == "dated"
    finally:
        con.close()


def test_a_mixed_file_keeps_the_history_of_its_dated_churners(dbs):
    con = connect(dbs["mixed"])
    try:
        assert sorted(con.execute("select customer_id from history_left_out").fetchall()) == [
            ("b",), ("d",)]
        moves = period_movements(con, Filters(), grain="month").set_index("period")
        # March: active on 29 Feb were a and c (b and d left out; e signed up on 1 Mar);
        # a churned on 5 Mar: 1 of 2 = 50% (with b and d counted it would read 1 of 4).
        march = moves.loc[date(2024, 3, 1)]
        assert (march.start_customers, march.churned, march.churn_rate_pct) == (2, 1, 50.0)
        # June: c and e at the start, nobody churned: b and d are not June's churn.
        june = moves.loc[date(2024, 6, 1)]
        assert (june.start_customers, june.churned, june.end_customers) == (2, 0, 2)
    finally:
        con.close()


def test_churn_share_of_one_moment(dbs):
    con = connect(dbs["undated"])
    try:
        share = churn_share(con, Filters(), min_n=3)
        by_plan = churn_share(con, Filters(), by="plan", min_n=3)
        # b, d, f of 6 customers: 50%
        assert share[["group", "customers", "churned", "churn_share_pct"]].to_dict("records") == [
            {"group": "All", "customers": 6, "churned": 3, "churn_share_pct": 50.0}]
        # Basic: b of a, b, c = 33.3%; Pro: d, f of d, e, f = 66.7%
        assert by_plan["churned"].tolist() == [1, 2]
        assert by_plan["churn_share_pct"].tolist() == pytest.approx([100 / 3, 200 / 3])
        assert by_plan["is_reliable"].tolist() == [True, True]
        assert without_dates.churn_share_sentence(share, AS_OF) == (
            "3 of the 6 customers in the file (50.0%) are marked churned as of 30 Jun 2024.")
        assert without_dates.share_spread_sentence(by_plan, "plan", min_n=3) == (
            "By plan, the churn share runs from 33.3% in “Basic” (N = 3) to 66.7% in “Pro” "
            "(N = 3).")
    finally:
        con.close()


def test_retention_by_tenure_by_hand_and_against_lifelines(dbs):
    from lifelines import KaplanMeierFitter

    con = connect(dbs["undated"])
    try:
        # Signups were computed from tenure (as_of - tenure months); the months between signup
        # and the as-of date give the tenure back.
        assert con.execute("select customer_id, signup_date from customers order by 1").fetchall()[
            1:3] == [("b", date(2024, 5, 30)), ("c", date(2024, 5, 30))]
        curve = tenure_survival(con, Filters())
        p_value = tenure_logrank_p(con, Filters(), "plan")
    finally:
        con.close()
    # month 1: 5 at risk (b c d e f), b churned: S = 4/5 = 0.8
    # month 2: 3 at risk (d e f), d churned: S = 0.8 x 2/3 = 0.5333
    # month 3: 2 at risk (e f), f churned: S = 0.5333 x 1/2 = 0.2667
    assert curve["tenure_months"].tolist() == [0, 1, 2, 3]
    assert curve["at_risk"].tolist() == [6, 5, 3, 2]
    assert curve["events"].tolist() == [0, 1, 1, 1]
    assert curve["survival"].tolist() == pytest.approx([1.0, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 / 2])
    kmf = KaplanMeierFitter().fit([0, 1, 1, 2, 3, 3], [0, 1, 0, 1, 0, 1])
    band = kmf.confidence_interval_survival_function_
    assert curve["ci_lower"].tolist()[1:] == pytest.approx(band.iloc[1:, 0].tolist())
    assert curve["ci_upper"].tolist()[1:] == pytest.approx(band.iloc[1:, 1].tolist())
    from lifelines.statistics import logrank_test

    # Basic: durations 0, 1, 1 (b churned); Pro: 2, 3, 3 (d, f churned)
    expected = logrank_test([0, 1, 1], [2, 3, 3], [0, 1, 0], [1, 0, 1]).p_value
    assert p_value == pytest.approx(expected)
    # Nobody is observed past 3 months: no 12-month sentence; at 2 months: 53.3%.
    assert without_dates.tenure_sentence(curve) == ""
    assert without_dates.tenure_sentence(curve, months=2) == (
        f"By tenure, 53.3% of customers are still active after 2 months (95% band "
        f"{band.iloc[2, 0] * 100:.1f}–{band.iloc[2, 1] * 100:.1f}%; Kaplan–Meier over tenure "
        "months).")


def test_activity_tiles_without_churn(dbs):
    con = connect(dbs["none"])
    try:
        cells = activity_retention(con, Filters(), grain="month")
    finally:
        con.close()
    months = activity_months(cells)
    # January: x, y new; February: x back, z new; March: x, y back, w new.
    assert months[["active", "new", "returning", "earlier"]].values.tolist() == [
        [2, 2, 0, 0], [2, 1, 1, 2], [3, 1, 2, 3]]
    assert months["is_complete"].tolist() == [True, True, True]
    tiles = activity_tiles(cells, min_n=3).set_index("kpi")
    # February: x came back, z new (active 2; 1 of the 2 January customers returned = 50%).
    # March: x and y came back, w new (active 3; 2 of the 3 earlier customers = 66.7%).
    assert tiles.loc["active", ["value", "previous"]].tolist() == [3, 2]
    assert tiles.loc["new", ["value", "previous"]].tolist() == [1, 1]
    assert tiles.loc["returning", ["value", "previous"]].tolist() == [2, 1]
    assert tiles.loc["returning_pct", ["value", "previous"]].tolist() == pytest.approx(
        [200 / 3, 50.0])
    assert tiles.loc["returning_pct", "n"] == 3 and tiles.loc["active", "n"] == 3
    assert tiles["period"].iloc[0] == date(2024, 3, 1)
    assert without_dates.activity_summary(tiles.reset_index()) == [
        "3 customers were active in March 2024 (2 in February): 1 new and 2 returning, 66.7% of "
        "the 3 customers who had signed up before."]


def test_the_header_lines_say_the_shape(dbs):
    undated, mixed = _read(dbs["undated"]), _read(dbs["mixed"])
    assumed = {"churned_without_date": {"customers": 3, "date": "2024-06-30"}}
    assert data_notes.assumption_lines(assumed, AS_OF, undated.churn_shape, undated.churned) == [
        "The file marks 3 customers churned without a churn date: it is a picture of 30 Jun "
        "2024 that leaves out customers who left before, so the pages show the churn share and "
        "retention by tenure, not a monthly churn rate or a retention history."]
    assumed = {"churned_without_date": {"customers": 2, "date": "2024-06-30"}}
    assert data_notes.assumption_lines(assumed, AS_OF, mixed.churn_shape, mixed.churned) == [
        "2 of the 3 churned customers have no churn date: they are left out of every number "
        "here, the history of the 1 customer churned on a known date."]


def test_undated_summary_names_no_monthly_churn(dbs):
    con = connect(dbs["undated"])
    try:
        share = churn_share(con, Filters(), min_n=3)
        curve = tenure_survival(con, Filters())
        spreads = {"plan": churn_share(con, Filters(), by="plan", min_n=3)}
    finally:
        con.close()
    sentences = without_dates.undated_summary(share, curve, spreads, pd.DataFrame(), AS_OF, min_n=3)
    assert sentences == [
        "3 of the 6 customers in the file (50.0%) are marked churned as of 30 Jun 2024.",
        "The file has no churn dates: it shows the customers of one moment, not those who left "
        "before, so there is no monthly churn rate or retention history to report.",
        "By plan, the churn share runs from 33.3% in “Basic” (N = 3) to 66.7% in “Pro” (N = 3)."]
    assert not any("rose" in s or "fell" in s or "Month-12" in s for s in sentences)


def test_the_board_pack_follows_the_shape(dbs):
    import html as html_module

    from outputs.report import pack
    from tests.unit.test_report import figures

    con = connect(dbs["undated"])
    try:
        text = pack.board_pack(con, Filters(), min_n=3)
        summary = pack.summary_text(con, Filters(), min_n=3)
    finally:
        con.close()
    body = html_module.unescape(text[text.index("<main>"):])
    assert "Monthly churn rate" not in body and "Retention triangle" not in body
    assert "3 of the 6 customers in the file (50.0%) are marked churned as of 30 Jun 2024." in body
    titles = [f["layout"].get("title", {}).get("text", "") for f in figures(text)]
    assert any(t.startswith("Retention by tenure (Kaplan–Meier over tenure months)")
               for t in titles)
    assert any(t.startswith("Churn share by plan") for t in titles)
    assert not any("churn rate" in t.lower() or "retention curves" in t.lower() for t in titles)
    assert summary == ("Data as of 30 Jun 2024 · all customers\n3 of the 6 customers in the file "
                       "(50.0%) are marked churned as of 30 Jun 2024. The file has no churn "
                       "dates, so there is no monthly churn rate.")
    con = connect(dbs["none"])
    try:
        text = pack.board_pack(con, Filters(), min_n=3)
    finally:
        con.close()
    body = html_module.unescape(text[text.index("<main>"):])
    assert "--inactive-days N" in body and "returned (activity) basis" in body
    assert "3 customers were active in March 2024 (2 in February)" in body


def test_alerts_follow_the_shape(dbs, tmp_path):
    from outputs.alerts import check, load_rules

    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "Churn"\nkpi = "churn_rate_pct"\nabove = 3.0\n\n'
                     '[[rule]]\nname = "Share"\nkpi = "churn_share_pct"\nabove = 40.0\n')
    con = connect(dbs["undated"])
    try:
        monthly, share = check(con, load_rules(rules))
    finally:
        con.close()
    assert not monthly.is_breached
    assert monthly.line() == (
        "Churn: no churn rate for all customers (the churned customers of this data have no "
        "churn date, so there is no monthly value: use kpi = \"churn_share_pct\")")
    # 3 of 6 = 50% > 40%
    assert share.is_breached and share.line() == (
        "Share: Churn share 50.0% (above 40.0%) as of 30 Jun 2024, all customers")
    con = connect(dbs["dated"])
    try:
        (_, share) = check(con, load_rules(rules))
    finally:
        con.close()
    assert not share.is_breached and "have churn dates: see the churn rate" in share.line()


# PySurvival's shape: signup dates and a churned flag, every churned customer without a date, and
# no --as-of: the as-of date is the latest signup (2024-11-20), on which the churners are put.
UNDATED_SIGNUPS = ("customer_id,signup_date,churned\n"
                   "p,2024-01-15,1\nq,2024-03-01,0\nr,2024-06-10,1\ns,2024-11-20,0\n")


def test_the_as_of_date_never_hides_undated_churn(tmp_path):
    live = tmp_path / "pysurvival" / "retention.duckdb"
    live.parent.mkdir()
    (live.parent / "c.csv").write_text(UNDATED_SIGNUPS)
    importer.load(live, {"customers": live.parent / "c.csv"})
    con = connect(live)
    try:
        caps = capabilities.read(con)
        share = churn_share(con, Filters(), min_n=1)
        curve = tenure_survival(con, Filters())
    finally:
        con.close()
    assert (caps.default_as_of, caps.churn_shape, caps.churned_undated) == (
        date(2024, 11, 20), "undated", 2)
    # p and r of 4 churned: 50%, although both sit on the as-of date, in a month not over yet.
    assert share[["customers", "churned", "churn_share_pct"]].values.tolist() == [[4, 2, 50.0]]
    # Months from signup to 20 Nov: p 10 (churned), q 8, r 5 (churned), s 0.
    # At 5 months: 3 at risk (p q r), r churned: 2/3; at 10 months: p alone, churned: 0.
    assert curve[["tenure_months", "at_risk", "events"]].values.tolist() == [
        [0, 4, 0], [5, 3, 1], [10, 1, 1]]
    assert curve["survival"].tolist() == pytest.approx([1.0, 2 / 3, 0.0])
