"""The benchmark database: generated once into bench/data/, reused while it still fits.

Reused when its meta.source matches the arguments (generator, seed, customers, as-of) and the
build code it came from is unchanged (a hash of data/schema.sql, facts.sql, build.py and
generate.py kept beside it): a database built by older derived-table SQL would time the wrong
thing.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from views import default_views
from data import build, snapshots
from data.demo import generate as gen
from data.build import upgrade
from queries import connect, meta

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
SEED = 42
# The files a demo database is made from, relative to data/: a change to one rebuilds it.
BUILD_FILES = ("schema.sql", "build/facts.sql", "build/__init__.py", "demo/generate.py",
               "demo/outreach.py", "demo/sampling.py")


def live_path(customers: int, folder: Path = DATA_DIR) -> Path:
    return Path(folder) / f"bench-{customers}.duckdb"


def build_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in BUILD_FILES:
        digest.update((build.HERE.parent / name).read_bytes())
    return digest.hexdigest()[:16]


def expected_source(customers: int) -> dict:
    return {"generator": "data.demo", "seed": SEED, "customers": customers,
            "as_of": gen.DEFAULT_AS_OF.isoformat()}


def _reusable(live: Path, customers: int) -> tuple[bool, str]:
    stamp = live.with_suffix(".build.json")
    if not live.exists():
        return False, "no database yet"
    try:
        con = connect(live)
        try:
            source = meta(con)["source"]
        finally:
            con.close()
    except Exception as exc:  # noqa: BLE001 - any unreadable file is regenerated
        return False, f"unreadable ({exc})"
    source = json.loads(source) if isinstance(source, str) else source
    if source != expected_source(customers):
        return False, f"meta.source {source} differs"
    if not stamp.exists() or json.loads(stamp.read_text()).get("build") != build_fingerprint():
        return False, "the build code changed since it was generated"
    return True, "reused"


def ensure_database(customers: int, folder: Path = DATA_DIR, log=print) -> tuple[Path, dict]:
    """Path of a database for `customers`, generating it when needed; and how it was obtained."""
    live = live_path(customers, folder)
    ok, why = _reusable(live, customers)
    if ok:
        upgrade.refresh(live)  # derived tables of older build code: rebuilt first
        con = connect(live)
        try:
            facts = default_views.facts_version(con)
            if default_views.is_complete(live, facts):
                return live, {"generated": False, "seconds": 0.0, "reason": why}
            # the query code changed: keep the default views it gives (the app would, once)
            log(f"keeping the default views of today's query code beside {live}")
            started = time.perf_counter()
            default_views.store(con, default_views.views_dir(live), facts)
        finally:
            con.close()
        return live, {"generated": False, "seconds": 0.0, "reason": why,
                      "results_seconds": round(time.perf_counter() - started, 1)}
    log(f"generating {customers:,} customers into {live} ({why})")
    live.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def progress(fraction: float, step: str) -> None:
        print(f"\r  {fraction:4.0%} {step:<30}", end="", file=sys.stderr)
        if fraction >= 1.0:
            print(file=sys.stderr)

    built = gen.generate(live, customers=customers, seed=SEED, progress=progress,
                         after_build=default_views.after_build(live))
    seconds = time.perf_counter() - started
    snapshots.prune(live, keep=1)  # one benchmark database per size is enough
    live.with_suffix(".build.json").write_text(json.dumps({"build": build_fingerprint()}))
    return live, {"generated": True, "seconds": round(seconds, 1), "reason": why,
                  "facts_seconds": built.get("facts_seconds"),
                  "results_seconds": built.get("results_seconds")}
