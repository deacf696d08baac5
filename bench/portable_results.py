"""bench.portable_speed's results: bench/results/portable_speed.json, merged per engine, and the
docs' tables of each page's time per engine (`python -m bench.portable_speed table`)."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

from bench.portable_engines import ENGINES
from bench.portable_statements import SETS, wanted


class Results:
    """bench/results/portable_speed.json: per size, the statements and each engine's record.
    Saved under a lock, re-read first and merged per engine: engines may be run by separate
    processes."""

    def __init__(self, path: Path, customers: int):
        self.path, self.key = Path(path), str(customers)
        self.entry: dict = {"customers": customers}
        self.engines: set[str] = set()

    def _read(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            sizes = data.setdefault("sizes", {})
            found = sizes.get(self.key, {})
            engines = {**found.get("engines", {}),
                       **{e: self.entry["engines"][e] for e in self.engines}}
            sizes[self.key] = {**found, **self.entry, "engines": engines}
            data["sizes"] = dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
            tmp.replace(self.path)


def statement_records(recorded: dict) -> list[dict]:
    """The JSON shape of each recorded statement: its id (the first call that ran it), the
    pages (and sets) that run it, whether it is ordered, and DuckDB's row count."""
    where: dict[int, list[str]] = {}
    for set_name, pages in recorded["pages"].items():
        for page, indexes in pages.items():
            for n in indexes:
                where.setdefault(n, []).append(f"{page} ({set_name})")
    return [{"id": s.id, "pages": where.get(n, []), "ordered": s.ordered, "rows": len(s.rows)}
            for n, s in enumerate(recorded["statements"])]


def page_totals(entry: dict, engine: str, set_name: str, kind: str) -> dict[str, float | str]:
    """page -> the sum of its statements' `kind` ("cold_ms" / "warm_ms") on `engine`, or why
    there is none (over the limit, failed, not measured)."""
    records = entry["engines"].get(engine, {}).get("statements", {})
    out = {}
    for page, indexes in entry["pages"][set_name].items():
        total, why = 0.0, None
        for n in indexes:
            rec = records.get(str(n), {})
            if kind in rec:
                total += rec[kind]
            elif why is None:
                why = rec.get("over_limit") or ("failed" if "error" in rec else "not measured")
        out[page] = why if why else round(total, 1)
    return out


def _ms(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value / 1000:,.1f} s" if value >= 1000 else f"{value:,.0f} ms"


def table(data: dict) -> str:
    """Per size and filter set, each page's time (sum of its statements, cold / warm median) on
    each engine measured, and how many of the engine's statements matched DuckDB's result."""
    lines = []
    for entry in data["sizes"].values():
        engines = [e for e in ENGINES if e in entry.get("engines", {})]
        loads = {e: entry["engines"][e].get("load_average_start", [0])[0] for e in engines}
        ends = {e: entry["engines"][e].get("load_average_end", [0])[0] for e in engines}
        lines.append(f"\n{entry['customers']:,} customers ("
                     + ", ".join(f"{e} load {loads[e]:.0f} -> {ends[e]:.0f}" for e in engines)
                     + ")\n")
        for set_name in SETS:
            lines.append(f"| page ({set_name}) | "
                         + " | ".join(f"{e} cold | warm" for e in engines) + " |")
            lines.append("|---|" + "---:|---:|" * len(engines))
            cells = {(e, k): page_totals(entry, e, set_name, k)
                     for e in engines for k in ("cold_ms", "warm_ms")}
            for page in entry["pages"][set_name]:
                lines.append(f"| {page} | " + " | ".join(
                    f"{_ms(cells[e, 'cold_ms'][page])} | {_ms(cells[e, 'warm_ms'][page])}"
                    for e in engines) + " |")
            lines.append("")
        for e in engines:
            recs = list(entry["engines"][e].get("statements", {}).values())
            ran = [r for r in recs if "cold_ms" in r]
            matched = sum(1 for r in ran if r.get("matched"))
            over = sum(1 for r in recs if "over_limit" in r)
            failed = sum(1 for r in recs if "error" in r)
            sets = entry["engines"][e].get("sets", list(SETS))
            asked = len(wanted(entry, sets, entry["engines"][e].get("pages")))
            repeat = entry["engines"][e].get("repeat", 0)
            lines.append(f"- {e} ({', '.join(sets)}): {len(ran)} of {asked} statements run, "
                         f"{matched} of them equal to DuckDB's result; {over} over the limit, "
                         f"{failed} failed; warm: "
                         + (f"median of {repeat} runs" if repeat > 1 else "one run"))
    return "\n".join(lines)

