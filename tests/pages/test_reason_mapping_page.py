"""The Reason mapping page, the Churn reasons page's Other warning and the as-of picker's range,
reached as a browser does (entry script first, then switch_page).

A tiny snapshot (the default taxonomy maps 'too expensive' to Price), as of 2024-06-01 (z's signup):
    c1-c3  'too expensive'                        -> Price
    c4-c5  'Budget freeze' / 'budget  freeze'     -> not mapped (Other)
    c6-c7  'pricing'                              -> not mapped (Other)
    c8-c10 no reason (null, blank, null)          -> Other
    z      active; its one ticket is resolved on 2024-07-15, the latest date in the data
10 lost, 7 in Other (70%): 4 with a reason the mapping does not list (2 texts), 3 with none.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import auth, mapping
import settings
from data import snapshots
from queries import connect
from tests.unit.fixtures import make_db

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/8_Reason_mapping.py"
CHURN = "pages/3_Churn_reasons.py"
DATA = "pages/6_Data_and_definitions.py"
REASONS = ["too expensive"] * 3 + ["Budget freeze", "budget  freeze", "pricing", "pricing",
                                   None, "  ", None]
CUSTOMERS = [
    {"customer_id": f"c{i}", "signup_date": "2024-01-01", "churn_date": f"2024-03-{i:02d}",
     "churn_reason": reason}
    for i, reason in enumerate(REASONS, start=1)
] + [{"customer_id": "z", "signup_date": "2024-06-01"}]
TICKETS = [{"ticket_id": "t1", "customer_id": "z", "created_at": "2024-05-30 09:00",
            "resolved_at": "2024-07-15 10:00"}]


@pytest.fixture
def live(tmp_path, monkeypatch) -> Path:
    make_db(tmp_path, CUSTOMERS, tickets=TICKETS).close()
    path = tmp_path / "retention.duckdb"
    monkeypatch.setattr(settings, "DB_PATH", path)
    return path


def open_page(page: str, params: dict | None = None, editor: bool = False,
              secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if editor:
        at.session_state[auth.ROLE_KEY] = auth.EDITOR
    at.run()
    at.switch_page(page)
    return at.run()


def plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# How each table of the page is told apart (st.dataframe without selections carries no key).
TABLES = {
    "mapping_editor": lambda d: (d.key or "").startswith("mapping_editor"),
    "mapping_all": lambda d: d.editing_mode == "read_only" and "example" in d.value.columns
    and d.value["status"].str.startswith(("Mapped", "Not mapped", "No reason")).all(),
    "mapping_unmapped": lambda d: d.editing_mode == "read_only" and "example" in d.value.columns
    and (d.value["status"] == "unmapped").all(),
    "mapping_versions": lambda d: "other_after_pct" in d.value.columns,
}


def table(at: AppTest, name: str):
    return next(d for d in at.dataframe if TABLES[name](d)).value


def save(at: AppTest, edits: dict[str, dict]) -> AppTest:
    """Seed the editor's cells by reason (as a browser would type them) and press Save."""
    editor = next(d for d in at.dataframe if TABLES["mapping_editor"](d))
    reasons = list(editor.value["reason"])
    at.session_state[editor.key] = {
        "edited_rows": {reasons.index(reason): cells for reason, cells in edits.items()},
        "added_rows": [], "deleted_rows": []}
    at.button(key="mapping_save").click()
    at.run()
    if "mapping_job" in at.session_state:  # a job started, its result not shown yet
        job = mapping.current_job()
        # The page's fragment polls the background job every second; here it is waited for.
        assert job.done.wait(120), f"the re-mapping is still at {job.step}"
        at.run()  # the run the fragment starts when the job has finished
    return at


def churn_totals(at: AppTest) -> dict[str, int]:
    """Customers lost per category, as the Churn reasons page's 'Who owns the fix' table shows."""
    shown = next(d.value for d in at.dataframe if "owner_team" in d.value.columns)
    return dict(zip(shown["category"], shown["customers_lost"]))


def test_the_page_lists_every_reason_with_its_count_category_and_status(live):
    at = open_page(PAGE, editor=True)
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Customers lost": "10", "Reasons not mapped": "2", "Gave no reason": "3"}
    every = table(at, "mapping_all")
    assert every[["reason", "customers_lost", "category", "status"]].values.tolist() == [
        ["budget freeze", 2, None, "Not mapped (in Other)"],
        ["pricing", 2, None, "Not mapped (in Other)"],
        ["too expensive", 3, "Price", "Mapped"],
        [None, 3, None, "No reason given"],  # c8 null, c9 blank, c10 null
    ]
    # the editor offers exactly the unmapped reasons
    assert list(table(at, "mapping_editor")["reason"]) == ["budget freeze", "pricing"]


