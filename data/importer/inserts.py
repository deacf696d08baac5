"""Inserts: a checked file's parsed values copied into its schema table, and what the snapshot's
meta records of where it came from.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from data import shapes
from data.importer.staged import StagedFile


def insert(con, src: StagedFile) -> None:
    """Copy the parsed values of a checked file into its schema table, extra columns added."""
    if src.key in shapes.INPUT_TABLES:
        return  # converted into other tables by data/shapes.py
    for header in src.extras:
        con.execute(f"alter table {src.key} add column {quote(header)} varchar")
    targets = list(src.columns) + [quote(header) for header in src.extras]
    values = list(src.columns) + list(src.extras.values())
    source = src.typed
    if src.key == "churn_reason_categories":
        targets.append("reason_key")
        values.append("reason_key(reason)")
        # The same reason twice with the same category is harmless: keep its first row.
        source += " qualify row_number() over (partition by reason_key(reason) order by row_id) = 1"
    con.execute(f"insert into {src.key} ({', '.join(targets)}) select {', '.join(values)} from {source}")
    con.execute(f"drop table {src.typed}")


def source_of(src: StagedFile, digests: dict | None = None) -> dict:
    """What the snapshot's meta records of where a table came from: a file's name and hash, or a
    database table's name / the query as given (the URL, redacted, is recorded once).
    `digests`: path -> Future of its hash, started when the import began."""
    if src.kind == "database":
        return {"name": src.name, src.path.label: src.path.text}
    digest = (digests or {}).get(src.path)
    return {"name": src.name, "sha256": digest.result() if digest else sha256(src.path)}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
