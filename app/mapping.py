"""The Reason mapping page's writes: an editor's mapped reasons saved as a new mapping version
(a new snapshot, data/remap.py). Pages write only through the app layer; the role is checked
here, at the write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import settings
from app import auth, database
from data import importer, remap, snapshots


@dataclass
class Saved:
    """What saving did: `meta` of the new snapshot, or the rows' problems, or `stale` (the data
    moved on since the page was opened), or `refused` (not an editor)."""

    meta: object = None
    problems: list = field(default_factory=list)
    stale: bool = False
    refused: bool = False


def is_live() -> bool:
    """Whether the page shows the live snapshot (a pinned older one cannot be re-mapped)."""
    return Path(database.path()) == snapshots.resolve(settings.DB_PATH)


def chosen_rows(edited) -> list[dict]:
    return remap.chosen_rows(edited)


def save(rows: list[dict]) -> Saved:
    if not auth.is_editor():
        return Saved(refused=True)
    try:
        return Saved(meta=remap.add_reasons(settings.DB_PATH, rows, saved_by=auth.who(),
                                            expected=Path(database.path())))
    except importer.ImportRejected as exc:
        return Saved(problems=list(exc.problems))
    except remap.RemapStale:
        return Saved(stale=True)
