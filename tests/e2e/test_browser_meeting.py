"""In the meeting and on a phone: a filter typed and followed at once by a page link reaches the
new page and its URL; every page fits a 390 px phone; presentation mode draws chart text large
enough to read from the back of a room. (Every request of every e2e test staying on the app's own
origin is checked by the new_app fixture.)"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from queries import Filters, cohort_retention
from tests.e2e import harness

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NO_CHART = harness.NO_CHART

# Problems a person would see on the page as drawn: sideways scrolling, a chart title or an axis
# or legend text running out of its chart, text cut off with an ellipsis.
_LAYOUT_PROBLEMS = """
() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > vw + 1) out.push(`the page scrolls sideways (${root.scrollWidth} > ${vw})`);
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) {
    out.push(`the main area scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
  }
  const name = (el) => (((el.closest('[class*="st-key-"]') || {}).className || '')
    .match(/st-key-(\\S+)/) || [null, '?'])[1];
  document.querySelectorAll('[data-testid="stMain"] [class*="st-key-title_"] p').forEach((p) => {
    const r = p.getBoundingClientRect();
    if (r.left < -1 || r.right > vw + 1 || p.scrollWidth > p.clientWidth + 1) {
      out.push(`${name(p)}: title "${p.innerText}" is cut off`);
    }
  });
  document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot').forEach((gd) => {
    const box = gd.getBoundingClientRect();
    gd.querySelectorAll('.gtitle, .xtitle, .ytitle, .legendtext, .annotation-text, .cbtitle text')
      .forEach((t) => {
        const r = t.getBoundingClientRect();
        if (!r.width) return;
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
            || r.bottom > box.bottom + 1) {
          out.push(`${name(gd)}: "${t.textContent}" runs out of its chart`);
        }
      });
  });
  document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"] *').forEach((el) => {
    if (el.children.length === 0 && el.scrollWidth > el.clientWidth + 1) {
      out.push(`tile text "${el.innerText}" is cut off`);
    }
  });
  return out;
}
"""

# Pairs of texts drawn over each other inside one chart (cell values, tick labels, titles).
_OVERLAPS = """
(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const boxes = Array.from(gd.querySelectorAll('text'))
    .filter((t) => t.textContent.trim() && getComputedStyle(t).display !== 'none')
    .map((t) => [t.textContent, t.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const out = [];
  for (let i = 0; i < boxes.length && out.length < 5; i++) {
    for (let j = i + 1; j < boxes.length && out.length < 5; j++) {
      const [a, r] = boxes[i], [b, s] = boxes[j];
      const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
      const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
      if (w > 1 && h > 1) out.push(`"${a}" over "${b}"`);
    }
  }
  return {count: boxes.length, overlaps: out};
}
"""

# The smallest font size of each kind of chart text, per chart (in CSS pixels).
_FONT_SIZES = """
() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).map((gd) => {
  const sizes = (sel) => Array.from(gd.querySelectorAll(sel))
    .filter((t) => t.textContent.trim())
    .map((t) => parseFloat(getComputedStyle(t).fontSize));
  const min = (list) => list.length ? Math.min(...list) : null;
  const key = (((gd.closest('[class*="st-key-chart_"]') || {}).className || '')
    .match(/st-key-chart_(\\S+)/) || [null, '?'])[1];
  const title = document.querySelector(`.st-key-title_${key} p`);
  return {key, axes: min(sizes('.xtick text, .ytick text')),
          legend: min(sizes('.legendtext')), notes: min(sizes('.annotation-text')),
          title: title ? parseFloat(getComputedStyle(title).fontSize) : null};
})
"""


def _type_date(app: harness.App, key: str, value: str) -> None:
    """Type a date into the date field with widget key `key` as a person does: click its year,
    type the digits (the field moves on to month and day by itself). Nothing is committed yet."""
    app.page.locator(f".st-key-{key} [data-type='year']").first.click()
    app.page.keyboard.type(value.replace("-", ""), delay=20)


def _date_shown(app: harness.App, key: str) -> str:
    text = app.page.locator(f".st-key-{key} [role='group']").first.inner_text()
    digits = re.sub(r"\D", "", text)
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}" if len(digits) == 8 else text


def _header_caption(app: harness.App) -> str:
    return app.page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first \
        .inner_text()


def test_a_filter_typed_and_followed_at_once_by_a_page_link_reaches_the_page_and_its_link(
        new_app, con):
    app = new_app().open("")
    expected: dict[str, list[str]] = {}
    steps = [
        # (what the viewer does, parameter, value, page link clicked right after)
        ("date", "signup_from", "2025-01-01", "Cohorts"),
        ("date", "signup_to", "2025-12-31", "Churn reasons"),
        ("choose", "plan", "Growth", "Support KPIs"),
        ("segment", "grain", "quarter", "Cohorts"),
    ]
    problems = []
    for kind, key, value, label in steps:
        if kind == "date":
            _type_date(app, key, value)  # no Enter, no click elsewhere: straight to the link
        elif kind == "choose":
            box = app.page.locator(f".st-key-{key} input[role='combobox']").first
            box.click()
            box.fill(value)
            app.page.get_by_role("option", name=value, exact=True).first.click()
        else:
            app.page.locator(f".st-key-{key} button", has_text=value).first.click()
        app.nav(label, charts=0 if label == "Data & definitions" else 1)
        expected[key] = [value]
        params = parse_qs(urlsplit(app.page.url).query)
        missing = {k: v for k, v in expected.items() if params.get(k) != v}
        if missing:
            problems.append(f"after {key} then {label!r}: URL {app.page.url} lacks {missing}")
        for date_key in ("signup_from", "signup_to"):
            if date_key in expected and _date_shown(app, date_key) != expected[date_key][0]:
                problems.append(f"on {label}: the {date_key} field shows "
                                f"{_date_shown(app, date_key)!r}")
        caption = _header_caption(app)
        for k, (v,) in expected.items():
            if k != "grain" and v not in caption:
                problems.append(f"on {label}: the caption does not name {k}={v}: {caption!r}")
    assert not problems, "\n".join(problems)
    assert app.errors() == []

    # The link reproduces the view: the same N as the metrics API for these filters.
    f = Filters(signup_from=date.fromisoformat("2025-01-01"), signup_to=date.fromisoformat("2025-12-31"),
                plans=("Growth",))
    cells = cohort_retention(con, f, grain="quarter")
    n = int(cells.loc[cells["age"] == 0, "cohort_size"].sum())
    assert 0 < n < int(cohort_retention(con, Filters(), grain="quarter")
                       .query("age == 0")["cohort_size"].sum())
    colleague = new_app().open(url=app.page.url)
    assert f"N = {n:,} customers" in colleague.main_text()
    assert _header_caption(colleague) == _header_caption(app)


def test_every_page_fits_a_phone_and_the_triangle_is_colour_only(new_app):
    app = new_app(viewport=PHONE)
    problems = []
    for path in harness.PAGES:
        app.open(path, charts=0 if path in NO_CHART else 1)
        app.wait_charts_drawn(app.chart_count())
        where = path or "Overview"
        problems += [f"{where}: {p}" for p in app.page.evaluate(_LAYOUT_PROBLEMS)]
        if path == "Cohorts":
            drawn = app.page.evaluate(_OVERLAPS, "chart_cohort_heatmap")
            assert drawn["count"] > 10, drawn  # tick labels and titles are still drawn
            problems += [f"Cohorts triangle: {o}" for o in drawn["overlaps"]]
        if app.errors():
            problems.append(f"{where}: error shown: {app.errors()[0][:200]}")
    assert not problems, "\n".join(problems)


def test_presentation_mode_draws_chart_text_large_enough_for_a_room(new_app):
    app = new_app()
    small = []
    for path in harness.PAGES:
        if path in NO_CHART:
            continue
        app.open(path, {"present": "1"})
        app.wait_charts_drawn(app.chart_count())
        for chart in app.page.evaluate(_FONT_SIZES):
            for kind, size in chart.items():
                if kind != "key" and size is not None and size < 16:
                    small.append(f"{path or 'Overview'} / {chart['key']}: {kind} {size} px")
        problems = app.page.evaluate(_LAYOUT_PROBLEMS)
        small += [f"{path or 'Overview'}: {p}" for p in problems]
    assert not small, "\n".join(small)
