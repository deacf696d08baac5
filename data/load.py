"""`python -m data.load ...`: the importer's command line (data/importer/cli.py).

The importer itself is the package data/importer; this module only keeps the command the README
and users' scripts run.
"""

import sys

from data.importer.cli import main
from views.needs import describe

if __name__ == "__main__":
    sys.exit(main(describe=describe))
