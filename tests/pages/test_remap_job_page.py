"""The Reason mapping page's save runs in the background (app/mapping.py): the page shows the
job's progress while it runs, other pages keep the current snapshot, and the page then reports
the result, or on a failure says so and keeps the current snapshot.

The fixture is test_reason_mapping_page's: 10 lost customers, 7 in Other (70%); mapping
'budget freeze' (c4, c5) to Price leaves 5 in Other (50%)."""

from __future__ import annotations

import threading

import duckdb
from app import mapping
from data import remap, snapshots
from tests.pages.test_reason_mapping_page import CHURN, PAGE, churn_totals, open_page, plain
from tests.pages.test_reason_mapping_page import live as live  # noqa: F401 - the fixture
from tests.pages.test_reason_mapping_page import save

BUDGET = {"budget freeze": {"category": "Price"}}


def test_the_page_shows_the_progress_then_the_result(live, monkeypatch):  # noqa: F811
    parent = snapshots.resolve(live)
    real, go_on = remap.add_reasons, threading.Event()

    def held(*args, progress=None, **kwargs):
        # the real re-mapping, held after its first step until the page has been looked at
        progress(0.25, "re-mapping the churned customers")
        assert go_on.wait(60)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(remap, "add_reasons", held)
    at = open_page(PAGE, editor=True)
    editor = next(d for d in at.dataframe if (d.key or "").startswith("mapping_editor"))
    at.session_state[editor.key] = {"edited_rows": {list(editor.value["reason"]).index(
        "budget freeze"): BUDGET["budget freeze"]}, "added_rows": [], "deleted_rows": []}
    at.button(key="mapping_save").click().run()
    assert not at.exception and not at.error
    (bar,) = at.get("progress")
    assert bar.proto.value == 25 and "re-mapping the churned customers" in bar.proto.text
    assert not any(b.key == "mapping_save" for b in at.button)  # no second save meanwhile
    # Meanwhile every page serves the current snapshot: the Churn reasons page of another
    # session still counts c4-c5 in Other.
    other = open_page(CHURN)
    assert not other.exception and snapshots.resolve(live) == parent
    assert churn_totals(other) == {"Price": 3, "Other": 7}

    go_on.set()
    job = mapping.current_job()
    assert job.done.wait(120)
    at.run()
    assert not at.exception and not at.error
    assert any("Saved mapping version 2" in s.value and "from 70.0% to 50.0%" in s.value
               for s in at.success), [s.value for s in at.success]
    assert snapshots.resolve(live) != parent and not at.get("progress")
    assert job.outcome.meta.other_after_pct == 50.0 and job.seconds > 0


def test_a_failed_remap_says_so_and_keeps_the_current_snapshot(live, monkeypatch):  # noqa: F811
    parent = snapshots.resolve(live)

    def broken(*args, **kwargs):
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(remap, "add_reasons", broken)
    at = save(open_page(PAGE, editor=True), BUDGET)
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Nothing was saved: writing the new snapshot failed (error id ")
    assert "No space left" not in error.value and "Traceback" not in error.value
    assert snapshots.resolve(live) == parent
    assert sorted(p.name for p in snapshots.snapshot_dir(live).iterdir()
                  if ".tmp" in p.name) == []
    # the editor is back, to map again
    assert any(b.key == "mapping_save" for b in at.button)


def test_a_rejected_row_is_listed_and_nothing_changes(live, monkeypatch):  # noqa: F811
    parent = snapshots.resolve(live)
    # 'budget freeze' has 13 characters; a category of 16 is too long
    monkeypatch.setattr(remap, "MAX_TEXT_CHARS", 13)
    at = save(open_page(PAGE, editor=True), {"budget freeze": {"new_category": "Budget cuts 2026"}})
    assert not at.exception and snapshots.resolve(live) == parent
    (error,) = at.error
    assert error.value.startswith("Nothing was saved:")
    assert plain(error.value) == ("Nothing was saved:\n\n- reason mapping:row 1: category: expected "
                                  "text of at most 13 characters, found a value of 16 characters")
