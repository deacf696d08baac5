"""The load test's report lists each server error with its whole traceback (the first line alone
left last session's traceback unexplained)."""

from __future__ import annotations

from tests.reliability.load import error_blocks

LOG = """\
2026-11-23 11:49:58.036 Uvicorn server started on 127.0.0.1:48053
error a0d4adf4 in cohort_customers: ConversionException('...')
Traceback (most recent call last):
  File "/app/ui.py", line 414, in query
    return _cached_query(...)
  File "/app/queries/base.py", line 152, in run
    return con.cursor().execute(text, params).df()
_duckdb.ConversionException: Conversion Error: invalid date field format: "Nov 2026"
  Stopping...
2026-11-23 12:00:00.000 ERROR streamlit: something else
Traceback (most recent call last):
  File "/app/x.py", line 1, in <module>
KeyError: 'k'
"""


def test_each_error_comes_with_its_traceback_once():
    blocks = error_blocks(LOG)
    assert len(blocks) == 2
    first, second = blocks
    # the error id the viewer saw, then the traceback
    assert first.startswith("error a0d4adf4 in cohort_customers") and first.endswith(
        '_duckdb.ConversionException: Conversion Error: invalid date field format: "Nov 2026"')
    assert 'File "/app/queries/base.py", line 152, in run' in first
    assert second.startswith("2026-11-23 12:00:00.000 ERROR") and second.endswith("KeyError: 'k'")


def test_a_clean_log_has_no_errors_and_the_limit_holds():
    assert error_blocks("started\nserving\n") == []
    many = "\n".join(["Traceback (most recent call last):", '  File "a", line 1', "E: x"] * 30)
    assert len(error_blocks(many)) == 10
