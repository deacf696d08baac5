"""bench/results/latest.json as the Markdown tables docs/performance.md shows."""

from __future__ import annotations

from bench.pages import LIVE_SET


def _ms(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _generation(db: dict) -> list[str]:
    if not db.get("generated"):
        restored = (f" Default views kept again for today's query code: "
                    f"{db['results_seconds']:.1f} s." if db.get("results_seconds") is not None else "")
        return ["Database reused from an earlier run (same arguments and build code)." + restored]
    facts = db.get("facts_seconds")
    facts_words = f", of which derived facts tables {facts:.1f} s" if facts is not None else ""
    results = db.get("results_seconds")
    results_words = (f" and keeping the default views {results:.1f} s" if results is not None
                     else "")
    return [f"Database generated in this run: {db['seconds']:.1f} s{facts_words}{results_words}."]


def markdown(r: dict) -> str:
    m, db = r["machine"], r["database"]
    target = r["targets"]["warm_median_ms"]
    tables = db.get("tables", {})
    lines = [
        f"Benchmark {r['started_at']}: {tables.get('customers', 0):,} customers, "
        f"{tables.get('tickets', 0):,} tickets, {tables.get('mrr_history', 0):,} MRR rows, "
        f"{tables.get('nps_responses', 0):,} NPS responses; repeat {r['arguments']['repeat']}.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}. Load average at start "
        f"{r['load_average_start'][0]:.1f}, at end {r['load_average_end'][0]:.1f} (shared machine: "
        "medians, noisy).",
        *_generation(db),
        "",
        "Page query sets (the metrics API calls each page makes; ms; cold = fresh connection, "
        "warm = after one warm-up, no in-memory result cache). *default* is what the app gets: "
        "each page's default view is computed when the snapshot is built and kept beside it "
        "(views/default_views.py); *default, computed live* is the same calls computed, as any other "
        f"view is the first time; target warm median < {target:.0f} ms:",
        "",
        "| page | filters | cold median | cold p95 | warm median | warm p95 | < target |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for page, sets in r["pages"].items():
        for set_name, s in sets.items():
            ok = "yes" if s["warm"]["median_ms"] < target else "no"
            lines.append(
                f"| {page} | {set_name} | {_ms(s['cold']['median_ms'])} | {_ms(s['cold']['p95_ms'])} "
                f"| {_ms(s['warm']['median_ms'])} | {_ms(s['warm']['p95_ms'])} | {ok} |"
            )
    missing = sorted({c["call"].split("(")[0] for sets in r["pages"].values() for s in sets.values()
                      for c in s["calls"] if c.get("error") == "missing"})
    failing = sorted({f"{c['call']}: {c['error']}" for sets in r["pages"].values()
                      for s in sets.values() for c in s["calls"]
                      if c.get("error") and c["error"] != "missing"})
    if missing:
        lines += ["", f"Not in the API yet (skipped): {', '.join(missing)}."]
    if failing:
        lines += ["", "Calls that raised (timed until the error):"] + [f"- {x}" for x in failing]
    slow = sorted(((c["warm_median_ms"], page, c["call"]) for page, sets in r["pages"].items()
                   for set_name, s in sets.items() if set_name == LIVE_SET for c in s["calls"]),
                  reverse=True)[:6]
    lines += ["", "Slowest calls, default filters computed live, warm median ms: "
              + "; ".join(f"{call} {_ms(ms)}" for ms, _, call in slow) + "."]
    if "ratios" in r:
        lines += [
            "",
            "pandas reference (cohort retention, period movements, churn reasons, support KPIs, NPS; "
            "load = reading every table out of the same file into pandas):",
            "",
            "| filters | pandas load | pandas compute | pandas end to end | DuckDB cold | DuckDB warm "
            "| ratio end to end | ratio warm | equal |",
            "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
        ]
        for set_name, x in r["ratios"].items():
            checks = [c for c in r["equality"] if c["set"] == set_name]
            equal = "yes" if all(c["ok"] for c in checks) else "NO"
            lines.append(
                f"| {set_name} | {_ms(x['pandas_load_ms'])} | {_ms(x['pandas_compute_ms'])} "
                f"| {_ms(x['pandas_end_to_end_ms'])} | {_ms(x['duckdb_cold_ms'])} "
                f"| {_ms(x['duckdb_warm_ms'])} | {x['ratio_end_to_end']:.1f}x | {x['ratio_warm']:.1f}x "
                f"| {equal} |"
            )
        worst = max((c.get("max_abs_diff", 0.0) for c in r["equality"]), default=0.0)
        bad = [c for c in r["equality"] if not c["ok"]]
        lines += ["", f"Equality: {len(r['equality']) - len(bad)}/{len(r['equality'])} frames equal "
                  f"(rtol 1e-9, atol 1e-9; largest absolute difference {worst:.2e})."]
        lines += [f"- DIFFERS {c['set']} / {c['name']}: {c['problem']}" for c in bad]
    rss = r["peak_rss_mb"]
    lines += ["", "Peak RSS: " + ", ".join(f"{side} {mb:,} MB" for side, mb in rss.items()) + "."]
    if "browser" in r:
        lines += ["", *browser_lines(r["browser"])]
    return "\n".join(lines)


def browser_lines(b: dict) -> list[str]:
    if b.get("error"):
        return [f"Browser: not measured ({b['error']})."]
    rows = [
        "Browser (headless Chromium, 127.0.0.1; ms, median of fresh browsers):",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
    ]
    for label, value, target in b.get("rows", []):
        rows.append(f"| {label} | {value} | {target} |")
    rows += [f"- {note}" for note in b.get("notes", [])]
    return rows
