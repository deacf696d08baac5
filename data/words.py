"""How the importer writes a count: '1 customer', '2,000 customers'.

data/ may import only settings and data/ (tests/unit/test_layers.py), so the import summary cannot
use formatting.count; this is the same rule, kept to what the summary needs.
"""

from __future__ import annotations


def count(n, unit: str) -> str:
    """'1 customer', '2,000 customers', '1 churned customer': `unit` is given in the plural and
    loses its final s for exactly one."""
    n = int(n)
    return f"{n:,} {unit[:-1] if n == 1 and unit.endswith('s') else unit}"
