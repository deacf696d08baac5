"""The Reason mapping page's writes: an editor's mapped reasons saved as a new mapping version
(a new snapshot, data/remap.py). Pages write only through the app layer; the role is checked
here, at the write.

A re-mapping copies the snapshot, rebuilds what the mapping reaches and keeps the new snapshot's
default views: at a million customers that takes minutes, so it runs as a job in a thread of the
server, not in the editor's script run. The page shows its progress, every page keeps serving the
current snapshot meanwhile, and the new one is switched to at once when the job has finished
(a failure leaves the current one and says why).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import settings
from app import auth, database
from data import importer, remap, snapshots
from views import default_views

log = logging.getLogger("retention.mapping")


@dataclass
class Saved:
    """What saving did: `meta` of the new snapshot, or the rows' problems, or `stale` (the data
    moved on since the page was opened), or `refused` (not an editor), or `error_id` (an
    unexpected failure, logged under that id)."""

    meta: object = None
    problems: list = field(default_factory=list)
    stale: bool = False
    refused: bool = False
    error_id: str | None = None


@dataclass
class Job:
    """A re-mapping running (or run) in the background for one live database path."""

    job_id: str
    live: str
    by: str
    started: float  # time.time()
    what: str = ""  # the reasons mapped, in words
    fraction: float = 0.0  # 0-1
    step: str = "starting"
    finished: float | None = None
    outcome: Saved | None = None
    done: threading.Event = field(default_factory=threading.Event)  # set when finished

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started


# The latest job per live path (one at a time per path), for every session of this server.
_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def is_live() -> bool:
    """Whether the page shows the live snapshot (a pinned older one cannot be re-mapped)."""
    return Path(database.path()) == snapshots.resolve(settings.DB_PATH)


def chosen_rows(edited) -> list[dict]:
    return remap.chosen_rows(edited)


def current_job() -> Job | None:
    """The latest re-mapping of the live database in this server (running or finished)."""
    return _JOBS.get(str(settings.DB_PATH))


def start(rows: list[dict]) -> Job | Saved:
    """Start re-mapping with `rows` in the background (the job; a running one is returned as it
    is), or Saved(refused=True) for a viewer who is not an editor."""
    if not auth.is_editor():
        return Saved(refused=True)
    live = str(settings.DB_PATH)
    with _LOCK:
        running = _JOBS.get(live)
        if running is not None and running.finished is None:
            return running
        job = _JOBS[live] = Job(secrets.token_hex(4), live, auth.who(), time.time(),
                                _words(rows))
    threading.Thread(target=_run, args=(job, rows, Path(database.path())), daemon=True,
                     name=f"remap-{job.job_id}").start()
    return job


def _words(rows: list[dict], shown: int = 3) -> str:
    words = "; ".join(f"“{row['reason']}” → {row['category']}" for row in rows[:shown])
    return words + (f" and {len(rows) - shown:,} more" if len(rows) > shown else "")


def _run(job: Job, rows: list[dict], expected: Path) -> None:
    def progress(fraction: float, step: str) -> None:
        job.fraction, job.step = fraction, step

    # The default views are the last half of the work, after the mapped facts (remap's 0-0.5).
    views = default_views.after_remap(
        Path(job.live), lambda fraction, step: progress(0.55 + 0.4 * fraction, step))
    try:
        outcome = Saved(meta=remap.add_reasons(Path(job.live), rows, saved_by=job.by,
                                               expected=expected, progress=progress,
                                               after_build=views))
    except importer.ImportRejected as exc:
        outcome = Saved(problems=list(exc.problems))
    except remap.RemapStale:
        outcome = Saved(stale=True)
    except Exception as exc:  # noqa: BLE001 - the page says it failed, with an id for the log
        outcome = Saved(error_id=secrets.token_hex(4))
        log.error("error %s re-mapping %s: %r", outcome.error_id, job.live, exc, exc_info=exc)
    log.info("re-mapping %s by %s finished in %.1f s", job.job_id, job.by, job.seconds)
    job.outcome, job.finished = outcome, time.time()
    job.done.set()
