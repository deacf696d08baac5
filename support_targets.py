"""The Support KPIs page's ticket priorities, most urgent first. Their first-response and
resolution targets live in the workspace with every other target (workspace_ui.target)."""

from __future__ import annotations

import snapshot

PRIORITY_ORDER = ("urgent", "high", "normal", "low")


def priorities() -> list[str]:
    """Ticket priorities in this snapshot's tickets (whatever the filters), most urgent first."""
    return ordered_priorities(snapshot.current()["priorities"])


def ordered_priorities(found: list[str]) -> list[str]:
    """Ticket priorities, most urgent first, unknown ones after in alphabetical order."""
    rank = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return sorted(map(str, found), key=lambda p: (rank.get(p.lower(), len(rank)), p))
