"""The types of the catalogue (views/catalog.py): a page, one thing it shows (a Section), and the
placeholders a call's arguments may hold. No streamlit here."""

from __future__ import annotations

from dataclasses import dataclass

from data.needs import Need

# A compare chart runs its function once per value of a dimension in the data (ui.compare):
# {"segments": EACH} stands for one call per segment.
EACH = "each value in the data"
EACH_DIMENSION = {"plans": "plan", "segments": "segment"}

COMPARE_DIMENSIONS = ("plan", "segment", "region", "industry", "acquisition_channel",
                      "products_count")


@dataclass(frozen=True)
class FirstOf:
    """An argument a page picks from the data: `column` of the first row of another call's
    result (with default filters)."""

    fn: str
    column: str



@dataclass(frozen=True)
class Section:
    """One thing a page shows. `kind`: chart | tile | choice (a control offered only when the
    data has it) | option (one value of a choice) | section (a part of a page, said once) |
    filter. `churn`: it also needs churn on or before the view's as-of date."""

    key: str                       # "<page>.<item>", e.g. "support.ces"
    label: str                     # what it shows, in words ("customer effort")
    needs: tuple[Need, ...] = ()
    kind: str = "chart"
    churn: bool = False
    calls: tuple[tuple, ...] = ()  # what it asks for in the page's default view
    charts: tuple[str, ...] = ()   # the names ui.show draws it under ({grain}... = any word)
    definition: str = ""           # key of words/definitions.py
    title: str = ""                # its heading on the page and in the board pack
    empty: str = ""                # said when the data is there but shows nothing ({as_of})

    def chart(self, which: int = 0, **words) -> str:
        """The name of its chart number `which` (and of the chart's CSV), its {words} filled."""
        return self.charts[which].format(**words)

    def says(self, as_of) -> str:
        """What it says when the data is there but shows nothing by `as_of`."""
        return self.empty.format(as_of=as_of)


@dataclass(frozen=True)
class Page:
    script: str
    label: str                     # navigation label and page title
    icon: str
    sections: tuple[Section, ...]
    view: str = ""                 # name of its kept default view and benchmark row ("" = none)
    listed_when: str = ""          # a section key: listed in navigation only when it can show

    @property
    def calls(self) -> list[tuple]:
        """The page's default view: every call of its sections, each once, in order."""
        seen, out = set(), []
        for section in self.sections:
            for call in section.calls:
                key = repr(call)
                if key not in seen:
                    seen.add(key)
                    out.append(call)
        return out


def tile(page: str, kpi: str, label: str, *needs: Need) -> Section:
    return Section(f"{page}.tile.{kpi}", label, needs, "tile")