def test_an_editor_maps_reasons_and_saves_a_new_snapshot_that_every_page_uses(live):
    parent = snapshots.resolve(live)
    at = open_page(PAGE, editor=True)
    at = save(at, {"budget freeze": {"new_category": "Budget", "owner_team": "Finance"},
                   "pricing": {"category": "Price"}})
    assert not at.exception and not at.error, [e.value for e in at.error]
    # Other: 7 of 10 before; 3 of 10 after (only those who gave no reason).
    assert any("Saved mapping version 2" in s.value and "from 70.0% to 30.0%" in s.value
               for s in at.success), [s.value for s in at.success]
    new = snapshots.resolve(live)
    assert new != parent
    assert {m.label: m.value for m in at.metric}["Reasons not mapped"] == "0"
    versions = table(at, "mapping_versions")
    assert versions[["version", "saved_by", "how"]].values.tolist() == [
        [2, "editor (password sign-in)", "app"], [1, "demo data generator", "demo"]]
    assert versions["snapshot_id"].iloc[0] in new.name

    # The Churn reasons page of the same session shows the new category and team.
    at.switch_page(CHURN)
    at.run()
    assert not at.exception and not at.error
    assert churn_totals(at) == {"Price": 5, "Other": 3, "Budget": 2}  # c1-c3 + c6-c7; c8-c10
    shown = next(d.value for d in at.dataframe if "owner_team" in d.value.columns)
    assert shown.loc[shown["category"] == "Budget", "owner_team"].tolist() == ["Finance"]
    con = connect(new)
    try:
        assert con.execute("select owner_team from churn_reason_categories "
                           "where reason_key = 'pricing'").fetchone() == ("Pricing / Finance",)
    finally:
        con.close()


@pytest.mark.slow
def test_a_link_pinned_to_the_older_snapshot_keeps_its_mapping(live):
    parent_id = snapshots.resolve(live).name.removeprefix("retention-").removesuffix(".duckdb")
    at = save(open_page(PAGE, editor=True), {"budget freeze": {"category": "Price"}})
    # The new snapshot's editor is a fresh one: the saved edit is not applied to 'pricing', which
    # moved up into the first row.
    editor = next(d for d in at.dataframe if TABLES["mapping_editor"](d))
    assert list(editor.value["reason"]) == ["pricing"] and parent_id not in editor.key
    assert snapshots.resolve(live).name != f"retention-{parent_id}.duckdb"
    old = open_page(CHURN, {"snapshot": parent_id})
    assert not old.exception and not old.error
    assert churn_totals(old) == {"Other": 7, "Price": 3}
    latest = open_page(CHURN)
    assert churn_totals(latest) == {"Price": 5, "Other": 5}
    # An editor on the old snapshot is told to open the latest data; nothing to edit there.
    at = open_page(PAGE, {"snapshot": parent_id}, editor=True)
    assert not any(TABLES["mapping_editor"](d) for d in at.dataframe)
    assert any("older snapshot" in i.value for i in at.info)


@pytest.mark.slow
def test_saving_without_a_category_changes_nothing(live):
    before = snapshots.resolve(live)
    at = save(open_page(PAGE, editor=True), {})
    assert any("Pick or type a category" in w.value for w in at.warning)
    assert snapshots.resolve(live) == before


def test_a_viewer_reads_the_unmapped_reasons_but_cannot_edit_or_save(live):
    editor_hash = auth.hash_password("editor-battery-staple")
    at = open_page(PAGE, secrets={"passwords": {"editor": editor_hash}})
    assert not at.exception and not at.error
    assert not any(TABLES["mapping_editor"](d) for d in at.dataframe)
    assert not any(b.key == "mapping_save" for b in at.button)
    assert list(table(at, "mapping_unmapped")["reason"]) == ["budget freeze", "pricing"]
    assert any("Only editors can map reasons (sign in as an editor in the sidebar)" in i.value
               for i in at.info), [i.value for i in at.info]


def test_a_signed_out_visitor_of_a_gated_dashboard_sees_only_the_sign_in(live):
    viewer_hash = auth.hash_password("viewer-correct-horse")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets["passwords"] = {"viewer": viewer_hash}
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception and not at.dataframe and not at.metric


def test_the_churn_reasons_warning_tells_no_reason_from_unmapped(live):
    at = open_page(CHURN)
    assert not at.exception and not at.error
    warnings = [plain(w.value) for w in at.warning]
    assert ("70% of lost customers are in Other (more than 15%): 4 of 10 gave a reason the mapping "
            "does not list (2 distinct texts: map them on the Reason mapping page so they reach "
            "the team that owns them); 3 of 10 gave no reason (no mapping can place them; ask "
            "for one when customers cancel).") in warnings, warnings


@pytest.mark.slow
def test_the_data_page_lists_the_mapping_versions(live):
    save(open_page(PAGE, editor=True), {"pricing": {"category": "Price"}})
    at = open_page(DATA)
    assert not at.exception and not at.error
    versions = table(at, "mapping_versions")
    # v2 maps 'pricing': Other 7 -> 5 of 10.
    assert versions[["version", "other_after_pct"]].values.tolist() == [[2, 50.0], [1, 70.0]]
    assert versions["other_before_pct"].iloc[0] == 70.0


def test_the_as_of_picker_reaches_the_latest_date_in_the_data(live):
    # Default as-of 2024-06-01 (z's signup); t1's resolution on 2024-07-15 is the latest date.
    at = open_page("pages/2_Cohorts.py", {"as_of": "2024-07-15"})
    assert not at.exception and not at.error
    picker = at.date_input(key="as_of")
    assert picker.value == date(2024, 7, 15) and picker.max == date(2024, 7, 15)
    assert not any("Ignored an invalid link value" in w.value for w in at.warning)
    caption = next(plain(c.value) for c in at.caption if c.value.startswith(settings.PRODUCT))
    assert "data as of **15 Jul 2024** (default as-of: 01 Jun 2024)" in caption
    # one day later is past the data: dropped (the page the link opens says so), default used
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["as_of"] = "2024-07-16"
    at.run()
    assert any("Ignored an invalid link value for: as_of" in w.value for w in at.warning)
    assert at.date_input(key="as_of").value == date(2024, 6, 1)
