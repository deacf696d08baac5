"""The Support KPIs page's targets: first-response and resolution hours per ticket priority, read
from targets.toml and adjustable in the sidebar for the session."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import streamlit as st

import snapshot

log = logging.getLogger("retention.support_targets")

TARGETS_FILE = Path(__file__).resolve().parent / "targets.toml"
PRIORITY_ORDER = ("urgent", "high", "normal", "low")


@st.cache_data(show_spinner=False)
def default_targets() -> dict[str, dict[str, float]]:
    """Target hours per priority from targets.toml ({} when the file is missing or broken)."""
    try:
        with open(TARGETS_FILE, "rb") as handle:
            return {k: {p: float(h) for p, h in v.items()} for k, v in tomllib.load(handle).items()}
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("targets.toml unreadable: %r", exc)
        return {}


def target_inputs(priorities: list[str]) -> dict[str, dict[str, float]]:
    """Sidebar inputs for the support targets per priority (page-level, session only)."""
    defaults = default_targets()
    out = {}
    with st.sidebar.expander("Support targets (hours)", expanded=False,
                             icon=":material/flag:"):
        for kind, label in (("first_response_h", "First response"),
                            ("resolution_h", "Resolution")):
            st.markdown(f"**{label}**")
            out[kind] = {}
            for priority in priorities:
                default = defaults.get(kind, {}).get(priority)
                value = st.number_input(
                    priority, min_value=0.0, max_value=10_000.0, step=1.0,
                    value=default, key=f"support_target_{kind}_{priority}",
                    placeholder="no target",
                )
                if value is not None:
                    out[kind][priority] = value
    return out


def priorities() -> list[str]:
    """Ticket priorities in this snapshot's tickets (whatever the filters), most urgent first."""
    return ordered_priorities(snapshot.current()["priorities"])


def ordered_priorities(found: list[str]) -> list[str]:
    """Ticket priorities, most urgent first, unknown ones after in alphabetical order."""
    rank = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return sorted(map(str, found), key=lambda p: (rank.get(p.lower(), len(rank)), p))
