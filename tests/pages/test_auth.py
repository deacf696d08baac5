"""Access control, reached as a browser does: entry script first, then switch_page.

Secrets are set with at.secrets; password hashes are real argon2 hashes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import auth
import settings
from data.demo.generate import generate

ROOT = Path(__file__).resolve().parents[2]
VIEWER_PW, EDITOR_PW = "viewer-correct-horse", "editor-battery-staple"
HASHES = {"viewer": auth.hash_password(VIEWER_PW), "editor": auth.hash_password(EDITOR_PW)}
IMPORT = "pages/7_Import.py"
OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration"}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    live = tmp_path_factory.mktemp("auth") / "retention.duckdb"
    generate(live, customers=800)
    return live


@pytest.fixture(autouse=True)
def _setup(db, monkeypatch):
    monkeypatch.setattr(settings, "DB_PATH", db)
    monkeypatch.setattr(auth, "SESSION_DELAY_S", 0.2)


def app(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    return at


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input[0].input(password)
    at.button[0].click()
    return at.run()


def shows_only_the_sign_in(at: AppTest) -> bool:
    """Nothing of the dashboard: no charts, tiles, filters, navigation or sidebar at all."""
    return (
        not at.exception
        and not at.get("plotly_chart") and not at.metric and not at.multiselect
        and not at.date_input and not at.page_link and not at.dataframe
        and len(at.sidebar.children) == 0
    )


def test_without_a_session_only_the_password_form_renders():
    at = app({"passwords": HASHES}).run()
    assert shows_only_the_sign_in(at)
    assert len(at.text_input) == 1 and at.text_input[0].label == "Password"
    # a deep link to another page gets the same form, nothing else
    at.switch_page("pages/2_Cohorts.py").run()
    assert shows_only_the_sign_in(at) and len(at.text_input) == 1
    at.switch_page(IMPORT).run()
    assert shows_only_the_sign_in(at) and not at.file_uploader


def test_a_wrong_password_is_refused_and_slowed_down():
    at = app({"passwords": HASHES}).run()
    started = time.monotonic()
    sign_in(at, "guess-1")
    assert shows_only_the_sign_in(at)
    assert [e.value for e in at.error] == ["Wrong password."]
    first = time.monotonic() - started
    started = time.monotonic()
    sign_in(at, "guess-2")
    second = time.monotonic() - started
    assert shows_only_the_sign_in(at) and at.session_state[auth.FAILS_KEY] == 2
    # the second failure waits twice as long as the first (0.2 s, then 0.4 s)
    assert first >= 0.2 and second >= 0.4


@pytest.mark.slow
def test_the_right_password_opens_the_dashboard():
    at = sign_in(app({"passwords": HASHES}).run(), VIEWER_PW)
    assert not at.exception and at.metric and at.get("plotly_chart")
    assert at.session_state[auth.ROLE_KEY] == auth.VIEWER


def test_a_viewer_can_neither_see_nor_reach_the_import_page():
    at = sign_in(app({"passwords": HASHES}).run(), VIEWER_PW)
    assert IMPORT not in [link.proto.page for link in at.page_link]
    assert "Import data" not in [link.label for link in at.page_link]
    at.switch_page(IMPORT).run()
    assert not at.exception and not at.file_uploader
    assert any("editors only" in e.value for e in at.error)


def test_the_editor_password_opens_the_import_page():
    at = sign_in(app({"passwords": HASHES}).run(), EDITOR_PW)
    assert "Import data" in [link.label for link in at.page_link]
    at.switch_page(IMPORT).run()
    # one slot per file `python -m data.load` takes, and its options
    assert not at.exception and sorted(u.label for u in at.file_uploader) == [
        "Activity or transactions", "Churn events", "Churn-reason mapping", "Customers",
        "MRR history", "NPS responses", "Outreach contacts",
        "Subscriptions (instead of MRR history)", "Support tickets"]
    assert at.date_input(key="import_as_of").value is None  # empty: the latest date in the files
    assert at.selectbox(key="import_date_format").options == [
        "Recognise automatically", "YYYY-MM-DD", "YYYY/MM/DD", "DD.MM.YYYY", "DD/MM/YYYY",
        "MM/DD/YYYY", "YYYYMMDD"]
    assert at.checkbox(key="import_skip_bad_rows").value is False
    assert at.number_input(key="import_inactive_days").value is None


def test_oidc_without_login_shows_only_the_sign_in_button():
    at = app({"auth": OIDC}, user={"is_logged_in": False}).run()
    assert shows_only_the_sign_in(at) and not at.text_input
    assert [b.label for b in at.button] == ["Sign in"]


def test_oidc_editors_come_from_the_allow_list():
    secrets = {"auth": OIDC, "editors": {"emails": ["Lead@Example.com"]}}
    viewer = app(secrets, user={"is_logged_in": True, "email": "someone@example.com"}).run()
    assert not viewer.exception and viewer.metric
    assert "Import data" not in [link.label for link in viewer.page_link]
    editor = app(secrets, user={"is_logged_in": True, "email": "lead@example.com",
                                "name": "Lead"}).run()
    assert "Import data" in [link.label for link in editor.page_link]


def test_open_mode_runs_without_sign_in_and_has_no_editor():
    at = app().run()
    assert not at.exception and at.metric
    assert "Import data" not in [link.label for link in at.page_link]
    assert not any(t.label == "Password" for t in at.text_input)
    assert not any(b.label == "Sign in" for b in at.button)
    at.switch_page(IMPORT).run()
    assert not at.file_uploader and any("editors only" in e.value for e in at.error)


def test_password_checks_use_argon2_and_accept_only_the_right_password():
    assert HASHES["viewer"].startswith("$argon2id$")
    assert auth._matches(VIEWER_PW, HASHES["viewer"])
    assert not auth._matches(VIEWER_PW + " ", HASHES["viewer"])
    assert not auth._matches(VIEWER_PW, "not a hash")
    assert not auth._matches(VIEWER_PW, None)


def test_failures_across_sessions_serialise_attempts(monkeypatch):
    monkeypatch.setattr(auth, "GLOBAL_LIMIT", 3)
    monkeypatch.setattr(auth, "GLOBAL_DELAY_S", 0.3)
    monkeypatch.setattr(auth, "_failures", auth.deque([time.monotonic()] * 3))
    at = app({"passwords": HASHES}).run()
    started = time.monotonic()
    sign_in(at, "guess")
    assert time.monotonic() - started >= 0.3 + 0.2
    assert auth.recent_failures() == 4


def test_the_data_page_says_who_can_see_the_dashboard():
    open_app = app().run()
    open_app.switch_page("pages/6_Data_and_definitions.py").run()
    assert not open_app.exception
    assert any("Access: **open**" in w.value for w in open_app.warning)
    guarded = sign_in(app({"passwords": HASHES}).run(), VIEWER_PW)
    guarded.switch_page("pages/6_Data_and_definitions.py").run()
    assert not guarded.exception
    assert any("protected by a password" in i.value for i in guarded.info)
