"""The Support KPIs page's ticket priorities, most urgent first. Their first-response and
resolution targets live in the workspace with every other target (workspace_ui.target)."""

from __future__ import annotations

from app import database

# Help desks name the same levels differently (Zendesk: urgent/high/normal/low; Jira and many
# exports: critical or highest, medium, lowest; P1-P4): each word's rank, most urgent first.
PRIORITY_RANK = {
    **dict.fromkeys(("critical", "urgent", "highest", "blocker", "p1"), 0),
    **dict.fromkeys(("high", "p2"), 1),
    **dict.fromkeys(("medium", "normal", "p3"), 2),
    **dict.fromkeys(("low", "p4"), 3),
    **dict.fromkeys(("lowest", "p5"), 4),
}


def priorities() -> list[str]:
    """Ticket priorities in this snapshot's tickets (whatever the filters), most urgent first."""
    return ordered_priorities(database.current()["priorities"])


def ordered_priorities(found: list[str]) -> list[str]:
    """Ticket priorities, most urgent first; words the ranks do not know (and 'Unknown', for
    tickets without one) after them, alphabetically."""
    last = max(PRIORITY_RANK.values()) + 1
    return sorted(map(str, found), key=lambda p: (PRIORITY_RANK.get(p.strip().lower(), last), p))
