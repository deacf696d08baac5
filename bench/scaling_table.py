"""The README's Scaling table from bench/results/scaling.json (`python -m bench.scaling table`)."""

from __future__ import annotations

from bench.child_process import duration


def _step_cell(record: dict | None, seconds: float | None = None) -> str:
    if record is None:
        return "not run"
    if "finding" in record:
        return record["finding"].split(":")[0]  # its details are in the JSON
    return duration(record["seconds"] if seconds is None else seconds)


def _pages(record: dict | None, set_name: str, kind: str) -> str:
    """'a-b ms' over the pages (median of each page's runs), or why there is none."""
    if record is None:
        return "not run"
    if "finding" in record:
        return record["finding"]
    values = [sets[set_name][kind]["median_ms"] for sets in record["pages"].values()
              if set_name in sets]
    low, high = min(values), max(values)
    fmt = (lambda v: f"{v:,.0f}") if high >= 100 else (lambda v: f"{v:.0f}")
    return f"{fmt(low)}-{fmt(high)} ms"


def _count(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def table(data: dict) -> str:
    """The README's Scaling table from scaling.json: per size, the Parquet import (without its
    build part), the build (derived facts + capabilities inside the import, then the default
    views), the pages' default view cold and the filter change warm (range over the six pages),
    the peak RSS of import / views / pages, and raw files -> snapshot size. A step that did not
    finish shows why (the first words of its finding) and its peak RSS until it stopped. Marked *:
    measured on the snapshot data.build --engine duckdb made when data.load made none."""
    lines = ["| customers | rows (tickets; all tables) | import | build | default view, cold "
             "| filter change, warm | peak RSS import / views / pages | Parquet -> snapshot "
             "| load average |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in data["sizes"].values():
        steps = entry.get("steps", {})
        imp, views, pages = steps.get("import_parquet"), steps.get("views"), steps.get("pages")
        rows = entry.get("rows", {})
        build_part = None
        if imp and "finding" not in imp:
            build_part = imp.get("facts_seconds", 0) + imp.get("capabilities_seconds", 0)
        import_cell = _step_cell(imp, imp["seconds"] - build_part if build_part is not None else None)
        if views is None or "finding" in views or build_part is None:
            build_cell = _step_cell(views) if build_part is not None else "-"
        else:
            build_cell = duration(build_part + views["seconds"])
        # *: data.load made no snapshot; data.build --engine duckdb did, from the same files (its
        # whole run and the default views), and the pages were measured on it.
        star = " *" if entry.get("pages_snapshot_from") else ""
        built = steps.get("build_duckdb")
        if star and built and "finding" not in built and views and "finding" not in views:
            build_cell = duration(built["seconds"] + views["seconds"]) + star
        # A step stopped early shows its peak until then.
        rss = " / ".join(f"{r['peak_rss_mb']:,}" if r else "-" for r in (imp, views, pages))
        files = entry.get("files", {}).get("parquet", {}).get("total_mb")
        size = f"{files:,} MB -> {entry['snapshot_mb']:,} MB" if files and entry.get("snapshot_mb") \
            else (f"{files:,} MB -> -" if files else "-")
        loads = [x for r in (imp, views, pages) if r
                 for x in (r["load_average_start"][0], r["load_average_end"][0])]
        load = f"{min(loads):.0f}-{max(loads):.0f}" if loads else "-"
        lines.append(
            f"| {_count(entry['customers'])} | {_count(rows.get('tickets', 0))}; "
            f"{_count(sum(rows.values()))} | {import_cell} | {build_cell} "
            f"| {_pages(pages, 'default', 'cold')}{star if pages else ''} "
            f"| {_pages(pages, 'one plan', 'warm')}{star if pages else ''} "
            f"| {rss} MB | {size} | {load} |")
    return "\n".join(lines)

