"""Who may see the dashboard, and who may import data (access control).

Three modes, chosen from `.streamlit/secrets.toml` (or the host's secrets):

- `[auth]` present: OpenID Connect through `st.login` gates every page; `st.user` names the
  viewer. Editors are the e-mail addresses of `[editors] emails = [...]`.
- else `[passwords] viewer = "<argon2 hash>"`: a password form gates every page. The editor
  password (`[passwords] editor = "<argon2 hash>"`) signs in as an editor.
- else open: anyone who reaches the server sees the dashboard (the Data page says so). With an
  editor hash configured, editors sign in from the sidebar; without one nobody can import in the app.

Make a hash with `python -m app.auth` (prompts twice, prints the line for secrets.toml).
Passwords are checked with argon2 (argon2-cffi: salted, memory-hard, constant-time comparison).
Failed attempts are slowed down per session (doubling delay) and for the whole server (beyond
GLOBAL_LIMIT failures a minute every attempt waits its turn behind one lock).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping

import streamlit as st
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

OIDC, PASSWORD, OPEN = "oidc", "password", "open"
VIEWER, EDITOR = "viewer", "editor"

ROLE_KEY = "auth_role"  # session_state: the role a password sign-in granted
FAILS_KEY = "auth_failures"  # session_state: failed attempts in this session

# Slow-down of failed attempts. Module constants so tests can shorten them.
SESSION_DELAY_S = 0.5  # first failure waits this long, each further one twice as long ...
SESSION_DELAY_CAP_S = 8.0  # ... up to this
GLOBAL_WINDOW_S = 60.0
GLOBAL_LIMIT = 20  # failures per window across all sessions before attempts are serialised
GLOBAL_DELAY_S = 2.0  # time each serialised attempt takes

_hasher = PasswordHasher()
_failures: deque[float] = deque()
_failures_lock = threading.Lock()
_serial_lock = threading.Lock()


# --- configuration -------------------------------------------------------------------------------


def _secrets() -> Mapping:
    try:
        return st.secrets
    except Exception:  # noqa: BLE001 - no or unreadable secrets file: behave as unconfigured
        return {}


def _section(name: str) -> Mapping:
    try:
        value = _secrets().get(name)
    except Exception:  # noqa: BLE001 - a missing secrets.toml raises on first access
        return {}
    return value if isinstance(value, Mapping) else {}


def _password_hash(role: str) -> str | None:
    value = _section("passwords").get(role)
    return str(value) if value else None


def mode() -> str:
    """OIDC when [auth] is configured, else PASSWORD when a viewer hash is, else OPEN."""
    if _section("auth"):
        return OIDC
    if _password_hash(VIEWER):
        return PASSWORD
    return OPEN


def editor_emails() -> set[str]:
    emails = _section("editors").get("emails", [])
    if isinstance(emails, str):
        emails = [emails]
    return {str(e).strip().lower() for e in emails if str(e).strip()}


# --- password checks -----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _matches(password: str, hashed: str | None) -> bool:
    if not hashed:
        return False
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> str | None:
    """The role this password grants (EDITOR, VIEWER) or None. Both hashes are always checked,
    so the time taken does not tell which one exists or matched."""
    is_editor = _matches(password, _password_hash(EDITOR))
    is_viewer = _matches(password, _password_hash(VIEWER))
    return EDITOR if is_editor else VIEWER if is_viewer else None


def recent_failures(now: float | None = None) -> int:
    now = time.monotonic() if now is None else now
    with _failures_lock:
        while _failures and _failures[0] < now - GLOBAL_WINDOW_S:
            _failures.popleft()
        return len(_failures)


def _record_failure() -> None:
    with _failures_lock:
        _failures.append(time.monotonic())


def session_delay(failures: int) -> float:
    """Seconds a session waits after its n-th failed attempt (n = failures, 1-based)."""
    if failures <= 0:
        return 0.0
    return min(SESSION_DELAY_S * 2 ** (failures - 1), SESSION_DELAY_CAP_S)


def attempt(password: str) -> str | None:
    """Check a sign-in attempt with the slow-downs applied; returns the role or None."""
    if recent_failures() >= GLOBAL_LIMIT:
        # Many failures server-wide (e.g. a guessing script opening new sessions): one attempt
        # at a time, each taking GLOBAL_DELAY_S.
        with _serial_lock:
            time.sleep(GLOBAL_DELAY_S)
            role = check_password(password)
    else:
        role = check_password(password)
    if role is None:
        failures = st.session_state.get(FAILS_KEY, 0) + 1
        st.session_state[FAILS_KEY] = failures
        _record_failure()
        time.sleep(session_delay(failures))
    else:
        st.session_state[FAILS_KEY] = 0
    return role


# --- the gate ------------------------------------------------------------------------------------


def _user_email() -> str:
    return str(st.user.get("email") or "").strip().lower()


def role() -> str | None:
    """The signed-in role in this session (None: not signed in). Open mode is VIEWER."""
    current = mode()
    if current == OIDC:
        if not st.user.get("is_logged_in", False):
            return None
        verified = st.user.get("email_verified", True) is not False
        return EDITOR if verified and _user_email() in editor_emails() else VIEWER
    granted = st.session_state.get(ROLE_KEY)
    if current == PASSWORD:
        return granted
    return EDITOR if granted == EDITOR else VIEWER


def is_editor() -> bool:
    return role() == EDITOR


def editor_sign_in_available() -> bool:
    """True when the sidebar offers an editor sign-in (an editor password, without OIDC)."""
    return mode() != OIDC and bool(_password_hash(EDITOR))


def who() -> str:
    """Who is signed in, in words for a record of who changed what (the reason mapping's
    versions): the e-mail address with OpenID Connect, else how the editor signed in."""
    if mode() == OIDC:
        return _user_email() or str(st.user.get("name") or "signed-in user")
    return "editor (password sign-in)" if role() == EDITOR else "viewer"


def _password_form(key: str, label: str) -> None:
    with st.form(key, clear_on_submit=True, border=key == "auth_login"):
        password = st.text_input(label, type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        granted = attempt(password or "")
        if granted is None:
            st.error("Wrong password.", icon=":material/lock:")
        else:
            st.session_state[ROLE_KEY] = granted
            st.rerun()


def gate(product: str = "Retention dashboard") -> str:
    """Stop the page with a sign-in screen unless this session may see it. Returns the role.

    Call right after st.set_page_config and before anything else is drawn.
    """
    current = role()
    if current is not None:
        return current
    left, middle, right = st.columns([1, 1.2, 1])
    with middle:
        st.title(product)
        if mode() == OIDC:
            st.write("Sign in with your company account to see the dashboard.")
            st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
        else:
            st.write("This dashboard is private. Enter the password you were given.")
            _password_form("auth_login", "Password")
    st.stop()


def _sign_out() -> None:
    st.session_state.pop(ROLE_KEY, None)
    st.session_state.pop(FAILS_KEY, None)


def sidebar() -> None:
    """Who is signed in, sign out, and the editor sign-in where an editor password exists."""
    current, how = role(), mode()
    with st.sidebar:
        if how == OIDC:
            name = st.user.get("name") or st.user.get("email") or "signed in"
            st.caption(f"Signed in as **{name}**" + (" · editor" if current == EDITOR else ""))
            st.button("Sign out", on_click=st.logout, key="auth_sign_out", type="tertiary",
                      icon=":material/logout:")
            return
        if current == EDITOR or how == PASSWORD:
            st.caption("Signed in" + (" · editor" if current == EDITOR else ""))
            st.button("Sign out", on_click=_sign_out, key="auth_sign_out", type="tertiary",
                      icon=":material/logout:")
        if current != EDITOR and _password_hash(EDITOR):
            with st.expander("Editor sign-in", icon=":material/edit:"):
                _password_form("auth_editor", "Editor password")


def require_editor() -> None:
    """Stop a page that only editors may use (the import page)."""
    if is_editor():
        return
    st.error("This page is for editors only.", icon=":material/lock:")
    if mode() == OPEN and not _password_hash(EDITOR):
        st.caption("No editor is configured: set an editor password or OpenID Connect with an "
                   "e-mail allow-list (README, Deploy), or load data with `python -m data.load`.")
    st.stop()


def access_notice() -> tuple[str, str]:
    """(level, sentence) describing who can see this dashboard, for the Data page."""
    how = mode()
    if how == OIDC:
        count = len(editor_emails())
        return "info", (f"Access: sign-in with OpenID Connect; {count} editor e-mail address(es) "
                        "may import data.")
    if how == PASSWORD:
        extra = "a separate editor password" if _password_hash(EDITOR) else "no editor password"
        return "info", f"Access: protected by a password; {extra} is configured for importing."
    return "warning", ("Access: **open** - no sign-in is configured, so anyone who can reach this "
                       "server can see the dashboard. Configure `[auth]` or a password in "
                       "`.streamlit/secrets.toml` before sharing it (README, Deploy).")


def main(argv: list[str] | None = None) -> int:
    """`python -m app.auth`: print an argon2 hash for secrets.toml."""
    import argparse
    import getpass

    argparse.ArgumentParser(
        prog="python -m app.auth",
        description="Asks for a password twice (not echoed) and prints its argon2 hash, a line to "
        "paste under [passwords] in .streamlit/secrets.toml as viewer = ... or editor = ... "
        "(README, Deploy). Needs a terminal; at least 12 characters.").parse_args(argv)
    first = getpass.getpass("Password: ")
    if len(first) < 12:
        print("Use at least 12 characters.")
        return 1
    if getpass.getpass("Again: ") != first:
        print("The two entries differ.")
        return 1
    print(f'viewer = "{hash_password(first)}"   # or editor = ..., under [passwords]')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
