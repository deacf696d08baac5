"""Free 127.0.0.1 ports for the tests' own servers (the mail and webhook receivers, the app under
a browser): on a shared machine each user is handed a range, and a port may be taken meanwhile."""

from __future__ import annotations

import socket
from collections.abc import Iterable


def first_free(ports: Iterable[int]) -> int | None:
    """The first of `ports` that can be bound on 127.0.0.1 now, or None when all are taken."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None
