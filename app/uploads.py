"""The in-app import: uploaded files -> exactly `data.importer.load`, in a child process.

    outcome = uploads.import_uploads({"customers": uploaded_file, ...}, mapping_text)

The files are written to a temporary folder under their own (sanitised) names, so every problem
names the user's file; `data.importer.load` validates them and publishes a new snapshot only when all
is valid. It runs in a separate process with memory and time limits (data.isolated): a huge or
hostile file can neither block nor crash the server. No Streamlit here.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data import dates, import_summary
from views.needs import describe


# (files key of data.importer, label, what it holds): the upload slots of the import page.
SLOTS = (
    ("customers", "Customers", "Required. customer_id, signup_date; optional churn_date, "
     "churn_reason, plan, mrr, region, segment, industry, acquisition_channel, products_count."),
    ("tickets", "Support tickets", "ticket_id, customer_id, created_at; optional "
     "first_response_at, resolved_at, channel, category, priority, agent_replies, csat, ces."),
    ("nps", "NPS responses", "Optional. customer_id, responded_at, score (0-10)."),
    ("mrr", "MRR history", "Optional. customer_id, month (first day), mrr: one row per active "
     "month; gives NRR and GRR."),
    ("subscriptions", "Subscriptions (instead of MRR history)", "Optional. customer_id, "
     "start_date, end_date, mrr: one row per subscription; each month's MRR is what runs on its "
     "last day."),
    ("churn_events", "Churn events", "Optional. customer_id, churn_date, churn_reason: a "
     "customer's latest event is its churn."),
    ("activity", "Activity or transactions", "Optional. customer_id, occurred_at; optional "
     "amount, kind. On its own (no customers file) each customer signed up on its first "
     "activity."),
    ("outreach", "Outreach contacts", "Optional. customer_id, contacted_at, channel; optional "
     "campaign, responded_at, actions: calls and e-mails of the retention team."),
    ("reasons", "Churn-reason mapping", "Optional. reason, category, owner_team: replaces the "
     "default taxonomy (data/churn_reasons.csv)."),
)
FILE_TYPES = ["csv", "tsv", "txt", "parquet", "xlsx"]
# The summary and the problems name the importer's options; on this page they are form fields.
FORM_FIELDS = {
    "--as-of": "'Data as of'",
    "--date-format": "'Dates written as'",
    "--values": "'Value replacements'",
    "--skip-bad-rows": "'Leave out rows that break a rule'",
    "--inactive-days": "'Churned after days without activity'",
    "--reasons FILE (reason,category,owner_team)": "a churn-reason mapping upload",
    "--reasons FILE": "a churn-reason mapping upload",
    "--map": "'Column mapping'",
}
TIMEOUT_S = float(os.environ.get("RETENTION_IMPORT_TIMEOUT_S", "900"))
PROBLEM_COLUMNS = ["file", "where", "column", "problem"]

_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass
class Outcome:
    """What an import did: ok with the new snapshot's meta, or the problems found."""

    ok: bool
    meta: dict | None = None
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    total: int = 0
    error: str | None = None  # the import could not run to a verdict (time limit, crash)


def safe_name(name: str, key: str) -> str:
    """The upload's base name with only harmless characters (it is shown in every problem)."""
    base = _SAFE.sub("_", Path(str(name or "")).name).strip(" .")[:120]
    return base or f"{key}.csv"


