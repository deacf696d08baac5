"""What each page item can show on a snapshot's data: the sections of views/catalog.py judged
against the snapshot's stored facts (data/capabilities.py) by what each needs (data/needs.py).

Pages, the board pack and the Data page ask `line(caps, key)`: None when the item can be drawn,
else the one line that says which file or column would fill it. `describe(caps)` lists every item
with ✓ or that line, for the Data page and the importer's printed summary. No streamlit here.

    caps = capabilities.read(con)
    needs.line(caps, "support.ces")
    # 'Add `ces` to your tickets file to see customer effort — README, Your data'
"""

from __future__ import annotations

from datetime import date

from data.capabilities import MIXED, NONE, UNDATED, Capabilities
from data.needs import README, REPLACEMENTS, Need, split
from data.words import count
from views.catalog import COMPARE_DIMENSIONS, ITEMS, PAGE_OF

# Compare-by choices of the Cohorts page: dimension -> need (more than one group).
COMPARE = {d: split(d) for d in COMPARE_DIMENSIONS}


def missing(caps: Capabilities, key: str) -> Need | None:
    """The first need of ITEMS[key] the data does not meet, or None."""
    for need in ITEMS[key].needs:
        if not need.met(caps):
            return need
    return None


def shows(caps: Capabilities, key: str) -> bool:
    return missing(caps, key) is None


def line(caps: Capabilities, key: str) -> str | None:
    """None when the item can be drawn; else one line naming the file or column that would
    fill it: 'Add `ces` to your tickets file to see customer effort — README, Your data'."""
    need = missing(caps, key)
    if need is None:
        return None
    return f"{need.fix(caps)} to see {ITEMS[key].label} — {README}"


def lines(caps: Capabilities, keys) -> list[str]:
    """One line per missing thing for several items (a row of tiles): items that the same file
    or column would fill share a line ('Add a tickets file (`--tickets`) to see CSAT and first
    response time — …')."""
    by_fix: dict[str, list[str]] = {}
    for key in keys:
        need = missing(caps, key)
        if need is not None and need.kind not in REPLACEMENTS:
            by_fix.setdefault(need.fix(caps), []).append(ITEMS[key].label)
    return [f"{fix} to see {_and(labels)} — {README}" for fix, labels in by_fix.items()]


def _and(words: list[str]) -> str:
    words = list(dict.fromkeys(words))  # a tile and a chart of the same thing: named once
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def no_churn(as_of: date, filtered: bool = False) -> str:
    """Data present, no event yet: the message for a churn chart with nothing to draw."""
    who = " among these customers" if filtered else ""
    return f"No churn{who} up to {as_of:%d %b %Y}"


OK, ABSENT, NOT_YET = "ok", "absent", "not yet"


def status(caps: Capabilities, key: str, as_of: date | None = None) -> tuple[str, str]:
    """(OK, ''), (ABSENT, what would fill it) or (NOT_YET, the no-churn message) for one item."""
    need = missing(caps, key)
    if need is not None:
        return ABSENT, need.fix(caps)
    as_of = as_of or caps.default_as_of
    if ITEMS[key].churn and as_of is not None and not caps.churn_by(as_of):
        return NOT_YET, no_churn(as_of)
    return OK, ""


def report(caps: Capabilities, as_of: date | None = None) -> list[tuple[str, str, str, str]]:
    """(page, what it shows, state, words) for every chart, tile and choice of every page."""
    out = []
    for key, item in ITEMS.items():
        need = missing(caps, key)
        if need is not None and need.kind in REPLACEMENTS:
            continue  # drawn in place of what this shape of churn cannot show
        if item.kind not in ("filter", "section", "option"):
            state, words = status(caps, key, as_of)
            label = item.label.removeprefix("the ")
            out.append((PAGE_OF[key], label[0].upper() + label[1:], state, words))
    return out


MARKS = {OK: "✓", ABSENT: "✗", NOT_YET: "–"}


def describe(caps: Capabilities, as_of: date | None = None) -> list[str]:
    """What this data can show, one line per page item ('✓ Support KPIs: CSAT', '✗ Support KPIs:
    Customer effort — add `ces` to your tickets file', '– Churn reasons: Customers lost — no churn
    up to 30 Sep 2024'). The Data page shows the same list; the importer prints it."""
    return [f"{shape_line(caps)}."] + [
        f"{MARKS[state]} {page}: {label}" + (f" — {words[0].lower()}{words[1:]}" if words else "")
        for page, label, state, words in report(caps, as_of)]


def shape_line(caps: Capabilities) -> str:
    """What the shape of churn (Capabilities.churn_shape) lets the pages show, in one line."""
    shape, dated, undated = caps.churn_shape, caps.churned_dated, caps.churned_undated
    if shape == UNDATED:
        return (f"Churn without dates: {count(undated, 'churned customers')}, none with a churn "
                "date — the churn share and retention by tenure (Kaplan–Meier over tenure "
                "months), by every dimension; no monthly churn, retention or MRR history")
    if shape == MIXED:
        return (f"Churn partly dated: the monthly history of the {count(dated, 'churned customers')}"
                f" with a churn date; {undated:,} without one left out of every number")
    if shape == NONE:
        return ("No churn: no customer has churned or has a churn date — activity retention "
                "(who came back) when there is activity; `--inactive-days N` turns inactivity "
                "into churn")
    return (f"Dated churn: {count(dated, 'churned customers')} with a churn date — monthly "
            "churn, retention and their history")


def left_out(caps: Capabilities, keys) -> str | None:
    """One line for everything a document leaves out for lack of data, or None: 'Left out for
    lack of data: CSAT and first response time (add a tickets file (`--tickets`)); NPS (add an
    NPS file (`--nps`)) — README, Your data.'"""
    by_fix: dict[str, list[str]] = {}
    for key in dict.fromkeys(keys):
        need = missing(caps, key)
        if need is not None and need.kind not in REPLACEMENTS:
            by_fix.setdefault(need.fix(caps), []).append(ITEMS[key].label)
    if not by_fix:
        return None
    parts = [f"{_and(labels)} ({fix[0].lower()}{fix[1:]})" for fix, labels in by_fix.items()]
    return f"Left out for lack of data: {'; '.join(parts)} — {README}."


def by_page(caps: Capabilities, as_of: date | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """describe() grouped for reading: page -> (what it shows, [what it cannot show, and why])."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for page, label, state, words in report(caps, as_of):
        shown, not_shown = out.setdefault(page, ([], []))
        if state == OK:
            shown.append(label)
        else:
            not_shown.append(f"{MARKS[state]} {label} — {words[0].lower()}{words[1:]}")
    return out
