"""URL-parameter fuzz of the dashboard through Streamlit's AppTest.

    python -m tests.reliability.fuzz --cases 2000 [--seed 7] [--db PATH]

Each case is one URL (1-4 hostile parameters: SQL fragments, quotes, huge strings, unicode,
repeated and unknown keys, negative and far-future dates, mixed with valid values) opened on the
entry script dashboard.py, then on another page by switch_page as a browser does. Each must:
- raise nothing and show no st.error (no traceback, no SQL error);
- show a notice when a known parameter had an invalid value;
- execute only statements of the query layer: every SQL text the app sends through its DuckDB
  connection matches a template load_sql / grain_sql can produce, with markers filled only from
  the allow-lists, and contains no fragment of the URL;
- echo no URL text into markdown unescaped.
The test suite runs a seeded sample (tests/unit/test_hostile.py); this command runs them all.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from views import filter_params

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "dashboard.py")
PAGES = ("pages/2_Cohorts.py", "pages/3_Churn_reasons.py", "pages/4_Support_KPIs.py",
         "pages/5_Support_x_retention.py", "pages/10_Outreach.py",
         "pages/6_Data_and_definitions.py")

# Every filter of the public link format, the support-experience ones included.
MULTI = tuple(filter_params.MULTI)
DATES = filter_params.DATES
SINGLE = ("grain", "basis")
OTHER = ("snapshot", "present")
UNKNOWN = ("foo", "plans", "PLAN", "plan[]", "__proto__", "sql", "embed_options", "x" * 300, "ü",
           "as_of ", "", "%00")

PAYLOADS = [
    "'", "''", '"', "\\", "`", ";", "--", "/*", "*/", "' or '1'='1", "' OR 1=1 --",
    "Growth'; drop table customers; --", "1; select * from meta", "1 union select * from meta",
    "$as_of", "$1", "?", "%s", "{plans}", "/*group*/", "/*include:meta*/", "${jndi:ldap://x}",
    "select read_csv('/etc/passwd')", "'||(select 1)||'", "Growth' --", "NULL", "null", "None",
    "true", "[]", "{}", "0", "-1", "1e308", "NaN", "inf", "99999999999999999999",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "**bold**", "`code`", "$$x$$", ":material/home:", "javascript:alert(1)", "%27%20or%201%3D1",
    "ünïcödé", "中文", "\u202eevil", "\u200b", "🙂" * 20, "e\u0301", "\ufeffGrowth", "a\nb", "\t",
    " Growth", "Growth ", "GROWTH", "growth", "A" * 201, "B" * 10_000, "C" * 100_000,
]
DATE_PAYLOADS = [
    "9999-12-31", "275760-09-13", "-0001-01-01", "-5", "0000-00-00", "0001-01-01", "1899-12-31",
    "2024-02-30", "2024-13-01", "2023-02-29", "2024-1-5", "05/01/2024", "2024/01/05", "20240105",
    "2024-01-05T00:00:00", "2024-01-05 00:00", "tomorrow", "today", "now()", "2100-01-01",
    "1970-01-01", "2024-01-05' or '1'='1", "",
]


def make_case(rng: random.Random, options: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """One URL: [(key, [values...])] with 1-4 keys; at least one hostile value or unknown key."""
    case = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.45:
            key = rng.choice(MULTI)
            values = [rng.choice(PAYLOADS) for _ in range(rng.choice((1, 1, 2, 3, 50)))]
            if options.get(key) and rng.random() < 0.4:
                values.insert(rng.randint(0, len(values)), rng.choice(options[key]))
        elif kind < 0.7:
            key = rng.choice(DATES)
            values = [rng.choice(DATE_PAYLOADS + PAYLOADS[:20])]
            if rng.random() < 0.15:
                values.append(rng.choice(DATE_PAYLOADS))  # repeated single-value key
        elif kind < 0.8:
            key = rng.choice(SINGLE)
            values = [rng.choice(PAYLOADS + ["week", "Customers", "month", "MRR", "day", "mrr"])]
            if rng.random() < 0.2:
                values.append("month")
        elif kind < 0.9:
            key = rng.choice(OTHER)
            values = [rng.choice(PAYLOADS + ["1", "20200101T000000-abc", "latest"])]
        else:
            key = rng.choice(UNKNOWN)
            values = [rng.choice(PAYLOADS)]
        case.append((key, values))
    return case


def expects_notice(case, info: dict) -> bool:
    """Whether a known parameter carries an invalid value (the viewer must be told)."""
    from views import filter_params

    # Streamlit drops a whole query string over 524,288 characters (logged, page at defaults).
    if len(urlencode([(k, v) for k, values in case for v in values])) > 524_288:
        return False
    params = {}
    for key, values in case:
        if key in filter_params.FILTER_KEYS:
            params.setdefault(key, []).extend(values)
    return bool(filter_params.check_params(params, info))


# --- the statements the query layer can produce --------------------------------------------------
def template_patterns() -> list[re.Pattern]:
    """A regex per SQL template: load_sql / grain_sql texts, markers filled from the allow-lists."""
    import importlib

    from queries import base

    # queries/__init__ re-exports functions named like their modules: import the modules by name.
    support = importlib.import_module("queries.support")
    survival = importlib.import_module("queries.survival")

    names = sorted(p.stem for p in base.SQL_DIR.glob("*.sql"))
    texts = set()
    for name in names:
        texts.add(base.load_sql(name))
        for grain in base.GRAINS:
            for basis in base.BASES:
                texts.add(base.grain_sql(name, grain, basis))
    pieces = {"'All'", "true", support.ELIGIBLE_EARLY, survival.ELIGIBLE_EARLY,
              *base.DIMENSIONS.values(), *support.SUPPORT_DIMENSIONS.values()}
    alternatives = "(?:" + "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True)) + ")"
    patterns = [re.compile(re.escape(t)) for t in ("select default_as_of from meta",
                                                    "select * from meta")]
    for text in texts:
        escaped = re.escape(text)
        for marker in ("/*group*/", "/*eligible*/"):
            escaped = escaped.replace(re.escape(marker), alternatives)
        patterns.append(re.compile(escaped, re.S))
    return patterns


class Recorder:
    """Wraps a DuckDB connection or cursor and records every SQL text it executes."""

    def __init__(self, con, log: list[str], connections: list | None = None):
        self._con, self._log = con, log
        if connections is not None:
            connections.append(con)

    def cursor(self):
        return Recorder(self._con.cursor(), self._log)

    def execute(self, sql, *args, **kwargs):
        self._log.append(sql)
        return self._con.execute(sql, *args, **kwargs)

    def sql(self, sql, *args, **kwargs):
        self._log.append(sql)
        return self._con.sql(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def install_recorder(log: list[str], connections: list):
    """Route queries.connect (used by database.get_con) through a Recorder; returns an undo function."""
    import queries

    real = queries.connect

    def connect(path):
        return Recorder(real(path), log, connections)

    queries.connect = connect
    return lambda: setattr(queries, "connect", real)


def bad_statements(log: list[str], patterns: list[re.Pattern]) -> list[str]:
    known: set[str] = set()
    bad = []
    for sql in log:
        if sql in known:
            continue
        if any(p.fullmatch(sql) for p in patterns):
            known.add(sql)
        else:
            bad.append(sql[:300])
    return bad


# --- one case ------------------------------------------------------------------------------------
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "warning", "info",
                  "success", "error")
# Markup that would be live in Streamlit's markdown: not backslash-escaped (ui.markdown_text).
RAW_MARKUP = re.compile(r"(?<!\\)<(?:script|img)|(?<!\\)\]\(javascript", re.I)


def _texts(at) -> list[tuple[str, str]]:
    out = []
    for kind in MARKDOWN_KINDS:
        for el in at.get(kind):
            out.append((kind, str(getattr(el, "value", "") or getattr(el, "body", ""))))
    return out


def run_case(case, info: dict, patterns, page: str | None = None, timeout: float = 60) -> list[str]:
    """Open the URL of `case` on dashboard.py (then `page`); return the failures in words."""
    from streamlit.testing.v1 import AppTest

    log: list[str] = []
    connections: list = []
    undo = install_recorder(log, connections)
    failures = []
    try:
        at = AppTest.from_file(ENTRY, default_timeout=timeout)
        for key, values in case:
            at.query_params[key] = values if len(values) > 1 else values[0]
        at.run()
        # The notice belongs to the page the link opened; the next page starts from a clean URL.
        notices = [t for kind, t in _texts(at) if kind in ("warning", "info")]
        runs = [("dashboard.py", at)]
        if page and not at.exception:
            at.switch_page(page)
            at.run()
            runs.append((page, at))
        for where, app in runs:
            for exc in app.exception:
                failures.append(f"{where}: exception {str(exc.value)[:200]}")
            texts = _texts(app)
            errors = [t for kind, t in texts if kind == "error"]
            if errors:
                failures.append(f"{where}: error shown {errors[0][:200]}")
            for kind, text in texts:
                if RAW_MARKUP.search(text) or "Traceback" in text:
                    failures.append(f"{where}: unescaped markup in {kind}: {text[:200]}")
        if expects_notice(case, info) and not any("nvalid link value" in t for t in notices):
            failures.append("no notice for an invalid link value")
    finally:
        undo()
    failures += [f"statement not from a template: {s}" for s in bad_statements(log, patterns)]
    fragments = {v for _, values in case for v in values if len(v) >= 6 and v not in
                 ("select", "customers")}
    for sql in set(log):
        for v in fragments:
            if v in sql:
                failures.append(f"URL text {v[:40]!r} inside SQL")
    for con in connections:
        ext = con.execute("select current_setting('enable_external_access')").fetchone()[0]
        if ext is not False:
            failures.append("dashboard connection has external access enabled")
    return failures


def snapshot_info_for(live: Path) -> dict:
    """What filter_params.check_params needs (options, min_date, max_date), read like
    database.snapshot_info."""
    from app import database

    return database.snapshot_info.__wrapped__(str(Path(os.path.realpath(live))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.fuzz")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="live path (default: a fresh 400-customer demo)")
    args = parser.parse_args(argv)
    live = args.db
    if live is None:
        from data.demo.generate import generate

        live = Path(tempfile.mkdtemp(prefix="retention-fuzz-")) / "retention.duckdb"
        generate(live, customers=400, progress=lambda *a: None)
    os.environ["RETENTION_DB"] = str(live)
    import settings

    settings.DB_PATH = Path(live)
    info = snapshot_info_for(live)
    options = {k: [str(v) for v in vals] for k, vals in info["options"].items()}
    patterns = template_patterns()
    rng = random.Random(args.seed)
    started = time.monotonic()
    failed = 0
    notices = 0
    for i in range(args.cases):
        case = make_case(rng, options)
        page = rng.choice(PAGES) if i % 4 == 0 else None
        notices += expects_notice(case, info)
        failures = run_case(case, info, patterns, page)
        if failures:
            failed += 1
            short = [(k[:40], [v[:60] for v in vals[:5]]) for k, vals in case]
            print(json.dumps({"case": i, "url": short, "page": page,
                              "failures": [f[:300] for f in failures[:5]]}), flush=True)
        if (i + 1) % 100 == 0:
            print(f"{i + 1} cases, {failed} failed, {time.monotonic() - started:.0f} s",
                  file=sys.stderr, flush=True)
    summary = {"cases": args.cases, "failed": failed, "with_invalid_known_param": notices,
               "seconds": round(time.monotonic() - started), "seed": args.seed}
    print(json.dumps(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