def save_uploads(uploads: dict[str, object], folder: Path) -> dict[str, Path]:
    """Write each uploaded file (anything with .name and a file-like read) under folder/key/."""
    files = {}
    for key, upload in uploads.items():
        if upload is None:
            continue
        target = Path(folder) / key / safe_name(getattr(upload, "name", ""), key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(upload, "seek"):
            upload.seek(0)
        with open(target, "wb") as out:
            shutil.copyfileobj(upload, out, length=1024 * 1024)
        files[key] = target
    return files


def parse_mapping(text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """`TABLE.COLUMN=Header` lines (as `python -m data.load --map`) -> mapping, and bad lines."""
    mapping: dict[str, dict[str, str]] = {}
    bad = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        target, sep, header = line.partition("=")
        table, dot, column = target.partition(".")
        if not sep or not dot or not header.strip() or not table.strip() or not column.strip():
            bad.append(line)
            continue
        mapping.setdefault(table.strip(), {})[column.strip()] = header.strip()
    return mapping, bad


def parse_values(text: str) -> tuple[dict, list[str]]:
    """`TABLE.COLUMN=RAW:VALUE[,RAW:VALUE...]` lines (as `python -m data.load --values`) ->
    values, and the lines that do not read (with why)."""
    from data.importer import values

    lines = [line.strip() for line in (text or "").splitlines()
             if line.strip() and not line.strip().startswith("#")]
    bad = []
    for line in lines:
        try:
            values.parse([line])
        except ValueError as exc:
            bad.append(str(exc).removeprefix("--values "))
    return ({} if bad else values.parse(lines)), bad


# The date formats the form offers (the importer's --date-format choices).
DATE_FORMATS = dates.CHOICES


def summary_text(summary: dict) -> str:
    """The summary `python -m data.load` prints, in this page's words."""
    return form_words("\n".join(import_summary.lines(summary)))


def form_words(text: str) -> str:
    """The importer's words with its options named as this page's form fields."""
    for option, field_name in FORM_FIELDS.items():
        text = text.replace(f"pass {option}", f"fill in {field_name}").replace(option, field_name)
    return text


def problems_frame(problems) -> pd.DataFrame:
    rows = []
    for p in problems:
        line = p.get("line")
        where = "" if line is None else (f"row {line}" if p.get("unit") == "row" else f"line {line}")
        rows.append({"file": p["file"], "where": where, "column": form_words(p["column"]),
                     "problem": form_words(p["message"])})
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def run_import(files: dict[str, Path], mapping: dict | None = None, out: Path | None = None,
               keep: int | None = None, timeout_s: float = TIMEOUT_S,
               options: dict | None = None) -> Outcome:
    """data.importer.load(out, files, mapping, keep, **options) in a child process with memory and
    time limits (data.isolated.run_import_subprocess: setrlimit, DuckDB memory_limit, SIGKILL
    past timeout_s)."""
    from data.isolated import run_import_subprocess

    result = run_import_subprocess(out, files, mapping, keep=keep, timeout_s=timeout_s,
                                   options={k: v for k, v in (options or {}).items()
                                            if v is not None})
    if result.status == "ok":
        meta = {**result.meta, "summary": import_summary.with_can_show(result.meta, describe)}
        return Outcome(True, meta=meta)
    if result.status == "rejected":
        return Outcome(False, problems=problems_frame(result.problems), total=result.total)
    return Outcome(False, error=result.error)


def import_uploads(uploads: dict[str, object], mapping_text: str = "", out: Path | None = None,
                   keep: int | None = None, options: dict | None = None,
                   values_text: str = "") -> Outcome:
    """Save the uploads to a temporary folder, import them, remove the folder. `options`:
    as_of, date_format, inactive_days, skip_bad_rows, as `python -m data.load` takes them;
    `values_text`: its --values, one per line."""
    mapping, bad = parse_mapping(mapping_text)
    replace, bad_values = parse_values(values_text)
    if bad or bad_values:
        frame = pd.DataFrame(
            [{"file": "column mapping", "where": "", "column": line,
              "problem": "expected TABLE.COLUMN=Header"} for line in bad]
            + [{"file": "value replacements", "where": "", "column": "", "problem": why}
               for why in bad_values], columns=PROBLEM_COLUMNS)
        return Outcome(False, problems=frame, total=len(bad) + len(bad_values))
    if replace:
        options = {**(options or {}), "values": replace}
    with tempfile.TemporaryDirectory(prefix="retention-upload-") as folder:
        files = save_uploads(uploads, Path(folder))
        if "customers" not in files and "activity" not in files:
            frame = pd.DataFrame([{"file": "customers", "where": "", "column": "",
                                   "problem": "a customers file (or an activity file on its "
                                              "own) is required"}],
                                 columns=PROBLEM_COLUMNS)
            return Outcome(False, problems=frame, total=1)
        return run_import(files, mapping, out, keep, options=options)
