"""A retention lead opens the Outreach page from the navigation on the demo data: the tiles show
what the metrics API computes, the charts are drawn with their units, the campaigns are listed."""

from __future__ import annotations

import pytest

from queries import Filters, outreach_retention, outreach_tiles, outreach_totals
from tests.e2e.checks import close, tiles_by_label

pytestmark = pytest.mark.e2e


def test_outreach_page_shows_the_metrics_api_numbers(app, con):
    app.open()
    app.nav("Outreach", charts=3)
    assert app.errors() == []
    assert app.page.locator('[data-testid="stMain"] h1').first.inner_text() == "Outreach"

    f = Filters()
    totals, retention = outreach_totals(con, f), outreach_retention(con, f)
    expected = outreach_tiles(totals, retention)
    assert list(expected["kpi"]) == ["contacts", "response_rate_pct", "actions_per_response",
                                     "retention_gap_pct"], "the demo should fill every tile"
    tiles = tiles_by_label(app.metrics())
    wrong = [f"{row.label}: shows {tiles.get(row.label)!r}, metrics API {row.value!r}"
             for row in expected.itertuples()
             if row.label not in tiles or not close(tiles[row.label], row.value)]
    assert not wrong, "\n".join(wrong)
    contacted, other = retention["customers"].tolist()
    assert app.shows(f"N = {contacted:,} contacted · {other:,} not contacted")

    figures = {next(k for k in fig["key"] if k.startswith("chart_")): fig
               for fig in app.figures()}
    assert {"chart_outreach_response_rate", "chart_outreach_response_time",
            "chart_outreach_retention"} <= set(figures)
    channels = {t["name"] for t in figures["chart_outreach_response_rate"]["traces"]}
    assert len(channels - {"Fewer than 30 (unreliable)"}) >= 2  # one line per channel
    assert app.shows("Contacts answered (% of contacts)")
    # the retention bars, one pair per campaign in the metrics API's order, say their N
    by_campaign = outreach_retention(con, f, by="campaign")
    bars = {trace["name"]: trace for trace in figures["chart_outreach_retention"]["traces"]}
    for group in ("Contacted", "Not contacted"):
        rows = by_campaign[by_campaign["group"] == group]
        assert bars[group]["y"] == rows["campaign"].tolist()
        assert [t.split(" · ")[1].removesuffix(" (low N)") for t in bars[group]["text"]] == [
            f"n={n:,}" for n in rows["customers"]]
    assert app.shows("Save campaigns go to customers already at risk")
    campaign = outreach_totals(con, f, by="campaign")["group"].iloc[0]
    assert app.shows("Campaigns") and app.shows(campaign)
    assert app.shows("association, not proof")
