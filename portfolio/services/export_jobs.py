"""Jury exports made off the request: the learner asks, a worker writes the file, the learner
downloads it. A PDF takes seconds to lay out: it must never hold a web worker meanwhile.

A job runs again when its worker died mid-way (portfolio/jobs.py): it writes the same file
under the same name and marks itself done once, so a second run has the effect of one.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portfolio import jobs
from portfolio.db import db, utcnow
from portfolio.models import ExportJob, User
from portfolio.services import ServiceError

FORMATS = ("pdf", "zip")  # the slow ones; HTML and JSON are answered at once
MAX_ATTEMPTS = 4  # the first run and three retries
RECENT = 5
STALE_AFTER = timedelta(minutes=15)


def folder() -> Path:
    path = Path(current_app.config["EXPORT_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(job: ExportJob) -> Path:
    """The finished file of a job (its name is ours: 32 hex characters and an extension)."""
    if not job.stored_name:
        raise ValueError("the export is not written yet")
    return folder() / job.stored_name


def start(learner: User, fmt: str) -> ExportJob:
    """Ask for an export of the learner's saved selection; a worker writes it after commit."""
    if fmt not in FORMATS:
        raise ServiceError(_("Ce format d'export n'existe pas."), field="format")
    job = ExportJob(learner_id=learner.id, format=fmt, state="queued", progress=0,
                    attempts=0, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    jobs.enqueue("export", job_id=job.id)
    return job


def recent_of(learner: User) -> list[ExportJob]:
    return list(db.session.scalars(
        select(ExportJob).where(ExportJob.learner_id == learner.id)
        .order_by(ExportJob.id.desc()).limit(RECENT)))


def _set(job: ExportJob, **values) -> None:
    """Record the job's progress and commit it, so that the learner's page sees it now."""
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()


@jobs.task("export", queue="exports", max_retries=MAX_ATTEMPTS - 1, min_backoff_s=5,
           time_limit_s=900)
def run_export(job_id: int) -> None:
    """Write the export's file and mark the job done (nothing to do if it already is)."""
    from portfolio.exports import build_model
    from portfolio.exports.writers import attachment_paths
    from portfolio.services.sharing import selection_of, write_export

    job = db.session.get(ExportJob, job_id)
    if job is None or job.state in ("done", "failed"):
        return
    learner = db.session.get(User, job.learner_id)
    if learner is None:
        return
    fmt, locale = job.format, learner.locale
    _set(job, state="running", progress=10, attempts=job.attempts + 1, started_at=utcnow())
    name = f"{secrets.token_hex(16)}.{fmt}"
    target = folder() / name
    try:
        model = build_model(learner, selection_of(learner))
        paths = attachment_paths(model) if fmt in ("zip", "pdf") else None
        _set(job, progress=30)  # the commit also ends the read: SQLite's lock is free
        handle = write_export(model, fmt, paths, locale)  # seconds, without the database
        _set(job, progress=90)
        temporary = folder() / f".{name}.part"
        with handle, open(temporary, "wb") as out:
            while chunk := handle.read(1024 * 1024):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
        _set(job, state="done", progress=100, stored_name=name, size=target.stat().st_size,
             finished_at=utcnow())
    except Exception:
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        target.unlink(missing_ok=True)
        (folder() / f".{name}.part").unlink(missing_ok=True)
        if job is not None:
            last = job.attempts >= MAX_ATTEMPTS
            _set(job, state="failed" if last else "queued", progress=0,
                 finished_at=utcnow() if last else None)
        raise


def requeue_stale(now=None) -> int:
    """Ask again for exports still waiting long after they were asked for (the broker was
    away when they were): a second run of one that was merely slow does nothing more."""
    now = now or utcnow()
    stale = list(db.session.scalars(select(ExportJob.id).where(
        ExportJob.state == "queued", ExportJob.created_at <= now - STALE_AFTER)))
    for job_id in stale:
        jobs.enqueue("export", job_id=job_id)
    db.session.commit()
    return len(stale)


def purge_old(now=None) -> int:
    """Forget finished exports older than EXPORT_KEEP_HOURS, and their files; return how many."""
    now = now or utcnow()
    limit = now - timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])
    old = list(db.session.scalars(select(ExportJob).where(ExportJob.created_at <= limit)))
    names = [job.stored_name for job in old if job.stored_name]
    for job in old:
        db.session.delete(job)
    db.session.commit()
    for name in names:
        (folder() / name).unlink(missing_ok=True)
    # What a worker killed mid-way left (a partial file, a file it never recorded).
    known = set(db.session.scalars(select(ExportJob.stored_name).where(
        ExportJob.stored_name.is_not(None))))
    for path in folder().iterdir():
        if path.name not in known and path.stat().st_mtime <= limit.timestamp():
            path.unlink(missing_ok=True)
    return len(old)
