"""bench/shaper.py: the shared link's arithmetic by hand, and bytes through it unchanged."""

import socket
import threading

from bench import shaper
from bench.browser import free_port


def test_a_link_sends_chunks_one_after_another_at_its_rate():
    link = shaper.Link(8.0)  # 8 Mbit/s = 1,000,000 bytes/s
    # A 500,000-byte chunk ready at t=10 s leaves after 0.5 s of the link: at 10.5 s.
    assert link.departure(500_000, 10.0) == 10.5
    # The next, ready at 10.1 s, waits for the link: 10.5 + 0.25 = 10.75 s.
    assert link.departure(250_000, 10.1) == 10.75
    # One ready after the link is free again starts when ready: 20 + 0.001 = 20.001 s.
    assert abs(link.departure(1_000, 20.0) - 20.001) < 1e-9


def _echo_server() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        conn, _ = server.accept()
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def test_bytes_go_through_the_shaper_both_ways_unchanged():
    server, port = _echo_server()
    shaped = shaper.start(port, free_port(), down_mbit=80, up_mbit=80, latency_ms=10)
    try:
        payload = bytes(range(256)) * 1024  # 256 KiB: several 16 KiB chunks each way
        with socket.create_connection(("127.0.0.1", shaped.port), timeout=30) as client:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            echoed = b""
            while data := client.recv(65536):
                echoed += data
        assert echoed == payload
    finally:
        shaped.stop()
        server.close()
