"""`python -m data.importer`: the same command line as `python -m data.load`."""

import sys

from data.importer.cli import main
from views.needs import describe

sys.exit(main(describe=describe))
