"""Reliability commands that are too long for the default test suite (see RELIABILITY.md):

    python -m tests.reliability.peak_import --mb 500     # peak memory of a large import
    python -m tests.reliability.load --contexts 5 --minutes 3   # browser load test, 127.0.0.1
    python -m tests.reliability.fuzz --cases 2000        # URL fuzz through AppTest
"""
