"""python -m data.build: a snapshot from a folder of raw tables, built by DuckDB or by Spark.

One small demo (data/demo/generate.py) is exported as raw tables in every layout a source may use
(a Parquet file, a Hive-partitioned Parquet folder, a CSV file, a folder of CSV files), built once
with --engine duckdb and once with Spark local[2] (the session the portable tests share), both
with the app's after-build hook. Every table and every page's default view must be equal, and
equal to the demo as data.demo.generate built it. A Spark Connect server started here builds it a
third time through the `sc://` path a cluster uses.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from views import default_views
import queries
from bench.spark_build import default_views_of, table_differences, view_differences
from data.demo import generate
from data.build import source as source_build
from data.build import spark as spark_facts
from data.build.spark import SourceError
from tests.portable.conftest import SPARK_MISSING, spark_available

CUSTOMERS = 150
AS_OF = generate.DEFAULT_AS_OF
ROOT = Path(__file__).resolve().parents[2]
CONNECT_PORTS = range(8650, 8660)


def export(live: Path, folder: Path) -> Path:
    """The raw tables of a snapshot as a source folder, one layout per table."""
    folder.mkdir()
    con = duckdb.connect(str(live), read_only=True)
    try:
        con.sql("select * from customers").write_parquet(str(folder / "customers.parquet"))
        con.sql("select *, year(created_at) as year from tickets").write_parquet(
            str(folder / "tickets"), partition_by=["year"])
        con.sql("select * from nps_responses").write_csv(str(folder / "nps_responses.csv"))
        (folder / "mrr_history").mkdir()
        con.sql("select * from mrr_history").write_parquet(str(folder / "mrr_history/0.parquet"))
        (folder / "activity").mkdir()
        con.sql("select * from activity where kind = 'login'").write_csv(
            str(folder / "activity/logins.csv"))
        con.sql("select * from activity where kind is distinct from 'login'").write_csv(
            str(folder / "activity/other.csv"))
        con.sql("select * from outreach").write_csv(str(folder / "outreach.csv"))
    finally:
        con.close()
    return folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    """The demo as data.demo.generate built it, its source folder, and the snapshot built from that
    folder by each engine (live paths)."""
    folder = tmp_path_factory.mktemp("spark-build")
    demo_live = folder / "demo" / "retention.duckdb"
    generate.generate(demo_live, CUSTOMERS, as_of=AS_OF)
    return {"demo": demo_live, "source": export(demo_live, folder / "source"), "folder": folder}


@pytest.fixture(scope="module")
def duck(demo) -> Path:
    live = demo["folder"] / "duck" / "retention.duckdb"
    source_build.build_snapshot(live, str(demo["source"]), "duckdb", AS_OF,
                                after_build=default_views.after_build(live))
    return live


@pytest.fixture(scope="module")
def on_spark(demo, spark) -> tuple[Path, dict]:
    live = demo["folder"] / "spark" / "retention.duckdb"
    meta = source_build.build_snapshot(live, str(demo["source"]), "local[2]", AS_OF,
                                       after_build=default_views.after_build(live), spark=spark)
    return live, meta


def test_duckdb_build_from_the_folder_equals_the_generated_demo(demo, duck):
    # The same rows read back from Parquet and CSV files give the same snapshot.
    assert table_differences(demo["demo"], duck) == {}
    # and nothing of the source stays in it (views over the files would)
    con = duckdb.connect(os.path.realpath(duck), read_only=True)
    try:
        assert con.execute("select view_name from duckdb_views() where not internal").fetchall() == []
    finally:
        con.close()


def test_spark_build_equals_the_duckdb_build_table_by_table(duck, on_spark):
    live, meta = on_spark
    assert meta["engine"] == "spark"
    assert meta["tables"]["customers"] == CUSTOMERS
    assert table_differences(duck, live) == {}


def test_every_page_default_view_is_equal(duck, on_spark):
    live, _ = on_spark
    views = default_views_of(duck)
    # every function a page calls by default is among them (each once per plan or segment
    # where a page compares those)
    called = {call[0] for calls in [default_views.FRAME_CALLS, *default_views.PAGE_CALLS.values()]
              for call in calls} - default_views.NOT_STORED
    assert {json.loads(key)["fn"] for key in views} == called
    assert view_differences(views, default_views_of(live)) == {}


def test_the_spark_snapshot_is_published_with_its_views(on_spark):
    live, meta = on_spark
    snapshot = Path(os.path.realpath(live))
    assert snapshot.name == f"retention-{meta['snapshot_id']}.duckdb"
    con = queries.connect(live)
    try:
        assert default_views.is_complete(snapshot, default_views.facts_version(con))
    finally:
        con.close()
    # Spark's work folder (beside the live path) is gone after the build.
    assert [p.name for p in live.parent.iterdir() if "spark" in p.name] == []


def _bad_source(folder: Path, customers: str) -> Path:
    folder.mkdir()
    (folder / "customers.csv").write_text(customers)
    return folder


@pytest.mark.parametrize("engine", ["duckdb", "local[2]"])
def test_a_value_that_does_not_fit_is_named_and_nothing_is_built(tmp_path, engine, request):
    spark = request.getfixturevalue("spark") if engine != "duckdb" else None
    source = _bad_source(tmp_path / "source", "customer_id,signup_date,mrr\n"
                         "a,2024-01-05,10\nb,yesterday,12.5\n")
    live = tmp_path / "retention.duckdb"
    with pytest.raises(SourceError) as raised:
        source_build.build_snapshot(live, str(source), engine, spark=spark)
    assert raised.value.problems == [
        "customers: column signup_date: expected a date YYYY-MM-DD, found 'yesterday'"]
    assert not live.exists() and not list(tmp_path.glob("snapshots/*.duckdb"))


@pytest.mark.parametrize("engine", ["duckdb", "local[2]"])
def test_a_missing_required_column_and_a_broken_rule_are_named(tmp_path, engine, request):
    spark = request.getfixturevalue("spark") if engine != "duckdb" else None
    missing = _bad_source(tmp_path / "missing", "customer_id,plan\na,Growth\n")
    with pytest.raises(SourceError) as raised:
        source_build.build_snapshot(tmp_path / "a.duckdb", str(missing), engine, spark=spark)
    assert raised.value.problems == [
        "customers: expected a column signup_date, found none (columns: customer_id, plan)"]
    # churn before signup breaks schema.sql's check
    broken = _bad_source(tmp_path / "broken", "customer_id,signup_date,churn_date\n"
                         "a,2024-03-01,2024-02-01\n")
    with pytest.raises(SourceError) as raised:
        source_build.build_snapshot(tmp_path / "b.duckdb", str(broken), engine, spark=spark)
    (problem,) = raised.value.problems
    assert problem.startswith("customers: expected the rows to keep schema.sql's rules, found: ")
    assert "churn_date >= signup_date" in problem


def test_a_source_without_customers_is_refused(tmp_path):
    (tmp_path / "source" / "tickets").mkdir(parents=True)
    with pytest.raises(SourceError) as raised:
        source_build.build_snapshot(tmp_path / "x.duckdb", str(tmp_path / "source"))
    assert raised.value.problems == [
        f"customers: expected a folder or a file customers.parquet / customers.csv in "
        f"{tmp_path / 'source'}, found none"]


def test_a_remote_source_is_named_without_its_credentials(tmp_path, spark):
    # No S3 file system in a test session: the reader's failure is reported, the secret is not.
    with pytest.raises(SourceError) as raised:
        source_build.build_snapshot(tmp_path / "x.duckdb", "s3a://KEY:SECRET@bucket/export",
                                    "local[2]", spark=spark, work=str(tmp_path / "work"))
    (problem,) = raised.value.problems
    assert problem.startswith("customers: expected parquet at s3a://***@bucket/export/customers")
    assert "SECRET" not in problem


def test_command_line_builds_and_reports(demo, tmp_path):
    out = tmp_path / "retention.duckdb"
    done = subprocess.run([sys.executable, "-m", "data.build", "--source", str(demo["source"]),
                           "--out", str(out), "--as-of", AS_OF.isoformat()],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "with duckdb" in done.stdout and f"customers {CUSTOMERS}," in done.stdout
    assert table_differences(demo["demo"], out) == {}
    bad = subprocess.run([sys.executable, "-m", "data.build", "--source", str(tmp_path / "none"),
                          "--out", str(out), "--engine", "yarn"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        "--engine 'yarn': expected duckdb, spark, local[N] or sc://HOST:PORT",
        f"{out} was not changed."]


def _free_port() -> int:
    for port in CONNECT_PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip(f"no free port in {CONNECT_PORTS.start}-{CONNECT_PORTS.stop - 1} for Spark Connect")


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A Spark Connect server (the one shipped in pyspark's jars) on 127.0.0.1: what a cluster
    exposes at sc://host:15002."""
    if not spark_available():
        pytest.skip(SPARK_MISSING)
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    conf = {**spark_facts.LOCAL_CONF, "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port), "spark.sql.shuffle.partitions": "2",
            # interpreted expressions on tiny tables, as the shared session (conftest.spark)
            "spark.sql.codegen.factoryMode": "NO_CODEGEN"}
    command = [str(home / "bin" / "spark-submit"), "--master", "local[2]",
               "--driver-memory", "512m",
               "--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    with open(log, "w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "SPARK_HOME": str(home)})
    try:
        deadline = time.monotonic() + 180
        while "Spark Connect server started" not in log.read_text():
            assert server.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "Spark Connect did not start in 180 s"
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_spark_connect_build_equals_the_duckdb_build(demo, duck, connect_server, tmp_path):
    # The command line, as with a cluster (and in a process of its own: PySpark refuses a remote
    # session beside the local one the other tests share).
    live = tmp_path / "retention.duckdb"
    done = subprocess.run([sys.executable, "-m", "data.build", "--engine", connect_server,
                           "--source", str(demo["source"]), "--work", str(tmp_path / "work"),
                           "--out", str(live), "--as-of", AS_OF.isoformat()],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "with spark" in done.stdout
    assert table_differences(duck, live) == {}


def test_a_cluster_build_needs_a_shared_work_folder(demo, tmp_path):
    done = subprocess.run([sys.executable, "-m", "data.build", "--engine", "sc://127.0.0.1:8659",
                           "--source", str(demo["source"]), "--out", str(tmp_path / "x.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--work is required with a Spark Connect URL" in done.stderr
