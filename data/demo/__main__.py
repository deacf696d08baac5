"""`python -m data.demo --out PATH [--customers N] [--seed S] [--as-of YYYY-MM-DD]`: a seeded
demo database (data/demo/generate.py)."""

import sys

from data.demo.generate import main

sys.exit(main())
