"""Outgoing email: SMTP in production, an outbox that tests (and developers) read."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def init_app(app: Flask) -> None:
    """Give the app its outbox (read by tests and, with the console backend, developers)."""
    app.extensions["portfolio.outbox"] = []


def outbox() -> list[Mail]:
    """Return the mails sent by the outbox and console backends, oldest first."""
    return current_app.extensions["portfolio.outbox"]


def send_template(user, template: str, subject, subject_args: dict | None = None,
                  **context) -> None:
    """Email a person a mail rendered from a template, in their language (not the sender's).

    `subject` is a lazy string, formatted with `subject_args` once in that language.
    """
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(subject) % (subject_args or {}) if subject_args else str(subject)
        body = render_template(template, user=user, **context)
    send_mail(user.email, subject, body)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email through the configured backend."""
    config = current_app.config
    mail = Mail(to=to, subject=subject, body=body)
    backend = config["MAIL_BACKEND"]
    if backend in {"outbox", "console"}:
        outbox().append(mail)
        if backend == "console":
            # Development only: the developer reads the mail (and its link) in the terminal.
            print(f"\n--- mail to {to}: {subject}\n{body}\n---", file=sys.stderr)
        return
    if backend != "smtp":
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="portfolio")
    message.set_content(body)
    settings = {k: config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME",
                                         "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_USE_SSL",
                                         "MAIL_TIMEOUT")}
    # Sending happens off the request: a slow SMTP server neither blocks the page nor lets
    # response times tell whether an address has an account.
    threading.Thread(target=_smtp_send, args=(settings, message), daemon=True).start()


def _smtp_send(settings: dict, message: EmailMessage) -> None:
    try:
        if settings["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(settings["MAIL_SERVER"], settings["MAIL_PORT"],
                                      timeout=settings["MAIL_TIMEOUT"],
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings["MAIL_SERVER"], settings["MAIL_PORT"],
                                  timeout=settings["MAIL_TIMEOUT"])
        with client:
            if settings["MAIL_USE_TLS"] and not settings["MAIL_USE_SSL"]:
                client.starttls(context=ssl.create_default_context())
            if settings["MAIL_USERNAME"]:
                client.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # Never the body: it may carry a reset link.
        log.error("mail to %s not sent: %s", message["To"], exc.__class__.__name__)
