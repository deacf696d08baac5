"""Re-mapping churn reasons without re-importing (data/remap.py): a new snapshot with a new mapping
version, the parent snapshot untouched, and bad mappings rejected naming file/line or row.

The fixture (the default taxonomy, data/churn_reasons.csv, maps 'too expensive' to Price):
    a  churned 2024-03-01  'Too  EXPENSIVE '  -> 'too expensive' -> Price
    b  churned 2024-03-10  'Budget freeze'    -> unmapped       -> Other
    c  churned 2024-04-01  'budget  freeze'   -> unmapped       -> Other (same key as b)
    d  churned 2024-04-05  no reason          -> Other
    e  active, signed up 2024-05-01           (the default as-of date)
4 lost customers, 3 of them in Other: 75%. Mapping 'budget freeze' leaves d alone: 1 of 4 = 25%.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from data import importer, remap, snapshots
from data.importer import cli
from queries import connect
from tests.unit.fixtures import customers, make_db

# (customer_id, signup_date, churn_date, churn_reason): "d" churned without a reason.
CUSTOMERS = customers(
    ("a", "2024-01-01", "2024-03-01", "Too  EXPENSIVE "),
    ("b", "2024-01-01", "2024-03-10", "Budget freeze"),
    ("c", "2024-02-01", "2024-04-01", "budget  freeze"),
    ("d", "2024-02-01", "2024-04-05"),
    ("e", "2024-05-01"),
)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    make_db(tmp_path, CUSTOMERS).close()
    return tmp_path / "retention.duckdb"


def categories(path: Path) -> dict[str, str]:
    con = connect(path)
    try:
        return dict(con.execute(
            "select customer_id, churn_category from customer_facts where churn_date is not null"
        ).fetchall())
    finally:
        con.close()


def versions(path: Path) -> list[tuple]:
    con = connect(path)
    try:
        return con.execute(
            "select version, saved_by, how, reasons, round(other_before_pct, 6), "
            "round(other_after_pct, 6) from mapping_versions order by version").fetchall()
    finally:
        con.close()


def write(folder: Path, text: str) -> Path:
    path = folder / "reasons.csv"
    path.write_text(text)
    return path


def test_a_file_replaces_the_mapping_in_a_new_snapshot_and_the_old_one_keeps_its_own(live, tmp_path):
    parent = snapshots.resolve(live)
    # Matched after lower-casing, trimming and collapsing whitespace: '  Budget   FREEZE ' is the
    # key 'budget freeze' of b and c.
    csv = write(tmp_path, "reason,category,owner_team\n  Budget   FREEZE ,Organizational change,CS\n"
                          "too expensive,Price,Pricing / Finance\n")
    result = remap.remap_file(live, csv, saved_by="ana (command line)")

    assert snapshots.resolve(live) != parent
    assert result.parent_id in parent.name and result.snapshot_id in snapshots.resolve(live).name
    assert (result.version, result.reasons) == (2, 2)
    assert (result.other_before_pct, result.other_after_pct) == (75.0, 25.0)
    assert result.unmapped == []  # d gave no reason: nothing to map
    assert categories(live) == {"a": "Price", "b": "Organizational change",
                                "c": "Organizational change", "d": "Other"}
    # v1: the build's own mapping (27 default rows), 3 of 4 lost in Other; v2: this file.
    assert versions(live) == [
        (1, "demo data generator", "demo", 27, None, 75.0),
        (2, "ana (command line)", "command line", 2, 75.0, 25.0),
    ]
    # The parent, which links pin by id, still has the mapping it was built with.
    assert categories(parent) == {"a": "Price", "b": "Other", "c": "Other", "d": "Other"}
    assert versions(parent) == [(1, "demo data generator", "demo", 27, None, 75.0)]


def test_the_new_snapshot_keeps_the_parents_data_and_as_of(live, tmp_path):
    parent = snapshots.resolve(live)
    remap.remap_file(live, write(tmp_path, "reason,category\nbudget freeze,Price\n"), "x")
    old, new = connect(parent), connect(live)
    try:
        for sql in ("select * from customers order by customer_id",
                    "select default_as_of, source_kind from meta"):
            assert old.execute(sql).fetchall() == new.execute(sql).fetchall()
        assert new.execute("select default_as_of from meta").fetchone()[0].isoformat() == "2024-05-01"
    finally:
        old.close()
        new.close()


def test_a_reason_given_two_categories_in_the_file_is_rejected_naming_file_and_line(live, tmp_path):
    before = (os.readlink(live), sorted(os.listdir(live.parent / "snapshots")))
    csv = write(tmp_path, "reason,category\nbudget freeze,Price\n Budget  Freeze,Competitor\n")
    with pytest.raises(importer.ImportRejected) as exc:
        remap.remap_file(live, csv, "x")
    assert str(exc.value) == ("reasons.csv:3: category: expected one category per reason, found "
                              "'Competitor' for reason 'budget freeze' (line 2 maps it to 'Price')")
    assert (os.readlink(live), sorted(os.listdir(live.parent / "snapshots"))) == before


def test_a_file_without_a_category_column_is_rejected(live, tmp_path):
    with pytest.raises(importer.ImportRejected) as exc:
        remap.remap_file(live, write(tmp_path, "reason,team\nbudget freeze,CS\n"), "x")
    assert "reasons.csv" in str(exc.value) and "category" in str(exc.value)
    assert exc.value.total == 1


def test_editor_rows_extend_the_mapping_with_the_categorys_spelling_and_team(live):
    # 'organizational CHANGE' is the default taxonomy's 'Organizational change' (its team is
    # 'Customer Success (relationship)', which fills the blank team); 'budget freeze' is new.
    result = remap.add_reasons(live, [{"reason": "budget freeze",
                                       "category": "organizational CHANGE", "owner_team": ""}],
                               saved_by="ana@example.com")
    assert (result.version, result.reasons) == (2, 28)  # 27 default rows + 1
    assert (result.other_before_pct, result.other_after_pct) == (75.0, 25.0)
    con = connect(live)
    try:
        assert con.execute(
            "select reason, category, owner_team from churn_reason_categories "
            "where reason_key = 'budget freeze'").fetchall() == [
            ("budget freeze", "Organizational change", "Customer Success (relationship)")]
    finally:
        con.close()
    assert versions(live)[-1] == (2, "ana@example.com", "app", 28, 75.0, 25.0)


def test_editor_rows_may_name_a_new_category_and_team(live):
    remap.add_reasons(live, [{"reason": "Budget freeze", "category": "Budget", "owner_team": "Finance"}],
                      saved_by="ana")
    assert categories(live)["b"] == "Budget"


def test_editor_rows_that_break_a_rule_name_their_row_and_change_nothing(live):
    before = os.readlink(live)
    rows = [
        {"reason": "budget freeze", "category": "Price", "owner_team": None},
        {"reason": " BUDGET freeze", "category": "Competitor", "owner_team": None},  # row 1: Price
        {"reason": "TOO expensive", "category": "Competitor", "owner_team": None},  # mapping: Price
        {"reason": "went in-house", "category": " ", "owner_team": "CS"},
    ]
    with pytest.raises(importer.ImportRejected) as exc:
        remap.add_reasons(live, rows, saved_by="ana")
    assert str(exc.value).splitlines() == [
        ("reason mapping:row 2: category: expected one category per reason, found 'Competitor' "
         "for reason 'budget freeze' (row 1 maps it to 'Price')"),
        ("reason mapping:row 3: category: expected one category per reason, found 'Competitor' "
         "for reason 'too expensive' (the mapping already maps it to 'Price')"),
        ("reason mapping:row 4: category: expected a category (an existing one or a new one), "
         "found an empty value"),
    ]
    assert os.readlink(live) == before


def test_saving_over_data_that_changed_since_is_refused(live, tmp_path):
    seen = snapshots.resolve(live)
    remap.remap_file(live, write(tmp_path, "reason,category\nbudget freeze,Price\n"), "other editor")
    with pytest.raises(remap.RemapStale):
        remap.add_reasons(live, [{"reason": "n/a", "category": "Other"}], "ana", expected=seen)


def test_a_snapshot_built_before_versions_were_recorded_gets_its_own_as_version_1(live, tmp_path):
    # The same data in the older layout: no mapping_versions table.
    parent = snapshots.resolve(live)
    copy = parent.with_name(parent.name.replace(".duckdb", "0.duckdb"))
    shutil.copyfile(parent, copy)
    con = duckdb.connect(str(copy))
    con.execute("drop table mapping_versions")
    con.close()
    snapshots.publish(copy, live)
    remap.remap_file(live, write(tmp_path, "reason,category\nbudget freeze,Price\n"), "x")
    # The file maps only 'budget freeze': a's 'too expensive' is now in Other with d (2 of 4).
    assert versions(live) == [(1, "demo data generator", "demo", 27, None, 75.0),
                              (2, "x", "command line", 1, 75.0, 50.0)]


def test_command_line_remaps_with_reasons_alone(live, tmp_path, capsys):
    csv = write(tmp_path, "Reason code,category\nbudget freeze,Price\n")
    code = cli.main(["--out", str(live), "--reasons", str(csv),
                      "--map", "churn_reason_categories.reason=Reason code"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "mapping version 2, 1 reasons): lost customers in Other 75.0% -> 50.0%" in out
    # Only 'budget freeze' is mapped now: a's 'too expensive' falls in Other (a, d of 4 = 50%).
    assert "1 reason(s) still unmapped" in out and "too expensive" in out
    assert categories(live)["b"] == "Price"


def test_command_line_without_customers_or_reasons_is_an_error(live, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--out", str(live)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "arguments are required: --customers" in err and "--reasons alone)" in err


def test_chosen_rows_takes_a_typed_category_over_the_picked_one_and_skips_blank_rows():
    import pandas as pd

    edited = pd.DataFrame({
        "reason": ["budget freeze", "pricing", "n/a", "see notes"],
        "category": [None, "Price", None, None],
        "new_category": [" ", "  Pricing model ", None, " "],  # typed wins; blank is no choice
        "owner_team": [float("nan"), "Finance", "CS", None],
    })
    edited.loc[0, "category"] = "Price"  # picked from the list, with a blank typed one
    assert remap.chosen_rows(edited) == [
        {"reason": "budget freeze", "category": "Price", "owner_team": None},
        {"reason": "pricing", "category": "Pricing model", "owner_team": "Finance"},
    ]
