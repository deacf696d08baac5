"""Alerts and the board pack delivered end to end: `python -m outputs.alerts` and `python -m outputs.report --to`
against a local SMTP server (aiosmtpd) and a local HTTP receiver on 127.0.0.1. The message arrives
with the numbers the Overview tiles show; a second run sends nothing new."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import threading
from datetime import date
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import queries
from data import workspace
from words.formatting import format_value
from tests import ports
from tests.unit.fixtures import make_db
from tests.unit.test_alerts import GOOD
from tests.unit.test_cohorts import CUSTOMERS

aiosmtpd = pytest.importorskip("aiosmtpd", reason="needs aiosmtpd (requirements-dev.txt)")
from aiosmtpd.controller import Controller  # noqa: E402 - only once the skip has passed
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

# The test server takes a password over plain SMTP on 127.0.0.1 on purpose (no certificate here).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8671, 8680)  # the ports these receivers may use on this machine
USER, PASSWORD = "alerts", "s3cret word"


def free_port() -> int:
    port = ports.first_free(PORTS)
    if port is None:
        raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")
    return port


class Inbox:
    """aiosmtpd handler: keeps every message it accepts, with the envelope's recipients."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        self.encrypted.append(session.ssl is not None)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield inbox, f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"
    controller.stop()


@pytest.fixture(scope="module")
def hook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "type": self.headers["Content-Type"],
                             "json": json.loads(body)})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_port}/services/T0/B0/xyz"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("delivery")
    make_db(folder, CUSTOMERS).close()
    return folder / "retention.duckdb"


