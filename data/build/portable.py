"""The app's DuckDB SQL on other engines: Postgres and Spark SQL.

    text = to_dialect(sql, "spark")                # the statement in Spark SQL
    text, args = bind(sql, params, "postgres")     # ... and its bound parameters

The DuckDB text is transpiled with sqlglot, then the OVERRIDES of the target dialect are applied
to the parsed statement: each is a small function covering one construct sqlglot does not carry
(or carries with a different meaning), named for it and tested by executing the result on the
engine (tests/portable). Where a construct has a portable spelling that is as fast on DuckDB, the
SQL itself uses it instead (see tests/portable for the list).

Parameters: the DuckDB text names them `$as_of`. On Postgres (ADBC / libpq) they become `$1`,
`$2`, ... numbered by the sorted distinct names (`parameter_names`); on Spark they stay named,
`:as_of`, for `spark.sql(text, args={...})`. Values are always bound, never written into the text.

To cover another gap: write `def _dialect_gap(tree) -> tree` with a docstring saying what sqlglot
gets wrong, add it to OVERRIDES, and add a statement that needs it to tests/portable.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Callable

import sqlglot
from sqlglot import exp

DIALECTS = ("postgres", "spark")


def parameter_names(sql: str) -> list[str]:
    """The distinct `$name` parameters of a DuckDB statement (comments aside), sorted: the order
    of Postgres's $1, $2, ..."""
    return _names(sqlglot.parse_one(sql, read="duckdb"))


def _names(tree: exp.Expression) -> list[str]:
    return sorted({node.name for node in tree.find_all(exp.Placeholder) if node.name})


# --- overrides: one function per construct sqlglot does not carry ----------------------------------
# Each changes the tree it is given in place (transform(copy=False)): _render hands them a tree of
# its own, just parsed, and copying a statement's tree at every step cost more than parsing it.

def _interval_functions(tree: exp.Expression) -> exp.Expression:
    """DuckDB's to_months(n) / to_days(n) / to_years(n) (an interval of n units): sqlglot passes
    them through unchanged and neither engine has them; interval '1' unit * n is the same
    interval on both."""
    units = {"to_days": "DAY", "to_months": "MONTH", "to_years": "YEAR"}

    def fix(node):
        if isinstance(node, exp.ToDays):  # sqlglot parses this one, and writes it back as is
            name, count = "to_days", node.this
        elif isinstance(node, exp.Anonymous) and str(node.this).lower() in units:
            name, (count,) = str(node.this).lower(), node.expressions
        else:
            return node
        one = exp.Interval(this=exp.Literal.string("1"), unit=exp.var(units[name]))
        return exp.paren(exp.Mul(this=one, expression=exp.paren(count, copy=False)), copy=False)

    return tree.transform(fix, copy=False)


def _spark_month_diff(tree: exp.Expression) -> exp.Expression:
    """DuckDB's datediff('month', a, b) counts month boundaries crossed (Jan 31 -> Feb 1 is 1);
    sqlglot writes Spark's DATEDIFF(MONTH, a, b), which counts whole months elapsed (0). The
    boundary count is 12 * (year(b) - year(a)) + month(b) - month(a) on both."""

    def fix(node):
        if (isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary")
                and str(node.args.get("unit") or "").upper() == "MONTH"):
            end, start = node.this, node.expression
            years = exp.Sub(this=exp.Year(this=end.copy()), expression=exp.Year(this=start.copy()))
            months = exp.Sub(this=exp.Month(this=end.copy()), expression=exp.Month(this=start.copy()))
            return exp.paren(
                exp.Add(this=exp.Mul(this=exp.Literal.number(12), expression=exp.paren(years)),
                        expression=exp.paren(months)), copy=False)
        return node

    return tree.transform(fix, copy=False)


def _spark_percentiles(tree: exp.Expression) -> exp.Expression:
    """quantile_cont(x, [p, q]) (one sort, a list of interpolated quantiles): sqlglot writes
    PERCENTILE_CONT(x, ARRAY(...)), an arity Spark rejects; Spark's exact, interpolating
    percentile(x, array(p, q)) is the same aggregate (its list indexed from 0, which sqlglot
    already shifts)."""

    def fix(node):
        if isinstance(node, exp.PercentileCont) and node.expression is not None:
            return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
        return node

    return tree.transform(fix, copy=False)


