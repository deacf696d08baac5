"""app/sharing.py's pure helpers: which snapshot a link opens, and the link itself."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app import sharing
from data import snapshots
from tests.unit.fixtures import make_db

ONE = [{"customer_id": "a", "signup_date": "2024-01-31"}]
TWO = ONE + [{"customer_id": "b", "signup_date": "2024-02-10"}]


@pytest.fixture()
def two_snapshots(tmp_path):
    """A live path with an old snapshot (1 customer) and the current one (2 customers)."""
    make_db(tmp_path, ONE).close()
    live = tmp_path / "retention.duckdb"
    old = sharing.snapshot_id_of(snapshots.resolve(live), live)
    make_db(tmp_path, TWO).close()
    new = sharing.snapshot_id_of(snapshots.resolve(live), live)
    return live, old, new


def test_snapshot_id_of_reads_the_file_name(tmp_path):
    live = tmp_path / "retention.duckdb"
    path = snapshots.snapshot_path(live, "20261118T101500-abc123")
    assert sharing.snapshot_id_of(path, live) == "20261118T101500-abc123"
    assert sharing.snapshot_id_of(tmp_path / "other-20261118T101500-abc123.duckdb", live) is None
    assert sharing.snapshot_id_of(live, live) is None
    assert sharing.snapshot_time("20261118T101500-abc123") == datetime(2026, 11, 18, 10, 15)
    assert sharing.snapshot_time("nonsense") is None


def test_no_parameter_serves_the_live_snapshot(two_snapshots):
    live, old, new = two_snapshots
    pin = sharing.resolve_pin(live, None)
    assert pin.snapshot_id == new and pin.latest_id == new
    assert pin.path == snapshots.resolve(live) and not pin.is_old and not pin.missing


def test_a_kept_old_snapshot_is_served_from_its_own_file(two_snapshots):
    live, old, new = two_snapshots
    pin = sharing.resolve_pin(live, old)
    assert pin.snapshot_id == old and pin.latest_id == new
    assert pin.path == snapshots.snapshot_path(live, old) and pin.path.is_file()
    assert pin.is_old and not pin.missing
    assert pin.latest_path == snapshots.resolve(live)


def test_the_latest_id_in_a_link_is_not_old(two_snapshots):
    live, old, new = two_snapshots
    pin = sharing.resolve_pin(live, new)
    assert pin.snapshot_id == new and not pin.is_old and not pin.missing


@pytest.mark.parametrize(
    "requested",
    ["20200101T000000-000000", "../../etc/passwd", "x" * 500, "'; drop table customers; --", "  "],
)
def test_unknown_pruned_or_hostile_ids_fall_back_to_latest(two_snapshots, requested):
    live, old, new = two_snapshots
    pin = sharing.resolve_pin(live, requested)
    assert pin.snapshot_id == new and pin.path == snapshots.resolve(live)
    assert pin.missing == bool(requested.strip())


def test_a_pruned_snapshot_is_reported_missing(two_snapshots):
    live, old, new = two_snapshots
    # What prune does to an old snapshot (prune itself orders ids made in the same second by
    # their random part, so it is not used here).
    snapshots.snapshot_path(live, old).unlink()
    pin = sharing.resolve_pin(live, old)
    assert pin.missing and pin.snapshot_id == new and not pin.is_old


def test_available_lists_ids_newest_first(two_snapshots):
    live, old, new = two_snapshots
    assert set(sharing.available(live)) == {old, new}
    ids = sharing.available(live)
    assert ids == sorted(ids, reverse=True)


def test_share_url_keeps_every_filter_with_repeated_keys():
    url = sharing.share_url(
        "https://retention.example.com/app/",
        "Cohorts",
        {"plan": ["Growth", "Starter"], "grain": "quarter", "as_of": date(2026, 10, 31),
         "snapshot": "20261118T101500-abc123", "segment": [], "signup_from": None},
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "retention.example.com",
                                                        "/app/Cohorts")
    assert parse_qs(parts.query) == {
        "plan": ["Growth", "Starter"], "grain": ["quarter"], "as_of": ["2026-10-31"],
        "snapshot": ["20261118T101500-abc123"],
    }


def test_share_url_escapes_values_and_handles_the_home_page():
    url = sharing.share_url("http://localhost:8501", "", {"industry": ["Retail & e-commerce"]})
    assert url == "http://localhost:8501/?industry=Retail+%26+e-commerce"
    assert sharing.share_url("", "Churn_reasons", {}) == "http://localhost:8501/Churn_reasons"


def test_base_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RETENTION_BASE_URL", "https://dash.example.com")
    assert sharing.configured_base_url() == "https://dash.example.com"


def test_presentation_css_hides_the_sidebar_and_stacks_charts():
    css = sharing.PRESENT_CSS
    assert '[data-testid="stSidebar"]' in css and "display: none" in css
    assert "flex-direction: column" in css and "stPlotlyChart" in css
    # the toggle that leaves presentation mode stays visible
    assert ".st-key-sharing_present" in css


def test_snapshot_files_are_real_paths(two_snapshots):
    live, old, new = two_snapshots
    assert Path(sharing.resolve_pin(live, old).path).resolve() == sharing.resolve_pin(live, old).path
