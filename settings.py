"""Runtime settings, read from the environment once. Nothing here imports streamlit."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The live database: a symlink to the current snapshot (see data/snapshots.py).
DB_PATH = Path(os.environ.get("RETENTION_DB", ROOT / "data" / "retention.duckdb"))

# How many snapshots to keep beside the live database.
SNAPSHOTS_KEEP = int(os.environ.get("RETENTION_SNAPSHOTS_KEEP", "10"))

# A rate computed on fewer than this many units is marked unreliable (SPEC §3).
MIN_N = int(os.environ.get("RETENTION_MIN_N", "30"))

# Default first-response target in hours for the early-support SLA bucket (SPEC §3).
SLA_HOURS = float(os.environ.get("RETENTION_SLA_HOURS", "4"))

# Demo database built on first run when DB_PATH does not exist yet.
DEMO_CUSTOMERS = int(os.environ.get("RETENTION_DEMO_CUSTOMERS", "20000"))
DEMO_SEED = 42
