"""`python -m data.build`: a snapshot from a folder of raw tables, by DuckDB or Spark."""

import sys

from data.build import source

sys.exit(source.main())
