"""Outgoing email: SMTP in production, an outbox that tests (and developers) read.

A mail is a background job (portfolio/jobs.py): asked for in the transaction, sent by a worker
once it committed, retried with back-off while the mail server refuses it. A request that
rolls back sends nothing; a slow mail server never holds a page.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app

from portfolio import jobs

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
                  to: str | None = None, **context) -> None:
    """Email a person a mail rendered from a template, in their language (not the sender's),
    at their address or at `to` (their former address, told of a change).

    `subject` is a lazy string, formatted with `subject_args` once in that language.
    """
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(subject) % (subject_args or {}) if subject_args else str(subject)
        body = render_template(template, user=user, **context)
    send_mail(to or user.email, subject, body)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email once the current transaction commits."""
    jobs.enqueue("send_mail", to=to, subject=subject, body=body)


@jobs.task("send_mail", queue="mail", max_retries=8, min_backoff_s=30, time_limit_s=120)
def deliver(to: str, subject: str, body: str) -> None:
    """Hand a mail to the configured backend now; raise when the mail server refuses it."""
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
    try:
        if config["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                                      timeout=config["MAIL_TIMEOUT"],
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                                  timeout=config["MAIL_TIMEOUT"])
        with client:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                client.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # Never the body: it may carry a reset link. Raised again: the job is retried.
        log.error("mail to %s not sent: %s", to, exc.__class__.__name__)
        raise
