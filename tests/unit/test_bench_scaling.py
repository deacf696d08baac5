"""bench.scaling's logic on tiny sizes: the chunked raw files (scaling_files), the step runner's
time limit (child_process), the results file and the README table (scaling_table); no timing
asserts: the figures come from running it."""

from __future__ import annotations

import json
import sys

import duckdb
import pytest

from bench import child_process, scaling, scaling_files, scaling_table
from data.demo import generate


def test_chunks_split_a_size_into_generator_runs():
    # 250 customers in chunks of 100: two full chunks, then the 50 left; a size within one chunk
    # is one run of its own size.
    assert scaling_files.chunks(250, 100) == [(0, 0, 100), (1, 100, 100), (2, 200, 50)]
    assert scaling_files.chunks(80, 100) == [(0, 0, 80)]
    with pytest.raises(ValueError):
        scaling_files.chunks(0, 100)


@pytest.fixture(scope="module")
def two_chunks(tmp_path_factory):
    # 120 customers as two generator runs of 60 (seeds 42 and 43), merged into one file a table.
    folder = tmp_path_factory.mktemp("scaling")
    parts = []
    for index, start, n in scaling_files.chunks(120, 60):
        part = scaling_files.part_dir(folder, n, 60, index)
        scaling_files.write_chunk(part, index, start, n)
        parts.append(part)
    files = {fmt: scaling_files.merge(parts, folder / fmt, fmt) for fmt in ("parquet", "csv")}
    return folder, parts, files


def _sql(sql: str, **params):
    return duckdb.sql(sql, params=params).fetchall() if params else duckdb.sql(sql).fetchall()


def test_chunks_merge_into_one_demo_with_unique_ids(two_chunks):
    _, parts, files = two_chunks
    customers = str(files["parquet"]["customers"])
    tickets = str(files["parquet"]["tickets"])
    # Chunk 0's customers are 1-60, chunk 1's 60 + (1-60) = 61-120, nine digits.
    assert _sql(f"select count(distinct customer_id), min(customer_id), max(customer_id) "
                f"from '{customers}'") == [(120, "C000000001", "C000000120")]
    assert _sql(f"select customer_id from '{customers}' limit 1 offset 60") == [("C000000061",)]
    # Every ticket belongs to a customer of the merged file, and ticket ids stay unique although
    # each run numbers its tickets from 1: chunk 1's are 10^9 + n.
    assert _sql(f"select count(*) from '{tickets}' anti join '{customers}' using (customer_id)") == [(0,)]
    assert _sql(f"select count(*) = count(distinct ticket_id) from '{tickets}'") == [(True,)]
    first_of_chunk_1 = _sql(f"select min(ticket_id) from '{tickets}' where customer_id > 'C000000060'")
    assert first_of_chunk_1 == [("T001000000001",)]
    # The merged rows are the parts' rows, in Parquet and in CSV alike.
    done = [json.loads((p / "done.json").read_text())["rows"] for p in parts]
    for fmt, paths in files.items():
        for table, path in paths.items():
            expected = done[0][table] + done[1][table]
            assert _sql(f"select count(*) from '{path}'") == [(expected,)], (fmt, table)


def test_copies_repeat_chunk_0_with_new_ids(two_chunks, tmp_path):
    # 150 customers as copies of chunk 0 (60): 1-60 as they are, 61-120 and 121-150 renumbered,
    # the last copy keeping chunk 0's first 30 customers and only their tickets.
    _, parts, _ = two_chunks
    plan = scaling_files.chunks(150, 60)
    files = scaling_files.merge_copies(parts[0], plan, tmp_path / "copies", "parquet")
    customers, tickets = str(files["customers"]), str(files["tickets"])
    first = str(parts[0] / "tickets.parquet")
    assert _sql(f"select count(distinct customer_id), min(customer_id), max(customer_id) "
                f"from '{customers}'") == [(150, "C000000001", "C000000150")]
    # Customer 61 is customer 1 again: same signup date and plan.
    assert _sql(f"select signup_date, plan from '{customers}' where customer_id = 'C000000061'") == \
        _sql(f"select signup_date, plan from '{customers}' where customer_id = 'C000000001'")
    assert _sql(f"select count(*) from '{tickets}' anti join '{customers}' using (customer_id)") == [(0,)]
    assert _sql(f"select count(*) = count(distinct ticket_id) from '{tickets}'") == [(True,)]
    # Twice chunk 0's tickets, plus those of its first 30 customers.
    assert _sql(f"select count(*) from '{tickets}'") == _sql(
        f"select 2 * count(*) + count(*) filter (where customer_id <= 'C000000030') from '{first}'")


def test_chunk_0_is_the_generator_s_own_demo(two_chunks, tmp_path):
    # Renumbering aside, the first chunk is exactly `data.demo.generate --customers 60 --seed 42`.
    _, parts, _ = two_chunks
    generate.generate(tmp_path / "demo.duckdb", customers=60, seed=42)
    con = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    try:
        direct = con.sql("select 'C00' || substr(customer_id, 2), signup_date, churn_date, plan "
                         "from customers order by 1").fetchall()
        tickets = con.execute("select count(*) from tickets").fetchone()[0]
    finally:
        con.close()
    part = parts[0]
    assert _sql(f"select customer_id, signup_date, churn_date, plan from "
                f"'{part / 'customers.parquet'}' order by 1") == direct
    assert json.loads((part / "done.json").read_text())["rows"]["tickets"] == tickets


