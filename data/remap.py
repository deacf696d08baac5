"""Re-map churn reasons without re-importing: a new snapshot with a new mapping version.

    python -m data.load --out PATH --reasons FILE     # the whole mapping from a CSV (no data file)

    result = remap_file(live, Path("reasons.csv"), saved_by="ana")        # same, from Python
    result = add_reasons(live, [{"reason": "budget", "category": "Price",
                                 "owner_team": "Pricing / Finance"}], saved_by="ana@example.com")

The live snapshot is copied, its churn_reason_categories replaced (a file) or extended (rows an
editor added on the Reason mapping page), the derived tables that read the mapping rebuilt (the
per-customer facts; tickets, histories and contacts keyed by customer are the parent's), and
the copy published as a new snapshot through snapshots.building: the live path switches only when
all of it worked, and links pinned to older snapshots keep the mapping they were made with. The
customers, tickets and every other source table are the parent's bytes, untouched, and so is its
default as-of date. mapping_versions (data/build/__init__.py) gains a row: when, by whom, and the share of
lost customers in Other before and after.

A reason is matched after lower-casing, trimming and collapsing whitespace runs (docs/definitions.md, Data model); a
reason given two categories is an error naming the file and line (or the editor's row).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

import settings
from data import build, capabilities, snapshots
from data.importer.errors import ImportRejected, Problem
from data.importer.flow import stage_and_check
from data.importer.headers import normalise_mapping
from data.importer.inserts import insert, quote
from data.importer.parsing import MACROS
from data.importer.rules import MAX_SHOWN, MAX_TEXT_CHARS

# What the editor's rows are called in a problem (they are not a file).
ROWS_NAME = "reason mapping"


# Tables computed from the source tables (data/build/facts.sql), and the default views older builds
# kept inside the snapshot (stored_results): all rebuilt or dropped when the snapshot's derived
# tables were built by other SQL than today's.
DERIVED = ("stored_results", "ticket_facts", "mrr_facts", "nps_facts", "customer_facts")
# A derived table reads the mapping when its statement names the mapping or a column made from it:
# only those are rebuilt by a re-mapping (the others, tickets and histories keyed by customer,
# take minutes at millions of rows and cannot change).
MAPPING_WORDS = re.compile(r"\b(churn_reason_categories|churn_category|churn_owner_team)\b")
CREATE_TABLE = re.compile(r"create\s+or\s+replace\s+table\s+(\w+)", re.IGNORECASE)

# progress(fraction, words): what a re-mapping is doing, for a page that shows it.
Progress = Callable[[float, str], None]


class RemapStale(RuntimeError):
    """The live snapshot changed (an import, another editor's save) since the mapping was read."""


@dataclass
class Remapped:
    """What a re-mapping did."""

    snapshot_id: str  # the new snapshot
    parent_id: str | None  # the snapshot it was made from
    version: int  # the new mapping version
    other_before_pct: float | None  # % of lost customers in Other with the parent's mapping
    other_after_pct: float | None  # ... with the new one
    reasons: int  # rows of the new mapping
    unmapped: list[tuple[str, int]] = field(default_factory=list)  # (reason, customers) still in Other


def remap_file(live: Path, reasons_csv: Path, saved_by: str, how: str = "command line",
               mapping: dict[str, dict[str, str]] | None = None,
               keep: int = settings.SNAPSHOTS_KEEP, **hooks) -> Remapped:
    """A new snapshot of the live one whose mapping is the file's (reason, category[, owner_team]).

    The file is checked exactly like an import's --reasons file (`mapping` as the importer's, e.g.
    {"reasons": {"reason": "Reason code"}}); on a problem ImportRejected names FILE:LINE and
    nothing changes.
    """
    reasons_csv = Path(reasons_csv)
    mapping = normalise_mapping(mapping)

    def fill(con) -> None:
        staged, problems, total = stage_and_check(
            con, {"churn_reason_categories": reasons_csv}, mapping)
        # The importer requires a customers file; a re-mapping keeps the snapshot's customers.
        problems = [p for p in problems if not (p.file == "customers" and p.column == "(file)")]
        total -= 1
        if problems:
            raise ImportRejected(problems, total)
        # The new file's extra columns replace the old mapping's (the importer adds them anew).
        extras = con.execute(
            "select column_name from duckdb_columns() where table_name = 'churn_reason_categories'"
            " and column_name not in ('reason', 'reason_key', 'category', 'owner_team')").fetchall()
        for (column,) in extras:
            con.execute(f"alter table churn_reason_categories drop column {quote(column)}")
        con.execute("delete from churn_reason_categories")
        insert(con, staged["churn_reason_categories"])

    return _remap(Path(live), fill, saved_by, how, None, keep, **hooks)


def add_reasons(live: Path, rows: list[dict], saved_by: str, how: str = "app",
                expected: Path | None = None, keep: int = settings.SNAPSHOTS_KEEP,
                **hooks) -> Remapped:
    """A new snapshot of the live one whose mapping is its own plus `rows` (reason, category,
    owner_team; a blank owner_team takes the team the category already has).

    `expected`: the snapshot file the editor was looking at; when the live path has moved on
    since, RemapStale and nothing changes. A row breaking a rule raises ImportRejected naming
    its row (1-based, as the editor sees it). `hooks`: progress (a Progress) and after_build
    (con, meta), as build.finalize's: run on the new snapshot before it is published.
    """
    def fill(con) -> None:
        con.execute("create temp table added (row_id integer, reason varchar, category varchar, "
                    "owner_team varchar)")
        con.executemany("insert into added values (?, ?, ?, ?)", [
            (i, _text(row.get("reason")), _text(row.get("category")), _text(row.get("owner_team")))
            for i, row in enumerate(rows, start=1)])
        problems = _row_problems(con)
        if problems:
            raise ImportRejected(problems[: MAX_SHOWN], len(problems))
        # A category typed in other letter case joins the existing one, and its team fills a
        # blank one, so the rows of a category keep one spelling and one owner. A reason the
        # mapping already has (with the same category, or _row_problems would have stopped) is
        # left as it is.
        con.execute(
            """
            insert into churn_reason_categories
            with known as (
                select lower(category) as folded, min(category) as category,
                       min(owner_team) as owner_team
                from churn_reason_categories
                group by lower(category)
            )
            select added.reason, reason_key(added.reason),
                   coalesce(known.category, trim(added.category)),
                   coalesce(nv(added.owner_team), known.owner_team)
            from added
            left join known on known.folded = lower(trim(added.category))
            where reason_key(added.reason) not in (select reason_key from churn_reason_categories)
            qualify row_number() over (partition by reason_key(added.reason)
                                       order by added.row_id) = 1
            """
        )

    return _remap(Path(live), fill, saved_by, how, expected, keep, **hooks)


def chosen_rows(table) -> list[dict]:
    """The rows of the Reason mapping page's editor (columns reason, category, new_category,
    owner_team) that the editor gave a category, as add_reasons rows: a new category typed in
    wins over the one picked from the list; blank rows are left unmapped."""
    rows = []
    for record in table.to_dict("records"):
        picked = ((_text(record.get("new_category")) or "").strip()
                  or (_text(record.get("category")) or "").strip())
        if picked:
            rows.append({"reason": record["reason"], "category": picked,
                         "owner_team": (_text(record.get("owner_team")) or "").strip() or None})
    return rows


def _text(value) -> str | None:
    # Empty editor cells come back as None or NaN.
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _row_problems(con) -> list[Problem]:
    """The editor's rows that break a rule: no reason, no category, too long, or a reason given
    two categories (by two rows, or a row and the current mapping)."""
    rows = con.execute(
        f"""
        with keyed as (
            select row_id, reason, reason_key(reason) as k, trim(category) as category,
                   owner_team
            from added
        ),
        checks as (
            select row_id, 'reason' as col, 'a churn reason' as expected, 'an empty value' as found
            from keyed where nv(reason) is null
            union all
            select row_id, 'category', 'a category (an existing one or a new one)', 'an empty value'
            from keyed where nv(reason) is not null and nv(category) is null
            union all
            select row_id, col, 'text of at most {MAX_TEXT_CHARS:,} characters',
                   'a value of ' || format('{{:,}}', length(v)) || ' characters'
            from keyed, lateral (values ('reason', reason), ('category', category),
                                        ('owner_team', owner_team)) as t(col, v)
            where length(v) > {MAX_TEXT_CHARS}
            union all
            select keyed.row_id, 'category', 'one category per reason',
                   shown(keyed.category) || ' for reason ' || shown(keyed.k)
                   || ' (the mapping already maps it to ' || shown(map.category) || ')'
            from keyed join churn_reason_categories as map on map.reason_key = keyed.k
            where nv(keyed.category) is not null and lower(map.category) <> lower(keyed.category)
            union all
            select row_id, 'category', 'one category per reason',
                   shown(category) || ' for reason ' || shown(k) || ' (row '
                   || first_row || ' maps it to ' || shown(first_category) || ')'
            from (
                select *, first_value(row_id) over w as first_row,
                       first_value(category) over w as first_category
                from keyed where nv(reason) is not null and nv(category) is not null
                window w as (partition by k order by row_id)
            )
            where lower(category) <> lower(first_category)
        )
        select row_id, col, expected, found from checks order by row_id, col
        """
    ).fetchall()
    return [Problem(ROWS_NAME, row, column, f"expected {expected}, found {found}", "row")
            for row, column, expected, found in rows]


def _remap(live: Path, fill: Callable, saved_by: str, how: str, expected: Path | None,
           keep: int, progress: Progress | None = None,
           after_build: Callable | None = None) -> Remapped:
    say = progress or (lambda fraction, words: None)
    parent = snapshots.resolve(live)
    if not parent.is_file():
        raise FileNotFoundError(f"no database at {live}: import data first (python -m data.load "
                                "--out PATH --customers FILE)")
    if expected is not None and Path(expected).resolve() != parent:
        raise RemapStale("the data changed since this page was opened")
    views = None
    try:
        with snapshots.building(live, keep) as (tmp, snapshot_id):
            views = snapshots.snapshot_path(live, snapshot_id).with_suffix(".views")
            say(0.0, "copying the current snapshot")
            shutil.copyfile(parent, tmp)
            con = duckdb.connect(str(tmp), config={"memory_limit": settings.DUCKDB_MEMORY_LIMIT})
            try:
                parent_id, parent_built = con.execute(
                    "select snapshot_id, built_at from meta").fetchone()
                result = _rebuild(con, fill, snapshot_id, saved_by, how, say)
                if after_build is not None:
                    after_build(con, {"snapshot_id": snapshot_id, "parent": str(parent),
                                      "parent_id": parent_id, "parent_built_at": parent_built})
            finally:
                con.close()
            # Checked again just before publishing: an import finished meanwhile must not be
            # undone.
            if snapshots.resolve(live) != parent:
                raise RemapStale("the data changed while the mapping was being saved")
            say(1.0, "publishing the new snapshot")
    except BaseException:
        # What was kept beside a snapshot that was never published goes with it.
        if views is not None and not views.with_suffix(snapshots.SUFFIX).exists():
            shutil.rmtree(views, ignore_errors=True)
        raise
    return result


def mapping_statements(facts_sql: str) -> list[tuple[str, str]]:
    """(table, statement) of each derived table whose statement reads the reason mapping, in the
    order data/build/facts.sql builds them."""
    found = []
    for statement in duckdb.extract_statements(facts_sql):
        created = CREATE_TABLE.search(statement.query)
        if created and MAPPING_WORDS.search(statement.query):
            found.append((created.group(1), statement.query))
    return found


def rebuild_mapped_facts(con) -> list[str]:
    """Rebuild the derived tables that read the reason mapping (the others are unchanged by it);
    every derived table when the snapshot's were built by other SQL than today's. Their names."""
    try:
        version = con.execute("select version from facts_version").fetchone()[0]
    except duckdb.Error:
        version = None
    if version != build.facts_version():
        # Dropped first, so the rebuild reuses their blocks instead of growing the copied file
        # (a re-mapping of a 3,000-customer demo grew it 6.3 -> 10.5 MB without this).
        for table in DERIVED:
            con.execute(f"drop table if exists {table}")
        con.execute("checkpoint")
        build.build_facts(con)
        return CREATE_TABLE.findall(build.FACTS_SQL.read_text())
    con.execute("drop table if exists stored_results")
    build.add_missing_tables(con)
    rebuilt = []
    for table, statement in mapping_statements(build.FACTS_SQL.read_text()):
        con.execute(f"drop table if exists {table}")
        con.execute("checkpoint")
        con.execute(statement)
        rebuilt.append(table)
    return rebuilt


def _rebuild(con, fill: Callable, snapshot_id: str, saved_by: str, how: str,
             say: Progress) -> Remapped:
    con.execute(MACROS)
    parent_id, parent_built, parent_kind = con.execute(
        "select snapshot_id, built_at, source_kind from meta").fetchone()
    before = build.other_share_pct(con)
    con.execute(build.MAPPING_VERSIONS_SQL)
    if not con.execute("select count(*) from mapping_versions").fetchone()[0]:
        # A snapshot built before versions were recorded: its own mapping is version 1.
        build.record_mapping_version(con, parent_id, parent_built, build.BUILT_BY[parent_kind],
                                     parent_kind, None)
    say(0.2, "checking the mapped reasons")
    fill(con)
    say(0.25, "re-mapping the churned customers")
    rebuild_mapped_facts(con)
    saved_at = datetime.now(timezone.utc).replace(tzinfo=None)
    source = json.loads(con.execute("select source from meta").fetchone()[0])
    source["remapped_from"] = parent_id
    con.execute("update meta set snapshot_id = $id, built_at = $at, source = $source",
                {"id": snapshot_id, "at": saved_at, "source": json.dumps(source, sort_keys=True)})
    version = build.record_mapping_version(con, snapshot_id, saved_at, saved_by, how, before)
    after, reasons = con.execute(
        "select other_after_pct, reasons from mapping_versions where version = $v",
        {"v": version}).fetchone()
    unmapped = con.execute(
        """
        select cf.reason_key, count(*) as customers
        from customer_facts as cf
        anti join churn_reason_categories as map using (reason_key)
        where cf.churn_date <= (select default_as_of from meta) and cf.reason_key <> ''
        group by cf.reason_key
        order by customers desc, cf.reason_key
        """
    ).fetchall()
    # A new mapping changes which churn reasons count as mapped (data/capabilities.py).
    say(0.5, "what this data can show")
    capabilities.store(con, capabilities.compute(con))
    con.execute("checkpoint")
    return Remapped(snapshot_id, parent_id, version, before, after, reasons,
                    [(reason, int(n)) for reason, n in unmapped])


def main(out: Path, reasons_csv: Path, mapping: dict | None = None,
         keep: int = settings.SNAPSHOTS_KEEP) -> int:
    """`python -m data.load --out PATH --reasons FILE` with no data file: re-map the live snapshot."""
    import getpass
    import sys

    try:
        result = remap_file(out, reasons_csv, saved_by=f"{getpass.getuser()} (command line)",
                            mapping=mapping, keep=keep)
    except ImportRejected as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{exc.total} problem(s); {out} was not changed.", file=sys.stderr)
        return 1
    except (OSError, RemapStale, duckdb.Error) as exc:
        print(f"re-mapping failed: {exc}; {out} was not changed.", file=sys.stderr)
        return 1
    print(f"Re-mapped snapshot {result.parent_id} into new snapshot {result.snapshot_id} "
          f"(mapping version {result.version}, {result.reasons:,} reasons): lost customers in "
          f"Other {_pct(result.other_before_pct)} -> {_pct(result.other_after_pct)}.")
    if result.unmapped:
        print(f"{len(result.unmapped):,} reason(s) still unmapped (customers lost):")
        for reason, customers in result.unmapped[:20]:
            print(f"  {customers:>8,}  {reason}")
        if len(result.unmapped) > 20:
            print(f"  ... and {len(result.unmapped) - 20:,} more")
    return 0


def _pct(value: float | None) -> str:
    return "n/a (nobody churned)" if value is None else f"{value:.1f}%"
