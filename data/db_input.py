"""Tables from a database for the importer: `python -m data.load --from postgresql://... --customers
crm.customers --tickets "select ..."` (data/importer stages them like files).

Each table option names a table or view (schema.table allowed; matched as Postgres matches an
unquoted name, i.e. lower-cased, then quoted) or is a `select` / `with` query run as it is, in a
read-only session. Rows arrive as Arrow record batches through ADBC (libpq's binary COPY) and are
streamed by DuckDB into the importer's staging table, each value written as text, so they meet
the same checks as a CSV file's values and give the same snapshot:

- date, timestamp: ISO text (2024-01-05, 2024-01-05 09:00:00); numeric: Postgres' own exact text;
  integer, double precision: their digits; boolean: true / false.
- timestamptz: its UTC wall-clock time (the instant as UTC, the offset dropped), whatever the
  session's or the server's time zone. For local time, select `created_at at time zone 'Europe/Oslo'`.
- Any other type (uuid, json, interval, arrays ...) as DuckDB writes it as text; extra columns keep
  that text (a boolean extra column reads true / false where a CSV had TRUE / FALSE).

A problem in a row reads `TABLE:row N: column: ...`, N the 1-based row of the result (the order
Postgres returned it in: give a select with ORDER BY for a stable numbering).

Credentials come from the URL or libpq's own environment (PGPASSWORD, PGUSER, PGHOST, PGPORT,
PGDATABASE, PGSERVICEFILE / PGSERVICE, PGPASSFILE): libpq reads them itself. `redact` writes the
URL with its password as *** for messages and the snapshot's meta; `Unavailable` messages have any
password taken out.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
# An unquoted Postgres identifier; a table option is one, or schema.table.
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_$]{0,62}"
TABLE_NAME = re.compile(rf"{IDENTIFIER}(\.{IDENTIFIER})?")
QUERY_START = re.compile(r"\s*\(*\s*(select|with)\b", re.IGNORECASE)
TABLE_EXPECTED = ("a table name (letters, digits and _, optionally schema.table) or a query "
                  "starting with select or with")


class Unavailable(Exception):
    """The database cannot be reached or refuses the login: one line, without any password."""


class ReadFailed(Exception):
    """A table or query that cannot be read: `column` says which ("(table)" or "(query)")."""

    def __init__(self, column: str, expected: str, found: str):
        super().__init__(found)
        self.column, self.expected, self.found = column, expected, found


@dataclass(frozen=True)
class Relation:
    """One table option: a table (`sql` its quoted name) or a query (`sql` the query as given)."""

    text: str
    is_query: bool
    sql: str
    name: str  # how problems and the import summary name it

    @property
    def label(self) -> str:
        return "query" if self.is_query else "table"


def relation(key: str, text: str) -> Relation:
    """The table option `text` for file key `key`; ValueError(expected) for anything else."""
    text = text.strip()
    if QUERY_START.match(text):
        return Relation(text, True, text.rstrip().rstrip(";"), f"{key} query")
    if not TABLE_NAME.fullmatch(text):
        raise ValueError(TABLE_EXPECTED)
    parts = text.lower().split(".")
    return Relation(text, False, ".".join(_quote(p) for p in parts), ".".join(parts))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def check_url(url: str) -> str | None:
    """What is wrong with `url` as a database URL, or None."""
    if urlsplit(url).scheme.lower() not in SCHEMES:
        return f"expected a postgresql:// URL, found {redact(url)!r}"
    return None


def redact(url: str) -> str:
    """`url` with the password (user:PASSWORD@ or ?password=) written as ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostinfo = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            netloc = f"{userinfo}@{hostinfo}"
        query = parts.query
        if query:
            pairs = [(k, "***" if k.lower() == "password" else v)
                     for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(a database URL that cannot be parsed)"


def _secrets(url: str) -> list[str]:
    """Every password the connection may use, to take out of any message."""
    found = []
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            found += [parts.password, unquote(parts.password)]
        found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password"]
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return sorted({s for s in found if s}, key=len, reverse=True)


def clean(message: str, url: str) -> str:
    """A driver's message as one line: the server's words only, no password, no query text."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    error = next((line for line in lines if "ERROR:" in line or "FATAL:" in line), None)
    if error:
        # The server's own words; what precedes them is the driver's (and may quote the query).
        text = re.split(r"\b(?:ERROR|FATAL):\s+", error)[-1]
    else:
        text = lines[0] if lines else "unknown error"
        text = re.sub(r"^[A-Z_]+: (\[libpq\] )?", "", text)  # ADBC's status prefix
        text = re.sub(r"^Failed to connect: ", "", text)
    text = re.sub(r"\s*(\. )?SQLSTATE: \w+$", "", text).strip()
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text or "unknown error"


def connect(url: str):
    """An ADBC connection (autocommit, read-only session); Unavailable on any failure."""
    problem = check_url(url)
    if problem:
        raise Unavailable(problem)
    try:
        import adbc_driver_manager
        import adbc_driver_postgresql.dbapi
    except ImportError:
        raise Unavailable("the ADBC Postgres driver is not installed "
                          "(pip install -r requirements.txt)") from None
    try:
        con = adbc_driver_postgresql.dbapi.connect(url, autocommit=True)
    except adbc_driver_manager.Error as exc:
        raise Unavailable(f"cannot connect to {redact(url)}: {clean(exc, url)}") from None
    try:
        with con.cursor() as cur:
            # The importer only reads: a query given as an option cannot change the database.
            cur.execute("set default_transaction_read_only = on")
    except adbc_driver_manager.Error as exc:
        con.close()
        raise Unavailable(f"cannot use {redact(url)}: {clean(exc, url)}") from None
    return con


def read(con, rel: Relation, url: str):
    """(cursor, Arrow RecordBatchReader) of the relation's rows; ReadFailed when it has none to
    give (a missing table, a query that fails). Close the cursor when the reader is consumed."""
    import adbc_driver_manager

    cur = con.cursor()
    try:
        if not rel.is_query:
            cur.execute("select to_regclass($1) is not null", (rel.sql,))
            if not cur.fetchone()[0]:
                raise ReadFailed("(table)", f"a table or view named {rel.name} in the database",
                                 "none")
        cur.execute(rel.sql if rel.is_query else f"select * from {rel.sql}")
        return cur, cur.fetch_record_batch()
    except adbc_driver_manager.Error as exc:
        cur.close()
        raise ReadFailed(f"({rel.label})", f"a {rel.label} that can be read",
                         clean(exc, url)) from None
    except BaseException:
        cur.close()
        raise


def as_text(name: str, arrow_type) -> str:
    """DuckDB expression writing the Arrow column `name` as the importer's text (see above)."""
    import pyarrow as pa

    column = _quote(name)
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
        return f"cast(timezone('UTC', {column}) as varchar)"
    return f"cast({column} as varchar)"
