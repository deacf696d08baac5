"""Hostile input and viewers: URL fuzz (seeded sample; the full 2,000 cases are
`python -m tests.reliability.fuzz`), data-borne HTML / Markdown / javascript: rendered as text,
CSV exports with formulas defused, read-only dashboard connections without external access,
errors shown with an id only (details in the server log), and viewers browsing through an import
(no error, each moves to the new snapshot on its next interaction, no file handles left open)."""

from __future__ import annotations

import csv
import io
import logging
import os
import random
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import settings
from data import importer, snapshots
from data.isolated import run_import_subprocess
from tests.reliability import fuzz

ROOT = Path(__file__).resolve().parents[2]
FUZZ_CASES = int(os.environ.get("RETENTION_FUZZ_CASES", "60"))
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
           "**bold** _it_ `code`", "=HYPERLINK(\"http://evil.example\")", "+1 cmd", "-2", "@SUM(A1)",
           "$x$ \\(y\\)", "# Heading"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from data.demo.generate import generate

    live = tmp_path_factory.mktemp("demo") / "retention.duckdb"
    generate(live, customers=400, progress=lambda *a: None)
    return live


def hostile_files(folder: Path, n: int = 300, seed: int = 1) -> dict[str, Path]:
    """Customers whose names, reasons, segments and plans are markup; a mapping whose categories
    are markup too (they reach the Overview's sentences and chart labels); contacts whose
    channels and campaigns are markup."""
    rng = random.Random(seed)
    rows = ["customer_id,name,signup_date,churn_date,churn_reason,plan,mrr,segment,region,"
            "products_count"]
    # Contacts whose channels and campaigns are markup too (the Outreach page's legends, table
    # and sentences), made on or after the signup day.
    contacts = ["customer_id,contacted_at,channel,campaign,responded_at,actions"]
    start = date(2023, 1, 1)
    for i in range(n):
        signup = start + timedelta(days=rng.randrange(600))
        if i % 3 == 0:
            at = signup + timedelta(days=rng.randrange(1, 60))
            answered = f"{at} 15:00" if rng.random() < 0.5 else ""
            contacts.append(",".join('"' + f.replace('"', '""') + '"' for f in (
                f"c{i}", f"{at} 10:00", rng.choice(HOSTILE[:3]), rng.choice(HOSTILE),
                answered, str(rng.randrange(3)) if answered else "")))
        churn = signup + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.45 else None
        if churn and churn > date(2024, 11, 30):
            churn = None
        reason = rng.choice(HOSTILE) if churn else ""
        fields = [f"c{i}", rng.choice(HOSTILE), signup.isoformat(), churn.isoformat() if churn else "",
                  reason, rng.choice(HOSTILE[:4]), f"{rng.randrange(10, 900)}.50",
                  rng.choice(HOSTILE[:3]), rng.choice(["NA", "<b>EU</b>"]), str(rng.randint(1, 4))]
        rows.append(",".join('"' + f.replace('"', '""') + '"' for f in fields))
    customers = folder / "hostile_customers.csv"
    customers.write_text("\n".join(rows) + "\n")
    mapping = ["reason,category,owner_team"]
    for i, text in enumerate(HOSTILE):
        category = HOSTILE[(i + 1) % len(HOSTILE)] if i % 2 else "Price"
        mapping.append(",".join('"' + f.replace('"', '""') + '"' for f in (text, category, text)))
    reasons = folder / "hostile_reasons.csv"
    reasons.write_text("\n".join(mapping) + "\n")
    outreach = folder / "hostile_outreach.csv"
    outreach.write_text("\n".join(contacts) + "\n")
    return {"customers": customers, "reasons": reasons, "outreach": outreach}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    live = folder / "db" / "retention.duckdb"
    importer.load(live, hostile_files(folder))
    return live


