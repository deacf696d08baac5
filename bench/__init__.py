"""The performance benchmark.

    python -m bench [--customers N] [--repeat R] [--browser]

Generates a demo database once into bench/data/ (git-ignored; reused while meta.source matches the
arguments and the build code is unchanged), times every page's metrics calls (bench/pages.py) cold
and warm for four filter sets, times a plain pandas notebook computing the same numbers from the
same file and checks both agree, measures each side's peak RSS in its own process, optionally
measures the Streamlit app in headless Chromium (bench/browser.py), writes
bench/results/latest.json and prints Markdown tables (bench/report.py).
"""