def test_a_step_over_its_limit_is_killed_and_recorded():
    record = child_process.run_child([sys.executable, "-c", "import time; time.sleep(60)"], 1.0,
                                     log=lambda message: None)
    assert record["finished"] is False and record["exit"] == -9  # SIGKILL from the runner
    assert record["finding"] == "did not finish in 1.0 s"
    ok = child_process.run_child([sys.executable, "-c", "print('hello')"], 60,
                                 log=lambda message: None)
    assert (ok["finished"], ok["exit"], ok["output_tail"]) == (True, 0, "hello\n")
    assert "finding" not in ok and 0 < ok["peak_rss_mb"] <= ok["peak_tree_rss_mb"]


def test_two_runs_keep_each_other_s_sizes(tmp_path):
    # Sizes measured by two runs at the same time: each save re-reads the file first.
    path = tmp_path / "scaling.json"
    first, second = scaling.Results(path, {"chunk": 10}), scaling.Results(path, {"chunk": 10})
    first.size(100)["rows"] = {"customers": 100}
    second.size(1000)["rows"] = {"customers": 1000}
    first.save()
    second.save()
    saved = json.loads(path.read_text())
    assert list(saved["sizes"]) == ["100", "1000"]
    assert saved["sizes"]["100"]["rows"] == {"customers": 100} and saved["chunk"] == 10


def _record(seconds, rss, load=(2.0, 3.0), **extra):
    return {"seconds": seconds, "peak_rss_mb": rss, "load_average_start": [load[0], 0, 0],
            "load_average_end": [load[1], 0, 0], **extra}


def test_table_row_from_the_results():
    pages = {"Overview": {"default": {"cold": {"median_ms": 80.0}, "warm": {"median_ms": 20.0}},
                          "one plan": {"cold": {"median_ms": 3000.0}, "warm": {"median_ms": 1500.0}}},
             "Data": {"default": {"cold": {"median_ms": 40.0}, "warm": {"median_ms": 9.0}},
                      "one plan": {"cold": {"median_ms": 500.0}, "warm": {"median_ms": 250.0}}}}
    data = {"sizes": {
        "1000000": {"customers": 1_000_000, "snapshot_mb": 900,
                    "rows": {"customers": 1_000_000, "tickets": 8_500_000, "activity": 500_000},
                    "files": {"parquet": {"total_mb": 700}},
                    "steps": {"import_parquet": _record(100.0, 2000, facts_seconds=20.0,
                                                        capabilities_seconds=5.0),
                              "views": _record(10.0, 500, load=(4.0, 5.0)),
                              "pages": _record(30.0, 600, pages=pages)}},
        "10000000": {"customers": 10_000_000, "rows": {"customers": 10_000_000},
                     "files": {"parquet": {"total_mb": 7000}},
                     "steps": {"import_parquet": _record(
                         1380.0, 9000, finding="stopped after 23 min: its spill passed 28 GB")}},
    }}
    # 10M again, had data.build --engine duckdb made the snapshot (20 min) the pages then used.
    data["sizes"]["20000000"] = {
        "customers": 20_000_000, "rows": {"customers": 20_000_000},
        "pages_snapshot_from": "python -m data.build --engine duckdb",
        "steps": {**data["sizes"]["10000000"]["steps"], "build_duckdb": _record(1200.0, 3000),
                  "views": _record(60.0, 2000), "pages": _record(30.0, 600, pages=pages)}}
    lines = scaling_table.table(data).splitlines()
    # import 100 s less its build part (20 s facts + 5 s capabilities) = 75 s; build 25 + 10 s
    # of default views = 35 s; cold default view 40-80 ms, the warm filter change 250-1,500 ms.
    assert lines[2] == ("| 1.0M | 8.5M; 10.0M | 1 min 15 s | 35 s | 40-80 ms | 250-1,500 ms "
                        "| 2,000 / 500 / 600 MB | 700 MB -> 900 MB | 2-5 |")
    # A step stopped early: why in short, and its peak RSS until then.
    assert lines[3] == ("| 10.0M | 0k; 10.0M | stopped after 23 min | - | not run | not run "
                        "| 9,000 / - / - MB | 7,000 MB -> - | 2-3 |")
    # build = data.build's 1,200 s + 60 s of default views = 21 min; pages starred likewise.
    assert lines[4] == ("| 20.0M | 0k; 20.0M | stopped after 23 min | 21 min * | 40-80 ms * "
                        "| 250-1,500 ms * | 9,000 / 2,000 / 600 MB | - | 2-3 |")


def test_a_step_whose_guard_objects_is_stopped(tmp_path):
    # A "spill" of 2,000 bytes against a limit of 0.000001 GB (1,000 bytes): stopped at once.
    (tmp_path / "spill.tmp").write_bytes(b"x" * 2000)
    guard = child_process.SpillGuard(tmp_path, limit_gb=1e-6)
    record = child_process.run_child([sys.executable, "-c", "import time; time.sleep(60)"], 60,
                                     log=lambda message: None, guard=guard)
    assert record["finished"] is False and record["exit"] == -9
    assert record["finding"].endswith("its files and DuckDB's spill passed 1e-06 GB")
    assert guard.peak_bytes == 2000
    assert child_process.SpillGuard(tmp_path, limit_gb=1.0)() is None  # 2,000 bytes are within 1 GB
