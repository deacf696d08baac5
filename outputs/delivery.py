"""Sending what the dashboard has to say: one e-mail through the SMTP server of RETENTION_SMTP_URL
(`smtp://user:pass@host:port`, STARTTLS whenever the server offers it; `smtps://` for TLS from
the start) and one Slack-compatible JSON POST (`{"text": ...}`) to a webhook. Used by
`python -m outputs.alerts` and `python -m outputs.report --to`. No Streamlit here."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_S = 30


class DeliveryError(Exception):
    """A message could not be delivered; the text says where and why."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str | None
    password: str | None
    implicit_tls: bool


def smtp_settings(url: str | None = None) -> Smtp:
    """Parse RETENTION_SMTP_URL (or `url`): smtp://user:pass@host:port or smtps://..."""
    url = url if url is not None else os.environ.get("RETENTION_SMTP_URL", "")
    if not url.strip():
        raise DeliveryError("RETENTION_SMTP_URL is not set: expected smtp://user:pass@host:port")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("RETENTION_SMTP_URL: expected smtp://user:pass@host:port or "
                            f"smtps://..., got scheme {parts.scheme!r}")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise DeliveryError("RETENTION_SMTP_URL: the port is not a number") from None
    return Smtp(parts.hostname, port, unquote(parts.username) if parts.username else None,
                unquote(parts.password) if parts.password else None, parts.scheme == "smtps")


def sender() -> str:
    return os.environ.get("RETENTION_MAIL_FROM", "").strip() or (
        f"Retention dashboard <retention-dashboard@{socket.getfqdn()}>")


def send_email(to: list[str], subject: str, text: str,
               attachments: list[tuple[str, bytes, str]] = (), smtp: Smtp | None = None) -> None:
    """One message to every address in `to`; attachments are (file name, bytes, mime type)."""
    smtp = smtp or smtp_settings()
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    for name, data, mime in attachments:
        main, _, sub = mime.partition("/")
        if main == "text":  # declared UTF-8, so mail readers show it as written
            message.add_attachment(data.decode("utf-8"), subtype=sub, filename=name)
        else:
            message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    context = ssl.create_default_context()
    try:
        if smtp.implicit_tls:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S)
        with client:
            client.ehlo()
            if not smtp.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail via {smtp.host}:{smtp.port} failed: {exc}") from exc


def post_webhook(url: str, text: str) -> None:
    """POST {"text": text} as JSON (what Slack's incoming webhooks and their clones accept)."""
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {urlsplit(url).netloc} answered {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"webhook {urlsplit(url).netloc} failed: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook {urlsplit(url).netloc} answered {status}")
