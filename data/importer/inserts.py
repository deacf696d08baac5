"""Inserts: a checked file's parsed values copied into its schema table, and what the snapshot's
meta records of where it came from.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from data import shapes
from data.importer.staged import StagedFile


def insert(con, st: StagedFile) -> None:
    """Copy the parsed values of a checked file into its schema table, extra columns added."""
    if st.key in shapes.INPUT_TABLES:
        return  # converted into other tables by data/shapes.py
    for header in st.extras:
        con.execute(f"alter table {st.key} add column {quote(header)} varchar")
    targets = list(st.columns) + [quote(header) for header in st.extras]
    values = list(st.columns) + list(st.extras.values())
    source = st.typed
    if st.key == "churn_reason_categories":
        targets.append("reason_key")
        values.append("reason_key(reason)")
        # The same reason twice with the same category is harmless: keep its first row.
        source += " qualify row_number() over (partition by reason_key(reason) order by row_id) = 1"
    con.execute(f"insert into {st.key} ({', '.join(targets)}) select {', '.join(values)} from {source}")
    con.execute(f"drop table {st.typed}")


def source_of(st: StagedFile) -> dict:
    """What the snapshot's meta records of where a table came from: a file's name and hash, or a
    database table's name / the query as given (the URL, redacted, is recorded once)."""
    if st.kind == "database":
        return {"name": st.name, st.path.label: st.path.text}
    return {"name": st.name, "sha256": sha256(st.path)}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