def _spark_nested_cte_names(tree: exp.Expression) -> exp.Expression:
    """A query included as a CTE (average_retention's `cells as (<cohort_retention>)`) brings its
    own WITH, whose names (`final`) may repeat the outer ones: DuckDB and Postgres scope them,
    Spark rejects any duplicate CTE name. Inner names that repeat an outer one are renamed
    within their own query (`final` -> `final_1`)."""
    taken = {cte.alias for cte in tree.find_all(exp.CTE)}
    for n, inner in enumerate(w for w in tree.find_all(exp.With) if w.parent is not tree):
        for cte in inner.expressions:
            name = cte.alias
            if sum(1 for c in tree.find_all(exp.CTE) if c.alias == name) < 2:
                continue
            new = f"{name}_{n + 1}"
            while new in taken:
                new += "_"
            taken.add(new)
            scope = inner.parent
            for table in scope.find_all(exp.Table):
                if table.name == name and not table.args.get("db"):
                    table.set("this", exp.to_identifier(new))
            cte.set("alias", exp.TableAlias(this=exp.to_identifier(new)))
    return tree


def _spark_cte_materialized(tree: exp.Expression) -> exp.Expression:
    """`with x as not materialized (...)` (DuckDB and Postgres: read the CTE's query where it is
    used instead of storing its rows once): Spark has no such clause and always inlines, so the
    hint is dropped."""
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    return tree


def _spark_cast_generator(tree: exp.Expression) -> exp.Expression:
    """DuckDB's unnest(generate_series(a, b, step))::date: sqlglot writes
    CAST(EXPLODE(SEQUENCE(...)) AS DATE), a generator nested in an expression, which Spark
    rejects; the cast moves inside, onto the list: EXPLODE(CAST(SEQUENCE(...) AS ARRAY<DATE>))."""

    def fix(node):
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Explode):
            element = node.args["to"]
            array = exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[element],
                                 nested=True)
            return exp.Explode(this=exp.Cast(this=node.this.this, to=array))
        return node

    return tree.transform(fix, copy=False)


def _postgres_unnest_series(tree: exp.Expression) -> exp.Expression:
    """DuckDB's unnest(generate_series(...)) (a list, then its rows): sqlglot keeps both, but
    Postgres's generate_series already returns rows (a set-returning function), which unnest
    cannot take; generate_series alone is the same rows."""

    def fix(node):
        if isinstance(node, exp.Explode) and isinstance(node.this, exp.GenerateSeries):
            return node.this
        return node

    return tree.transform(fix, copy=False)


def _postgres_round(tree: exp.Expression) -> exp.Expression:
    """round(x, n) of a double: DuckDB has it, Postgres only round(numeric, n), and sqlglot
    passes the call through; x is cast to numeric (exact, so the digits kept are the same)."""

    def fix(node):
        if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
            node.set("this", exp.Cast(this=node.this, to=exp.DataType.build("numeric")))
        return node

    return tree.transform(fix, copy=False)


def _spark_decimal_literals(tree: exp.Expression) -> exp.Expression:
    """A literal like 100.0 is a decimal on every engine, but DuckDB (and Postgres) divide
    decimals to a double (or 16+ digits), while Spark's decimal arithmetic keeps as few as 6
    digits after the point (x * 100.0 / y). The literals become doubles on Spark, the type
    DuckDB computes the division in."""

    def fix(node):
        if (isinstance(node, exp.Literal) and not node.is_string
                and any(c in node.this for c in ".eE")):
            return exp.Cast(this=node, to=exp.DataType.build("double"))
        return node

    return tree.transform(fix, copy=False)


