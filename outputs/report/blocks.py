"""The board pack's building blocks: what a snapshot can show, a section, the workspace's marks
(targets and notes) of the pack being built, and the HTML of a figure, the KPI tiles, notes and
bullets. No streamlit here."""

from __future__ import annotations

import contextvars
import html
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.io as pio

import charts
from words import definitions
from data import capabilities, workspace
from views import needs
from words.formatting import format_delta, format_value, is_flat
from queries import Filters
from views.targets import Target, for_view, from_rows, verdict

FIGURE_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}


@dataclass
class Shown:
    """What the pack draws for this snapshot and view: an item whose data the snapshot lacks is
    left out (views/needs.py), as on the pages, and named in the pack's one left-out line."""

    caps: capabilities.Capabilities
    as_of: date
    filtered: bool
    left_out: list[str] | None = None

    def can(self, key: str) -> bool:
        if needs.shows(self.caps, key):
            return True
        self.left_out = (self.left_out or []) + [key]
        return False

    def churned(self) -> bool:
        return self.caps.churn_by(self.as_of)

    def nothing(self, what: str = "") -> str:
        """The empty state of a chart whose data is there: the filters select nobody it counts,
        or nothing has happened yet."""
        if self.filtered:
            return f"No customers match these filters{f' ({what})' if what else ''}."
        return f"Nothing to show up to {self.as_of:%d %b %Y}{f' ({what})' if what else ''}."


@dataclass
class Section:
    title: str
    intro: str = ""
    blocks: list[str] | None = None  # HTML fragments in order

    def add(self, fragment: str) -> None:
        self.blocks = (self.blocks or []) + [fragment]


def esc(value) -> str:
    return html.escape(str(value), quote=True)


# --- building blocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """What the workspace adds to the pack's view: its targets and the notes that concern it."""

    targets: tuple[Target, ...] = ()
    notes: tuple[tuple[date, str], ...] = ()
    plans: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    grain: str = "month"

    def target(self, kpi: str | None) -> Target | None:
        return for_view(list(self.targets), kpi, self.plans, self.segments) if kpi else None


# The marks of the pack being built (board_pack sets them): every figure and tile reads them.
PACK_MARKS: contextvars.ContextVar[Marks | None] = contextvars.ContextVar("pack_marks", default=None)


def _marks() -> Marks:
    return PACK_MARKS.get() or Marks()


def read_marks(live, f: Filters, grain: str = "month") -> Marks:
    """The workspace's targets and the notes for this view (the workspace beside `live`)."""
    with workspace.connect(live) as ws:
        rows, notes = workspace.targets(ws), workspace.annotations(ws)
    return Marks(tuple(from_rows(rows)), tuple(workspace.notes_for(notes, f.plans, f.segments)),
                 tuple(f.plans), tuple(f.segments), grain)


def figure_block(chart: charts.Chart, definition: str, n=None, unit: str = "customers",
                 as_of: date | None = None, note: str = "", empty: str = "",
                 kpi: str | None = None) -> str:
    """A figure with its caption (definition · N · as of) and its definition in words; `empty`
    (or 'No customers match these filters') when there is nothing to draw. The pack's notes are
    marked on it, and with `kpi` that KPI's target drawn."""
    d = definitions.DEFINITIONS[definition]
    if chart.data.empty or n == 0:
        text = empty or f"No customers match these filters ({d.name})."
        return f'<p class="empty">{esc(text)}</p>'
    marks = _marks()
    chart = charts.with_view_notes(chart, list(marks.notes), marks.grain)
    goal = marks.target(kpi)
    if goal is not None:
        charts.with_target(chart.figure, goal.value, goal.label())
    div = pio.to_html(charts.app_look(chart.figure), full_html=False, include_plotlyjs=False,
                      config=FIGURE_CONFIG, default_width="100%")
    caption = definitions.caption(definition, n, as_of, unit) + (f" · {note}" if note else "")
    return (f'<figure class="chart">{div}<figcaption><p class="caption">{esc(caption)}</p>'
            f'<p class="definition">{esc(d.text)}</p></figcaption></figure>')


def tiles_block(kpis: pd.DataFrame, min_n: int) -> str:
    cards = []
    for _, row in kpis.iterrows():
        delta = format_delta(row["delta"], row["unit"]) or ""
        # As on the app's tiles: a change that rounds to nothing is neither good nor bad.
        good = None
        if delta and not is_flat(row["delta"], row["unit"]):
            good = (row["delta"] > 0) == bool(row["higher_is_better"])
        tone = " flat" if good is None else (" good" if good else " bad")
        low = "" if row["is_reliable"] else f' <span class="low">⚠ fewer than {min_n}</span>'
        cards.append(
            f'<div class="tile"><div class="label">{esc(row["label"])}{low}</div>'
            f'<div class="value">{esc(format_value(row["value"], row["unit"]))}</div>'
            + (f'<div class="delta{tone}">{esc(delta)} '
               f'<span class="vs">vs {pd.Timestamp(row["previous_period"]):%b %Y}</span></div>'
               if delta else "") +
            f'<div class="n">N = {int(row["n"]):,}</div>{_note_line(row)}{_target_line(row)}</div>'
        )
    return f'<div class="tiles">{"".join(cards)}</div>'


def n_tiles_block(rows: list[dict], min_n: int) -> str:
    """Tiles of one moment (no month to compare with): label, value and the N behind it."""
    cards = []
    for row in rows:
        low = "" if row["is_reliable"] else f' <span class="low">⚠ fewer than {min_n}</span>'
        cards.append(
            f'<div class="tile"><div class="label">{esc(row["label"])}{low}</div>'
            f'<div class="value">{esc(format_value(row["value"], row["unit"]))}</div>'
            f'<div class="n">N = {int(row["n"]):,} {esc(row.get("n_unit", ""))}</div></div>')
    return f'<div class="tiles">{"".join(cards)}</div>'


def _note_line(row) -> str:
    """What the tile's number is not (queries.kpi_tiles' note), as on the app's tiles."""
    note = row.get("note")
    if not isinstance(note, str) or not note:
        return ""
    return f'<div class="n">{esc(note[0].upper() + note[1:])}.</div>'


def _target_line(row) -> str:
    goal = _marks().target(row.get("kpi"))
    said = verdict(row["value"], goal)
    if not said:
        return ""
    tone = "good" if said == "on target" else "bad"
    return f'<div class="target {tone}">{esc(said)} · {esc(goal.label())}</div>'


def notes_block(notes) -> str:
    """The dated notes of the view, as a list under the pack's header."""
    if not notes:
        return ""
    items = "".join(f"<li><b>{day:%d %b %Y}</b>: {esc(text)}</li>" for day, text in notes)
    return f'<div class="notes"><h3>Notes</h3><ul>{items}</ul></div>'


def bullets(sentences: list[str]) -> str:
    if not sentences:
        return "<p>Nothing to report.</p>"
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>"
