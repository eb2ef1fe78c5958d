"""Every background job, declared in one place, and the schedule of the periodic ones.

The jobs themselves live beside the rules they apply (mail in portfolio/mail.py, exports in
services/export_jobs.py); importing this module declares them all (portfolio/jobs.py does).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from portfolio import jobs, search
from portfolio import mail as _mail  # noqa: F401  (declares send_mail)
from portfolio.db import checkpoint_wal, db, utcnow
from portfolio.models import ScheduledRun
from portfolio.services import attachments, export_jobs

log = logging.getLogger(__name__)


@jobs.task("reminders", max_retries=3)
def remind_referents() -> None:
    """Remind referents of feedback requests still waiting (once per request per period)."""
    from portfolio.services.feedback import send_reminders

    sent = send_reminders(utcnow(), current_app.config["FEEDBACK_REMINDER_DAYS"])
    log.info("%d reminder(s) sent", len(sent))


@jobs.task("period_reviews", max_retries=3)
def open_period_reviews() -> None:
    """Open the fiches de suivi of company periods that have ended; recall those waiting."""
    from portfolio.services.period_reviews import open_due

    opened, recalled = open_due(utcnow().date())
    log.info("%d fiche(s) de suivi opened, %d recalled", len(opened), len(recalled))


@jobs.task("purge", max_retries=3)
def purge() -> tuple[int, int]:
    """Erase the accounts whose grace period is over, and exports nobody downloads any more;
    return how many of each."""
    from portfolio.services.sharing import purge as purge_accounts

    purged = purge_accounts()
    if purged:
        search.compact()
    db.session.commit()
    if purged:
        checkpoint_wal()  # the erased text must not stay in SQLite's write-ahead log
    held = attachments.purge_held()
    db.session.commit()
    forgotten = export_jobs.purge_old()
    asked_again = export_jobs.requeue_stale()
    log.info("%d account(s) erased, %d old export(s) removed, %d waiting export(s) asked "
             "for again, %d held file(s) forgotten", len(purged), forgotten, asked_again, held)
    return len(purged), forgotten


# job -> how often it runs
SCHEDULE = {"reminders": timedelta(days=1), "period_reviews": timedelta(days=1),
            "purge": timedelta(hours=1)}


def claim(name: str, every: timedelta, now=None) -> bool:
    """Take this period's run of a periodic job; False when another process already has."""
    now = now or utcnow()
    taken = db.session.execute(
        update(ScheduledRun).where(ScheduledRun.name == name,
                                   ScheduledRun.last_run_at <= now - every)
        .values(last_run_at=now)).rowcount
    if taken:
        return True
    if db.session.get(ScheduledRun, name) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.execute(insert(ScheduledRun).values(name=name, last_run_at=now))
    except IntegrityError:
        return False
    return True


def run_schedule(now=None) -> list[str]:
    """Ask for each periodic job whose time has come (handed over when this commits)."""
    started = []
    for name, every in SCHEDULE.items():
        if claim(name, every, now):
            jobs.enqueue(name)
            started.append(name)
    db.session.commit()
    return started


class Scheduler(threading.Thread):
    """Checks the schedule every JOBS_SCHEDULE_CHECK_S seconds, in a thread of its own."""

    def __init__(self, app: Flask):
        super().__init__(name="portfolio-scheduler", daemon=True)
        self.app = app
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.app.config["JOBS_SCHEDULE_CHECK_S"]
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    started = run_schedule()
                if started:
                    log.info("scheduled: %s", ", ".join(started))
            except Exception:  # the database is away: try again at the next tick
                log.exception("the schedule could not be checked")
            self.stopping.wait(interval)

    def stop(self) -> None:
        self.stopping.set()