@pytest.fixture
def serve(monkeypatch):
    """Point the app (ui / sharing read settings.DB_PATH at run time) at a live path."""
    def use(live: Path) -> Path:
        monkeypatch.setattr(settings, "DB_PATH", Path(live))
        return live
    return use


def app(**params) -> AppTest:
    at = AppTest.from_file(fuzz.ENTRY, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def page_problems(at: AppTest, where: str) -> list[str]:
    problems = [f"{where}: exception {e.value}" for e in at.exception]
    for kind, text in fuzz._texts(at):
        if kind == "error":
            problems.append(f"{where}: error {text[:200]}")
        if fuzz.RAW_MARKUP.search(text):
            problems.append(f"{where}: unescaped markup in {kind}: {text[:200]}")
    return problems


# --- URL fuzz ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_url_fuzz_sample(demo, serve):
    serve(demo)
    info = fuzz.snapshot_info_for(demo)
    options = {k: [str(v) for v in vals] for k, vals in info["options"].items()}
    patterns = fuzz.template_patterns()
    rng = random.Random(2024)
    failures, notices = [], 0
    for i in range(FUZZ_CASES):
        case = fuzz.make_case(rng, options)
        notices += fuzz.expects_notice(case, info)
        page = rng.choice(fuzz.PAGES) if i % 6 == 0 else None
        failures += [f"case {i}: {f}" for f in fuzz.run_case(case, info, patterns, page)]
    assert failures == []
    assert notices >= FUZZ_CASES // 2  # most cases carry an invalid value and were told so


def test_template_spy_catches_a_statement_outside_the_templates(demo):
    patterns = fuzz.template_patterns()
    from queries.base import grain_sql, load_sql

    assert fuzz.bad_statements([load_sql("raw_reasons"), grain_sql("cohort_retention", "week")],
                               patterns) == []
    bad = grain_sql("cohort_retention", "week").replace("$as_of", "'2024-01-01'")
    assert fuzz.bad_statements([bad, "select 1"], patterns) == [bad[:300], "select 1"]


# --- data-borne markup ---------------------------------------------------------------------------
@pytest.mark.slow
def test_markup_in_names_reasons_and_categories_renders_as_text(hostile, serve):
    serve(hostile)
    at = app()
    at.run()
    problems = page_problems(at, "Overview")
    shown = " ".join(text for _, text in fuzz._texts(at))
    for page in fuzz.PAGES:
        at.switch_page(page)
        at.run()
        problems += page_problems(at, page)
        shown += " ".join(text for _, text in fuzz._texts(at))
    assert problems == []
    # Markdown that does carry the data shows it escaped (\<, \[ ...), never as live markup.
    for el in at.get("markdown"):
        assert not getattr(el.proto, "allow_html", False) or not re.search(r"<script|<img", el.value)


# --- CSV exports ---------------------------------------------------------------------------------
def test_csv_exports_defuse_formulas(hostile):
    import queries
    from app import ui

    con = queries.connect(hostile)
    try:
        cells = queries.cohort_customers(con, queries.Filters(), grain="month",
                                         cohort=con.execute("select min(month_start) from customer_facts")
                                         .fetchone()[0], age=0)
    except TypeError:
        cells = con.execute("select customer_id, name, churn_reason, plan, mrr from customers").df()
    finally:
        con.close()
    frame = pd.concat([cells, pd.DataFrame({"name": HOSTILE + ["\tx", "plain", "a=b"]})],
                      ignore_index=True)
    rows = list(csv.reader(io.StringIO(ui.csv_bytes(frame).decode())))
    text_cells = [c for row in rows[1:] for c in row]
    assert not [c for c in text_cells if c[:1] in ("=", "+", "@", "\t")]
    assert "'=HYPERLINK(\"http://evil.example\")" in text_cells and "'@SUM(A1)" in text_cells
    assert "'-2" in text_cells and "plain" in text_cells and "a=b" in text_cells


# --- connections ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sql", [
    "create table x (i int)",
    "insert into customers (customer_id, signup_date) values ('x', date '2024-01-01')",
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/hostname')",
    "copy customers to '/tmp/retention-leak.csv'",
    "attach '/tmp/retention-other.duckdb' as other",
    "install httpfs",
    "load httpfs",
    "select * from 'http://127.0.0.1:9/x.csv'",
    "set enable_external_access = true",
])
def test_dashboard_connection_is_read_only_without_external_access(demo, sql):
    import queries

    con = queries.connect(demo)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    finally:
        con.close()
    assert not Path("/tmp/retention-leak.csv").exists()


