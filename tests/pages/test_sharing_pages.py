"""Pinned links, the importer and presentation mode, through the real pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
import queries
import settings
from app import sharing
from data import snapshots
from data.demo.generate import generate

ROOT = Path(__file__).resolve().parents[2]
EDITOR_PW = "editor-battery-staple"
SECRETS = {"passwords": {"editor": auth.hash_password(EDITOR_PW)}}  # open viewing, editor sign-in
IMPORT = "pages/7_Import.py"
BAD_CUSTOMERS = b"customer_id,signup_date\nc1,2025-01-05\nc1,31/02/2025\n"


@pytest.fixture()
def db(tmp_path, monkeypatch) -> Path:
    live = tmp_path / "data" / "retention.duckdb"
    generate(live, customers=800, seed=1)
    monkeypatch.setattr(settings, "DB_PATH", live)
    monkeypatch.setattr(auth, "SESSION_DELAY_S", 0.0)
    return live


@pytest.fixture(scope="module")
def other_customers(tmp_path_factory) -> bytes:
    """A valid customers export (a different demo population) as CSV bytes."""
    folder = tmp_path_factory.mktemp("other")
    generate(folder / "other.duckdb", customers=500, seed=9)
    out = folder / "customers.csv"
    con = duckdb.connect(str(snapshots.resolve(folder / "other.duckdb")), read_only=True)
    con.execute("copy (select * exclude (name) from customers) to '" + str(out) + "' (header)")
    con.close()
    return out.read_bytes()


def app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in SECRETS.items():
        at.secrets[key] = value
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def tile(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def expected_active(path: Path) -> float:
    con = queries.connect(path)
    try:
        kpis = queries.kpi_summary(con, queries.Filters())
    finally:
        con.close()
    return float(kpis.loc[kpis["kpi"] == "active_customers", "value"].iloc[0])


def as_editor_on_import_page(at: AppTest) -> AppTest:
    at.run()
    at.sidebar.expander[0]  # the editor sign-in lives in the sidebar
    form_input = next(t for t in at.text_input if t.label == "Editor password")
    form_input.input(EDITOR_PW)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    at.switch_page(IMPORT).run()
    assert not at.exception and len(at.file_uploader) == 9  # one per file data.load takes
    return at


def submit(at: AppTest, customers: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="import_customers").set_value((*customers, "text/csv"))
    next(b for b in at.button if b.label == "Validate and import").click()
    return at.run()


@pytest.mark.slow
def test_the_importer_switches_snapshots_only_on_valid_input(db, other_customers):
    before = snapshots.resolve(db)
    at = as_editor_on_import_page(app())
    submit(at, ("customers.csv", BAD_CUSTOMERS))
    assert not at.exception
    assert any("Nothing was changed" in e.value for e in at.error)
    problems = at.table[0].value
    assert set(problems.index) == {"customers.csv"} and "line 3" in set(problems["where"])
    assert snapshots.resolve(db) == before

    submit(at, ("export.csv", other_customers))
    assert not at.exception and any("Imported snapshot" in s.value for s in at.success)
    # the import summary python -m data.load prints, rows per table included
    summary = next(c.value for c in at.code if c.value.startswith("As of "))
    assert "customers" in summary and "Rows:" in summary
    after = snapshots.resolve(db)
    assert after != before and before.is_file()
    # the page (and every page after it) now reads the new snapshot
    assert sharing.snapshot_id_of(after, db) in " ".join(c.value for c in at.caption)


@pytest.mark.slow
def test_a_link_to_an_old_snapshot_shows_the_old_numbers_after_a_new_import(db, other_customers):
    old = snapshots.resolve(db)
    old_id = sharing.snapshot_id_of(old, db)
    first = app().run()
    old_value = tile(first, "Active customers")

    submit(as_editor_on_import_page(app()), ("export.csv", other_customers))
    new = snapshots.resolve(db)
    assert new != old and expected_active(old) != expected_active(new)

    pinned = app({"snapshot": old_id}).run()
    assert not pinned.exception
    assert tile(pinned, "Active customers") == old_value == f"{expected_active(old):,.0f}"
    assert any("Snapshot of" in i.value and "newer data" in i.value for i in pinned.info)
    assert pinned.selectbox(key="sharing_snapshot").value == old_id
    assert any("newer data exists" in c.value for c in pinned.sidebar.caption)

    latest = app().run()
    assert tile(latest, "Active customers") == f"{expected_active(new):,.0f}"
    assert not any("Snapshot of" in i.value for i in latest.info)

    # "Open latest" moves the pinned session to the new snapshot and its as-of date
    pinned.button(key="sharing_open_latest").click().run()
    assert not pinned.exception
    assert tile(pinned, "Active customers") == f"{expected_active(new):,.0f}"


def test_a_pruned_snapshot_link_says_so_and_shows_the_latest(db):
    at = app({"snapshot": "20200101T000000-abcdef"}).run()
    assert not at.exception
    assert any("no longer kept" in w.value for w in at.warning)
    assert tile(at, "Active customers") == f"{expected_active(db):,.0f}"


def test_the_copied_link_has_every_filter_the_snapshot_and_the_as_of_date(db, monkeypatch):
    monkeypatch.setenv("RETENTION_BASE_URL", "https://dash.example.com/retention")
    at = app({"plan": ["Growth", "Starter"], "grain": "quarter"}).run()
    at.switch_page("pages/2_Cohorts.py").run()
    assert not at.exception
    url = next(c.value for c in at.code if c.value.startswith("https://"))
    parts = urlsplit(url)
    assert parts.netloc == "dash.example.com" and parts.path == "/retention/Cohorts"
    query = parse_qs(parts.query)
    con = queries.connect(db)
    try:
        meta = queries.meta(con)
    finally:
        con.close()
    assert query["plan"] == ["Growth", "Starter"] and query["grain"] == ["quarter"]
    assert query["snapshot"] == [meta["snapshot_id"]]
    assert query["as_of"] == [str(meta["default_as_of"])[:10]]


def _present_css(at: AppTest) -> bool:
    return any('[data-testid="stSidebar"]' in h.proto.body for h in at.get("html"))


def test_presentation_mode_hides_the_sidebar_and_keeps_the_filters(db):
    at = app({"present": "1", "plan": "Growth"}).run()
    assert not at.exception and _present_css(at)
    assert at.multiselect(key="plan").value == ["Growth"]
    at.switch_page("pages/2_Cohorts.py").run()
    assert not at.exception and _present_css(at)
    assert at.multiselect(key="plan").value == ["Growth"]
    # the toggle leaves it again
    at.toggle(key="sharing_present").set_value(False).run()
    assert not _present_css(at)
    normal = app().run()
    assert not normal.exception and not _present_css(normal)


def test_the_overview_offers_the_board_pack(db):
    at = app().run()
    assert any(b.label == "Board pack" for b in at.get("download_button"))
