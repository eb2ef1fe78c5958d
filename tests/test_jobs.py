"""Background jobs: nothing leaves before the commit, once after it; the schedule; exports."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from config import TestConfig
from portfolio import create_app, jobs, mail
from portfolio.db import db, utcnow
from portfolio.models import ExportJob, ScheduledRun, User
from portfolio.services import entries as entry_service
from portfolio.services import export_jobs
from portfolio.tasks import SCHEDULE, claim, run_schedule
from tests.helpers import csrf_token, login


def _learner(app, people):
    return db.session.get(User, people.learner.id)


def _commit_will_fail() -> None:
    """Add a row whose key the database already holds: the flush at commit time fails."""
    db.session.execute(insert(ScheduledRun).values(name="taken", last_run_at=utcnow()))
    db.session.commit()
    db.session.add(ScheduledRun(name="taken", last_run_at=utcnow()))


def test_a_commit_that_fails_sends_no_mail(app, outbox):
    with app.app_context():
        _commit_will_fail()
        mail.send_mail("a@ecole.test", "Sujet", "Corps")
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.commit()  # a later commit of the same session does not send it either
    assert outbox == []


def test_a_rolled_back_request_sends_nothing_and_a_committed_one_exactly_once(app, outbox):
    with app.app_context():
        mail.send_mail("a@ecole.test", "Annulé", "x")
        db.session.rollback()
        mail.send_mail("b@ecole.test", "Envoyé", "y")
        assert outbox == []  # asked for, not yet committed
        db.session.commit()
        db.session.commit()  # committing again sends nothing more
    assert [(m.to, m.subject) for m in outbox] == [("b@ecole.test", "Envoyé")]


def test_a_job_asked_in_a_rolled_back_savepoint_is_forgotten(app, outbox):
    with app.app_context():
        db.session.execute(insert(ScheduledRun).values(name="kept", last_run_at=utcnow()))
        savepoint = db.session.begin_nested()
        mail.send_mail("gone@ecole.test", "Savepoint annulé", "x")
        savepoint.rollback()
        with db.session.begin_nested():
            mail.send_mail("kept@ecole.test", "Savepoint gardé", "y")
        assert outbox == []  # a released savepoint is not a commit
        db.session.commit()
    assert [m.to for m in outbox] == ["kept@ecole.test"]


def test_a_request_that_fails_after_asking_for_mail_sends_none(app, client, people, outbox,
                                                               monkeypatch, entry):
    """A feedback request notifies its referent by mail: not when the commit fails."""
    from portfolio.services import feedback

    entry_id = entry
    login(client, people.learner)
    real = feedback.request_feedback

    def then_fail(*args, **kwargs):
        request = real(*args, **kwargs)
        db.session.add(ScheduledRun(name="taken", last_run_at=utcnow()))
        return request

    with app.app_context():
        db.session.execute(insert(ScheduledRun).values(name="taken", last_run_at=utcnow()))
        db.session.commit()

    monkeypatch.setattr(feedback, "request_feedback", then_fail)
    failed = client.post(f"/entries/{entry_id}/feedback-requests", data={
        "referent": people.referent.id, "message": "Un avis ?",
        "csrf_token": csrf_token(client, f"/entries/{entry_id}")})
    assert failed.status_code == 500
    assert outbox == []
    monkeypatch.setattr(feedback, "request_feedback", real)
    response = client.post(f"/entries/{entry_id}/feedback-requests", data={
        "referent": people.referent.id, "message": "Un avis ?",
        "csrf_token": csrf_token(client, f"/entries/{entry_id}")})
    assert response.status_code in (302, 303)
    assert [m.to for m in outbox] == [people.referent.email]


def test_local_jobs_run_in_a_thread_of_the_process_after_the_commit(app, database_url,
                                                                    tmp_path):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url,
                                  "JOBS_BROKER": "local", "UPLOAD_FOLDER": str(tmp_path)})
    with app.app_context():
        mail.send_mail("a@ecole.test", "Local", "x")
        runner = app.extensions["portfolio.jobs"]
        assert runner._local_worker is None  # nothing handed over before the commit
        db.session.commit()
        runner.drain(timeout_s=10)
        assert [m.subject for m in mail.outbox()] == ["Local"]
        db.session.remove()
        db.engine.dispose()


def test_an_unknown_job_or_broker_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        jobs.enqueue("no-such-job")
    with pytest.raises(RuntimeError, match="JOBS_BROKER"):
        create_app(TestConfig, {"JOBS_BROKER": "amqp://elsewhere"})


def test_the_schedule_runs_each_job_once_per_period(app):
    now = utcnow()
    with app.app_context():
        assert sorted(run_schedule(now)) == sorted(SCHEDULE)
        assert run_schedule(now + timedelta(minutes=5)) == []
        assert claim("purge", SCHEDULE["purge"], now + timedelta(minutes=30)) is False
        assert claim("purge", SCHEDULE["purge"], now + SCHEDULE["purge"]) is True
        assert sorted(run_schedule(now + timedelta(days=1, minutes=1))) == sorted(SCHEDULE)


def test_the_schedule_reminds_referents_without_cron(app, people, outbox):
    from portfolio.services import feedback

    with app.app_context():
        learner = _learner(app, people)
        entry = entry_service.create_entry(learner, entry_service.EntryData(
            title="Ancienne demande", visibility="referents", occurred_on=date(2026, 5, 1)))
        request = feedback.request_feedback(learner, entry, people.referent.id, "Un avis ?")
        request.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        outbox.clear()
        run_schedule()
    assert [m.to for m in outbox] == [people.referent.email]


def test_worker_refuses_the_local_broker(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "JOBS_BROKER" in result.output


def test_an_export_job_that_fails_is_retried_then_marked_failed(app, people, monkeypatch):
    from portfolio.services import sharing

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sharing, "write_export", broken)
    with app.app_context():
        job = export_jobs.start(_learner(app, people), "zip")
        db.session.commit()  # eager: the first attempt runs here, and fails
        job_id = job.id
        states = [db.session.get(ExportJob, job_id).state]
        for _ in range(export_jobs.MAX_ATTEMPTS - 1):  # what the broker's retries do
            db.session.rollback()  # (SQLite: this session's read must not hold the lock)
            with pytest.raises(OSError):
                jobs.run_task(app, "export", {"job_id": job_id})
            db.session.expire_all()
            states.append(db.session.get(ExportJob, job_id).state)
        assert states == ["queued"] * (export_jobs.MAX_ATTEMPTS - 1) + ["failed"]
        assert os.listdir(app.config["EXPORT_FOLDER"]) == []


def test_an_export_job_runs_once_in_effect(app, people):
    with app.app_context():
        job = export_jobs.start(_learner(app, people), "zip")
        db.session.commit()
        job_id = job.id
        done = db.session.get(ExportJob, job_id)
        assert (done.state, done.progress, done.attempts) == ("done", 100, 1)
        db.session.rollback()
        jobs.run_task(app, "export", {"job_id": job_id})  # delivered again: nothing more
        db.session.expire_all()
        assert db.session.get(ExportJob, job_id).attempts == 1
        assert os.listdir(app.config["EXPORT_FOLDER"]) == [done.stored_name]


def test_old_exports_and_leftovers_are_purged(app, people):
    with app.app_context():
        job = export_jobs.start(_learner(app, people), "zip")
        db.session.commit()
        folder = export_jobs.folder()
        leftover = folder / ".abc.zip.part"
        leftover.write_bytes(b"x")
        old = time.time() - 2 * 86400
        os.utime(leftover, (old, old))
        assert export_jobs.purge_old() == 0
        assert not leftover.exists() and len(os.listdir(folder)) == 1
        job = db.session.get(ExportJob, job.id)
        assert export_jobs.purge_old(job.created_at + timedelta(hours=25)) == 1
        assert os.listdir(folder) == []


def test_the_export_page_offers_the_file_once_made(app, client, people):
    login(client, people.learner)
    started = client.post("/export/jobs", data={"format": "zip",
                                                "csrf_token": csrf_token(client, "/export")})
    assert started.status_code == 303
    fragment = client.get(started.headers["Location"], headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "Votre export est prêt" in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert "Votre export est prêt" in client.get("/export").get_data(as_text=True)
    wrong = client.post("/export/jobs", data={"format": "exe",
                                              "csrf_token": csrf_token(client, "/export")})
    assert wrong.status_code == 302
    assert "Ce format d&#39;export n&#39;existe pas." in client.get(
        wrong.headers["Location"]).get_data(as_text=True)


def test_a_job_still_running_shows_its_progress_and_refreshes_itself(app, client, people):
    with app.app_context():
        job = ExportJob(learner_id=people.learner.id, format="pdf", state="running",
                        progress=10, attempts=1, created_at=utcnow())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    login(client, people.learner)
    page = client.get(f"/export/jobs/{job_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "<progress" in page
    assert 'hx-trigger="load delay:1s"' in page
    assert client.get(f"/export/jobs/{job_id}/file").status_code == 404


def test_the_embedded_default_keeps_the_schedule_in_the_web_process(app, database_url,
                                                                     tmp_path):
    """`make run` (JOBS_BROKER=local): no worker, no cron; the first request starts the
    schedule, which runs the reminders and the purge. (`app` made the tables, and empties
    them afterwards on PostgreSQL.)"""
    served = app
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url,
                                  "JOBS_BROKER": "local", "JOBS_SCHEDULE_IN_WEB": True,
                                  "JOBS_SCHEDULE_CHECK_S": 1,
                                  "UPLOAD_FOLDER": str(tmp_path / "u"),
                                  "EXPORT_FOLDER": str(tmp_path / "e")})
    assert app is not served
    with app.app_context():
        assert db.session.query(ScheduledRun).count() == 0
    runner = app.extensions["portfolio.jobs"]
    try:
        assert app.test_client().get("/login").status_code == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.app_context():
                done = {run.name for run in db.session.query(ScheduledRun)}
            if done == set(SCHEDULE):
                break
            time.sleep(0.1)
        assert done == set(SCHEDULE)
    finally:
        runner._scheduler.stop()
        runner._scheduler.join(10)
        runner.drain(timeout_s=20)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_broker_away_at_commit_loses_no_answer_and_the_export_is_asked_again(app, people,
                                                                                  monkeypatch):
    runner = app.extensions["portfolio.jobs"]
    real = runner.send

    def away(name, arguments):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(runner, "send", away)
    with app.app_context():
        job = export_jobs.start(_learner(app, people), "zip")
        db.session.commit()  # no exception: the data is committed, the job not handed over
        job_id = job.id
        assert db.session.get(ExportJob, job_id).state == "queued"
        monkeypatch.setattr(runner, "send", real)
        assert export_jobs.requeue_stale() == 0  # too recent to be called stale
        later = utcnow() + export_jobs.STALE_AFTER + timedelta(minutes=1)
        assert export_jobs.requeue_stale(later) == 1
        db.session.expire_all()
        assert db.session.get(ExportJob, job_id).state == "done"
