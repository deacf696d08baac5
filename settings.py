"""Runtime settings, read from the environment once. Nothing here imports streamlit."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The product's name, in page titles, the sidebar and the board pack.
PRODUCT = "Retention dashboard"

# The live database: a symlink to the current snapshot (see data/snapshots.py).
DB_PATH = Path(os.environ.get("RETENTION_DB", ROOT / "data" / "retention.duckdb"))

# How many snapshots to keep beside the live database.
SNAPSHOTS_KEEP = int(os.environ.get("RETENTION_SNAPSHOTS_KEEP", "10"))

# A rate computed on fewer than this many units is marked unreliable (docs/definitions.md, Metrics).
MIN_N = int(os.environ.get("RETENTION_MIN_N", "30"))

# Above this share of lost customers in the Other reason category, the reason mapping needs
# attention: the Churn reasons and Data pages say so.
OTHER_WARNING_PCT = 15

# Default first-response target in hours for the early-support SLA bucket (docs/definitions.md, Metrics).
SLA_HOURS = float(os.environ.get("RETENTION_SLA_HOURS", "4"))

# Demo database built on first run when DB_PATH does not exist yet.
DEMO_CUSTOMERS = int(os.environ.get("RETENTION_DEMO_CUSTOMERS", "20000"))

# DuckDB's memory for each open snapshot: its buffer pool (table data it keeps cached) and the
# state of running queries. DuckDB's own default is 80% of RAM. Exact medians over every ticket
# need memory in proportion to the tickets (at 1M customers / 8.5M tickets one such query fails
# below ~250 MB, and two viewers may run one at once), so the default leaves room for that and
# only stops the cache from growing without bound. Lower it to trade speed and headroom for RSS.
DUCKDB_MEMORY_LIMIT = os.environ.get("RETENTION_DUCKDB_MEMORY", "1GB")
# DuckDB's memory while `python -m data.load` builds a snapshot (the app's imports set their own,
# data/isolated.py): beyond it DuckDB spills to <snapshot>.tmp beside the file being built, at most
# IMPORT_SPILL_LIMIT of it (an import that needs more fails with a message, not a full disk).
# Default: 6 GB, or 80% of a smaller machine's RAM (DuckDB's own default is 80% of any machine's).
_RAM_MB = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
IMPORT_MEMORY_LIMIT = os.environ.get("RETENTION_IMPORT_DUCKDB_MEMORY",
                                     f"{min(6144, _RAM_MB * 8 // 10)}MB")
IMPORT_SPILL_LIMIT = os.environ.get("RETENTION_IMPORT_SPILL_LIMIT", "40GB")
# Rows (all files together) above which `python -m data.load` keeps the typed copy of the files
# it checks in a scratch file beside the snapshot instead of in memory (data/importer/scratch.py):
# in memory 42.5M rows (1M customers) take about 4 GB, so the default keeps a 6 GB import within it.
IMPORT_TYPED_IN_MEMORY_ROWS = int(os.environ.get("RETENTION_IMPORT_TYPED_IN_MEMORY_ROWS",
                                                 "60000000"))