def run(module: str, *args: str, smtp_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RETENTION_SMTP_URL": smtp_url, "RETENTION_MAIL_FROM": "dash@example.com",
           "RETENTION_BASE_URL": "https://retention.example.com"}
    return subprocess.run([sys.executable, "-m", f"outputs.{module}", *args], check=False, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_alerts_arrive_once_by_mail_and_webhook_with_the_tiles_numbers(live, smtp, hook, tmp_path):
    inbox, smtp_url = smtp
    received, hook_url = hook
    rules = tmp_path / "rules.toml"
    rules.write_text(GOOD)
    args = ("--db", str(live), "--rules", str(rules), "--to", "cx@example.com",
            "--to", "ceo@example.com", "--webhook", hook_url)
    before = len(inbox.messages)

    dry = run("alerts", *args, "--dry-run", smtp_url=smtp_url)
    assert dry.returncode == 1, dry.stderr
    assert len(inbox.messages) == before and received == []

    first = run("alerts", *args, smtp_url=smtp_url)
    assert first.returncode == 1, first.stderr  # some rule breached
    assert "email: sent 2 breaches" in first.stdout and "webhook: sent 2 breaches" in first.stdout
    assert len(inbox.messages) == before + 1
    recipients, mail = inbox.messages[-1]
    assert sorted(recipients) == ["ceo@example.com", "cx@example.com"]
    assert mail["Subject"] == "Retention alert: 2 rules breached (Apr 2024)"
    assert mail["From"] == "dash@example.com"
    body = mail.get_content()

    # The numbers the Overview's tiles show for the same views (formatted as on the tiles).
    con = queries.connect(live)
    try:
        everyone = queries.kpi_summary(con, queries.Filters()).set_index("kpi")
        growth = queries.kpi_summary(con, queries.Filters(plans=("Growth",))).set_index("kpi")
        snapshot_id = queries.meta(con)["snapshot_id"]
    finally:
        con.close()
    shown_all = format_value(everyone.loc["active_customers", "value"], "customers")
    shown_growth = format_value(growth.loc["active_customers", "value"], "customers")
    assert (shown_all, shown_growth) == ("4", "2")  # d, e, f, g active at April's end; d, e Growth
    assert f"Fewer than 5 active: Active customers {shown_all} (below 5) in Apr 2024" in body
    assert f"Growth shrinking: Active customers {shown_growth} (below 3) in Apr 2024" in body
    assert f"https://retention.example.com/?plan=Growth&snapshot={snapshot_id}" in body
    assert "Churn above 40%" not in body  # 0% is not above 40%

    assert len(received) == 1
    assert received[0]["path"] == "/services/T0/B0/xyz"
    assert received[0]["type"] == "application/json"
    assert f"Active customers {shown_growth} (below 3) in Apr 2024" in received[0]["json"]["text"]

    again = run("alerts", *args, smtp_url=smtp_url)
    assert again.returncode == 1  # still breached ...
    assert "email: nothing new to send" in again.stdout  # ... but already sent for April
    assert "webhook: nothing new to send" in again.stdout
    assert len(inbox.messages) == before + 1 and len(received) == 1


@pytest.mark.slow
def test_no_breach_exits_0_and_a_bad_rule_exits_2_naming_it(live, smtp, tmp_path):
    _, smtp_url = smtp
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "Churn above 40%"\nkpi = "churn_rate_pct"\nabove = 40\n')
    calm = run("alerts", "--db", str(live), "--rules", str(rules), smtp_url=smtp_url)
    assert calm.returncode == 0, calm.stderr
    assert "ok       Churn above 40%: Churn rate 0.0% (above 40.0%) in Apr 2024" in calm.stdout
    rules.write_text('[[rule]]\nname = "Churn"\nkpi = "churn_rate_pct"\nabove = "3%"\n')
    bad = run("alerts", "--db", str(live), "--rules", str(rules), smtp_url=smtp_url)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (f"error: {rules}: rule 1 'Churn': field 'above': expected a "
                                  "number, got '3%'")


@pytest.mark.slow
def test_an_unreachable_mail_server_exits_2_and_is_retried_next_time(live, smtp, tmp_path):
    inbox, smtp_url = smtp
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "Few active"\nkpi = "active_customers"\nbelow = 10\n')
    args = ("--db", str(live), "--rules", str(rules), "--to", "cx@example.com")
    down = run("alerts", *args, smtp_url=f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    assert down.returncode == 2 and "e-mail via 127.0.0.1" in down.stderr
    before = len(inbox.messages)
    up = run("alerts", *args, smtp_url=smtp_url)  # not remembered as sent: goes out now
    assert up.returncode == 1 and "email: sent 1 breach" in up.stdout
    assert len(inbox.messages) == before + 1


@pytest.mark.slow
def test_the_board_pack_arrives_attached_with_the_tiles_in_the_message(live, smtp, tmp_path):
    inbox, smtp_url = smtp
    out = tmp_path / "board.html"
    with workspace.connect(live) as ws:  # the default targets (churn <= 3%), MRR >= $500, a note
        workspace.add_annotation(ws, date(2024, 2, 1), "Price increase", "lead")
        workspace.set_target(ws, "mrr", "at_least", 500, "lead")
    before = len(inbox.messages)
    done = run("report", "--out", str(out), "--db", str(live), "--to", "board@example.com",
               smtp_url=smtp_url)
    assert done.returncode == 0, done.stderr
    assert len(inbox.messages) == before + 1
    recipients, mail = inbox.messages[-1]
    assert recipients == ["board@example.com"]
    assert mail["Subject"] == "Retention board pack, data as of 01 May 2024"
    text = mail.get_body(("plain",)).get_content()
    # April against March: active d, e, f, g = 4 against d, e, f = 3; churn 0 of d, e, f = 0.0%
    # against 1 of c, d, e = 33.3%; MRR 300 + 0 (e has none) + 80 + 20 = $400 against $380.
    assert "April 2024 (the last complete month):" in text
    assert "- Active customers: 4 (+1 vs Mar 2024), N = 4, fewer than 30: unreliable" in text
    # 0.0% against the default target of at most 3%: on target.
    assert ("- Churn rate: 0.0% (-33.3 pts vs Mar 2024), N = 3, fewer than 30: unreliable; "
            "on target (target ≤ 3.0%)") in text
    assert "- MRR: $400 (+$20 vs Mar 2024), N = 4, fewer than 30: unreliable; off by $100 " \
           "(target ≥ $500)" in text  # $400 against at least $500
    attached = [part for part in mail.iter_attachments()]
    assert [a.get_filename() for a in attached] == ["board.html"]
    assert attached[0].get_content_type() == "text/html"
    # The same file (mail carries text with CRLF line ends; the browser reads both alike).
    assert attached[0].get_content().replace("\r\n", "\n") == out.read_text(encoding="utf-8")
    pack = out.read_text(encoding="utf-8")
    assert '<div class="target good">on target · target ≤ 3.0%</div>' in pack
    assert '<div class="target bad">off by $100 · target ≥ $500</div>' in pack
    assert "<li><b>01 Feb 2024</b>: Price increase</li>" in pack  # the notes, listed
    assert "01 Feb 2024: Price increase" in pack.split("<li><b>01 Feb 2024")[1]  # and on a chart


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the client trusts it through SSL_CERT_FILE)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_is_used_when_the_server_offers_it(live, tmp_path):
    import ssl

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    # This server refuses mail and passwords before STARTTLS.
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticate, auth_required=True,
                            tls_context=context, require_starttls=True)
    controller.start()
    try:
        rules = tmp_path / "rules.toml"
        rules.write_text('[[rule]]\nname = "Few active, over TLS"\nkpi = "active_customers"\nbelow = 10\n')
        url = f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{controller.port}"
        done = subprocess.run(
            [sys.executable, "-m", "outputs.alerts", "--db", str(live), "--rules", str(rules),
             "--to", "cx@example.com"], check=False, cwd=ROOT, capture_output=True, text=True,
            timeout=300,
            env={**os.environ, "RETENTION_SMTP_URL": url, "SSL_CERT_FILE": str(cert)})
    finally:
        controller.stop()
    assert done.returncode == 1 and "email: sent 1 breach" in done.stdout, done.stderr
    assert inbox.encrypted == [True]
    assert "Few active, over TLS: Active customers 4 (below 10) in Apr 2024" in (
        inbox.messages[0][1].get_content())