# --- errors --------------------------------------------------------------------------------------
def test_config_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_a_failing_query_shows_an_id_and_logs_the_details(demo, serve, monkeypatch, caplog):
    import queries

    serve(demo)

    def broken(*args, **kwargs):
        raise duckdb.Error('Binder Error: Referenced column "secret_col" not found in '
                                 "FROM clause: select secret_col from customers")

    monkeypatch.setattr(queries, "support_kpis", broken)
    st.cache_data.clear()  # the fuzz sample may have cached support_kpis for this database
    caplog.set_level(logging.ERROR)
    at = app()
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and re.search(r"error id [0-9a-f]{8}", errors[0])
    error_id = re.search(r"error id ([0-9a-f]{8})", errors[0])[1]
    shown = " ".join(text for _, text in fuzz._texts(at))
    for secret in ("secret_col", "Binder", "select ", "Traceback"):
        assert secret not in shown
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "secret_col" in (logged[0].getMessage() + str(logged[0].exc_info))


# --- viewers through an import -------------------------------------------------------------------
def sidebar_snapshot(at: AppTest) -> str:
    text = " ".join(c.value for c in at.sidebar.caption)
    return re.search(r"snapshot `([^`]+)`", text)[1]


@pytest.mark.slow
def test_viewers_move_to_the_new_snapshot_without_errors_and_no_handles_leak(tmp_path, serve):
    folder = tmp_path / "files"
    folder.mkdir()
    live = serve(tmp_path / "db" / "retention.duckdb")
    importer.load(live, hostile_files(folder, n=200, seed=5), keep=3)
    viewers = [app(), app(plan=HOSTILE[0]), app(grain="week")]
    for at in viewers:
        at.run()
    before = len(os.listdir("/proc/self/fd"))
    ids = []
    for round_ in range(4):
        result = run_import_subprocess(live, hostile_files(folder, n=200 + round_, seed=round_),
                                       keep=3)
        assert result.status == "ok", result
        ids.append(result.meta["snapshot_id"])
        for i, at in enumerate(viewers):
            at.run()  # the viewer's next interaction
            assert page_problems(at, f"viewer {i}") == []
            assert sidebar_snapshot(at) == result.meta["snapshot_id"]
    after = len(os.listdir("/proc/self/fd"))
    # snapshot.get_con keeps at most 4 snapshot connections (cache_resource max_entries=4); a DuckDB
    # database holds one descriptor for its file. Nothing beyond that may accumulate.
    assert after - before <= 4, (before, after)
    print(f"file descriptors: {before} before, {after} after 4 imports with 3 viewers")
    assert len(snapshots.list_snapshots(live)) == 3


def test_dashboard_connection_memory_is_bounded_by_the_setting(tmp_path, monkeypatch):
    import queries
    import settings
    from tests.unit.fixtures import make_db

    # a database of its own: DuckDB refuses to open one file twice with two configurations
    make_db(tmp_path, [{"customer_id": "a", "signup_date": "2024-01-10"}]).close()
    monkeypatch.setattr(settings, "DUCKDB_MEMORY_LIMIT", "300MB")
    con = queries.connect(tmp_path / "retention.duckdb")
    try:
        # DuckDB reports 300 MB (10^6 bytes) in MiB: 286.1 MiB
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
    finally:
        con.close()