def _spark_epoch(tree: exp.Expression) -> exp.Expression:
    """epoch(b - a), the seconds between two timestamps: sqlglot writes Spark's
    UNIX_TIMESTAMP(b - a), which takes no interval (and unix_timestamp drops fractions of a
    second); the microseconds since 1970 of each side, subtracted, are exact."""

    def micros(value):
        return exp.Anonymous(this="unix_micros", expressions=[value.copy()])

    def fix(node):
        if not isinstance(node, exp.TimeToUnix):
            return node
        value = node.this
        if isinstance(value, exp.Sub):
            seconds = exp.Sub(this=micros(value.this), expression=micros(value.expression))
        else:
            seconds = micros(value)
        return exp.paren(exp.Div(this=exp.paren(seconds), expression=exp.Cast(
            this=exp.Literal.number(1000000), to=exp.DataType.build("double"))))

    return tree.transform(fix, copy=False)


OVERRIDES: dict[str, tuple[Callable[[exp.Expression], exp.Expression], ...]] = {
    "postgres": (_interval_functions, _postgres_unnest_series, _postgres_round),
    "spark": (_interval_functions, _spark_month_diff, _spark_percentiles, _spark_nested_cte_names,
              _spark_cast_generator, _spark_decimal_literals, _spark_epoch, _spark_cte_materialized),
}


def _postgres_type(value) -> str:
    """The Postgres type of a bound Python value (lists by their first element)."""
    if isinstance(value, (list, tuple)):
        first = next((v for v in value if v is not None), "")
        return _postgres_type(first) + "[]"
    for kind, name in ((bool, "boolean"), (int, "bigint"), (float, "double precision"),
                       (Decimal, "numeric"), (datetime, "timestamp"), (date, "date")):
        if isinstance(value, kind):
            return name
    return "text"


def _placeholders(tree: exp.Expression, dialect: str, params: dict | None) -> exp.Expression:
    """`$name` -> `:name` (Spark) or `$n` (Postgres, n from parameter_names). With the values
    (bind), a Postgres parameter is cast to its value's type: Postgres infers a parameter's type
    from its use, and `$1 is null or ...` gives it none. A None is written NULL there: it has no
    value to bind and no type to cast to."""
    names = _names(tree)
    if dialect == "postgres" and params is not None:
        names = [name for name in names if params[name] is not None]

    def fix(node):
        if not (isinstance(node, exp.Placeholder) and node.name):
            return node
        if dialect == "spark":
            return node  # sqlglot writes :name, also where a function takes a unit (date_trunc)
        if params is None:
            return exp.var(f"${names.index(node.name) + 1}")
        value = params[node.name]
        if value is None:
            return exp.Null()
        return exp.Cast(this=exp.var(f"${names.index(node.name) + 1}"),
                        to=exp.DataType.build(_postgres_type(value), dialect="postgres"))

    return tree.transform(fix, copy=False)


def _render(sql: str | exp.Expression, dialect: str, params: dict | None) -> str:
    """The statement (text, or a parsed tree it may change) in `dialect`."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; allowed: {', '.join(DIALECTS)}")
    tree = sqlglot.parse_one(sql, read="duckdb") if isinstance(sql, str) else sql
    for override in OVERRIDES[dialect]:
        tree = override(tree)
    return _placeholders(tree, dialect, params).sql(dialect=dialect, comments=False)


def to_dialect(sql: str, dialect: str) -> str:
    """One DuckDB statement in `dialect` ("postgres" or "spark") with its overrides applied;
    parameters `$1`... (Postgres, untyped) or `:name` (Spark)."""
    return _render(sql, dialect, None)


def bind(sql: str, params: dict, dialect: str) -> tuple[str, list | dict]:
    """The statement in `dialect` and the values of the parameters it uses: a list in $n order
    for Postgres (each $n cast to its value's type; a None written NULL), a dict of name ->
    value for Spark's spark.sql(text, args=...)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    names = _names(tree)
    missing = [name for name in names if name not in params]
    if missing:
        raise KeyError(f"statement needs parameters {missing}")
    text = _render(tree, dialect, params)
    if dialect == "postgres":
        return text, [params[name] for name in names if params[name] is not None]
    return text, {name: params[name] for name in names}
