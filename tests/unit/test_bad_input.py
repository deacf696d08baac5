"""Bad input: every file of the corpus tests/data/bad/ (see build_corpus.py there) is
rejected with FILE:LINE: column: rule - or, where accepting is right, accepted and stored as text -
and a rejected import leaves the live database byte-identical. The big inputs are generated here at
test time; the 200 MB one only with RETENTION_BIG_TESTS=1 (see RELIABILITY.md)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from data import importer, snapshots

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASES = json.loads((BAD / "cases.json").read_text())
GOOD = "customer_id,signup_date\ng1,2023-06-01\ng2,2023-07-01\n"


def state(live: Path):
    """The link target and the bytes behind it: what a rejected import must not change."""
    return os.readlink(live), hashlib.sha256(snapshots.resolve(live).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def live_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("live")
    (folder / "good.csv").write_text(GOOD)
    out = folder / "db" / "retention.duckdb"
    importer.load(out, {"customers": folder / "good.csv"})
    return out.parent


@pytest.fixture
def live(live_template, tmp_path) -> Path:
    shutil.copytree(live_template, tmp_path / "db", symlinks=True)
    return tmp_path / "db" / "retention.duckdb"


def files_for(name: str) -> dict[str, Path]:
    spec = CASES[name]
    files = {key: BAD / companion for key, companion in spec.get("companions", {}).items()}
    files[spec["table"]] = BAD / name
    return files


def test_corpus_is_big_enough():
    assert len(CASES) >= 40
    assert sorted(CASES) == sorted(p.name for p in BAD.iterdir()
                                   if p.name not in ("cases.json", "build_corpus.py")
                                   and not p.name.startswith("_"))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "reject" in c))
def test_rejected_with_file_line_column_rule(live, name):
    want = CASES[name]["reject"]
    before = state(live)
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, files_for(name))
    assert state(live) == before
    assert len(snapshots.list_snapshots(live)) == 1
    problems = info.value.problems
    first = next((p for p in problems if p.file == name), None)
    assert first is not None, [str(p) for p in problems]
    assert (first.line, first.column if want["column"] else None) == (want["line"], want["column"]), \
        str(first)
    assert want["rule"] in first.message, str(first)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "accept" in c))
def test_accepted_and_stored_as_text(live, name):
    importer.load(live, files_for(name))
    con = duckdb.connect(str(snapshots.resolve(live)), read_only=True)
    try:
        for target, text in CASES[name]["accept"].items():
            table, column = target.split(".")
            stored = [str(r[0]) for r in con.execute(f'select "{column}" from {table}').fetchall()]
            assert text in stored
    finally:
        con.close()


# --- big inputs, generated at test time ----------------------------------------------------------
def test_bad_row_deep_in_a_200k_row_file_is_found_on_its_line(live, tmp_path):
    path = tmp_path / "big_customers.csv"
    with open(path, "w") as out:
        out.write("customer_id,signup_date,mrr\n")
        for i in range(200_000):
            out.write(f"c{i},2024-01-01,{'NaN' if i == 150_000 else i % 500}\n")
    before = state(live)
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, {"customers": path})
    assert state(live) == before
    assert [str(p) for p in info.value.problems] == [
        "big_customers.csv:150002: mrr: expected a number like 1234.50, found 'NaN'"]


@pytest.mark.slow
def test_thousand_columns_are_accepted_as_extra_text_columns(live, tmp_path):
    # 1,000 columns with the required ones present is a legitimate (if wide) export: kept as text.
    path = tmp_path / "wide.csv"
    extra = [f"x{i}" for i in range(998)]
    with open(path, "w") as out:
        out.write(",".join(["customer_id", "signup_date", *extra]) + "\n")
        for i in range(100):
            out.write(",".join([f"c{i}", "2024-01-01", *(["=1+1"] * 998)]) + "\n")
    importer.load(live, {"customers": path})
    con = duckdb.connect(str(snapshots.resolve(live)), read_only=True)
    try:
        assert len(con.execute("describe customers").fetchall()) == 13 + 998
        assert con.execute('select count(*) from customers where "x997" = \'=1+1\'').fetchone() == (
            100,)
    finally:
        con.close()


@pytest.mark.skipif(os.environ.get("RETENTION_BIG_TESTS") != "1",
                    reason="200 MB input: set RETENTION_BIG_TESTS=1 (about a minute)")
def test_200mb_file_with_one_bad_row_at_the_end(live, tmp_path):
    path = tmp_path / "huge.csv"
    row = "c{},Some fairly long customer name for padding,2022-05-01,,,Growth,{}.50,2\n"
    n = 0
    with open(path, "w") as out:
        out.write("customer_id,name,signup_date,churn_date,churn_reason,plan,mrr,products_count\n")
        while out.tell() < 200 * 1024 * 1024:
            out.writelines(row.format(n + i, i % 900) for i in range(10_000))
            n += 10_000
        out.write(f"c{n},Last,2022-05-01,2022-04-01,,Growth,1,1\n")
    before = state(live)
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, {"customers": path})
    assert state(live) == before
    assert str(info.value.problems[0]).startswith(f"huge.csv:{n + 2}: churn_date: expected a date on")
