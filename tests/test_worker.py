"""`portfolio worker` on Redis, as production runs it: a worker killed with SIGKILL in the
middle of a jury PDF export; the next worker finishes it, once.

Needs the Redis server of this machine (127.0.0.1:6379); skipped, saying so, without it,
except where PORTFOLIO_REQUIRE_REDIS=1 (CI), where its absence is a failure.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from config import TestConfig
from portfolio import create_app
from portfolio.db import db
from portfolio.models import ExportJob, User
from portfolio.services import entries as entry_service
from portfolio.services import export_jobs

REDIS_URL = os.environ.get("PORTFOLIO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_namespace():
    """A Dramatiq namespace of this test's own in Redis, emptied afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("PORTFOLIO_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required here and does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")
    namespace = f"portfolio-test-{secrets.token_hex(6)}"
    yield namespace
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    portfolio = Path(sys.executable).with_name("portfolio")
    return subprocess.Popen([str(portfolio), "worker", "--threads", "1", "--no-schedule"],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for(app, job_id: int, states: tuple[str, ...], seconds: float) -> ExportJob:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            job = db.session.get(ExportJob, job_id)
            if job.state in states or time.monotonic() > deadline:
                db.session.expunge(job)
                return job
        time.sleep(0.05)


def test_a_worker_killed_mid_export_leaves_it_to_the_next_one(app, people, database_url,
                                                               redis_namespace, tmp_path):
    exports = tmp_path / "exports"
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        for n in range(60):  # enough pages for the PDF to take a few seconds
            entry_service.create_entry(learner, entry_service.EntryData(
                title=f"Entrée {n}", body="Un paragraphe de preuve. " * 80, visibility="jury",
                occurred_on=date(2026, 1 + n % 12, 1 + n % 28)))
        db.session.commit()
    web = create_app(TestConfig, {
        "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_BROKER": REDIS_URL,
        "JOBS_NAMESPACE": redis_namespace, "EXPORT_FOLDER": str(exports)})
    with web.app_context():
        job = export_jobs.start(db.session.get(User, people.learner.id), "pdf")
        db.session.commit()  # only now does the job reach Redis
        job_id = job.id

    env = {**os.environ, "PORTFOLIO_CONFIG": "development", "DATABASE_URL": database_url,
           "JOBS_BROKER": REDIS_URL, "JOBS_NAMESPACE": redis_namespace,
           "EXPORT_FOLDER": str(exports), "UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "PORTFOLIO_INSTANCE": str(tmp_path), "MAIL_BACKEND": "console",
           # A dead worker is found after 2 s, by the next read of the queue.
           "JOBS_HEARTBEAT_TIMEOUT_MS": "2000", "JOBS_MAINTENANCE_CHANCE": "1000000"}
    log = tmp_path / "workers.log"
    first = _start_worker(env, log)
    second = None
    try:
        running = _wait_for(app, job_id, ("running", "done", "failed"), 60)
        assert running.state == "running", log.read_text()[-3000:]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        time.sleep(0.5)
        killed = _wait_for(app, job_id, ("done",), 0)
        assert killed.state == "running"  # it was killed mid-job, not after
        assert killed.attempts == 1
        second = _start_worker(env, log)
        done = _wait_for(app, job_id, ("done", "failed"), 120)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
    assert done.state == "done", log.read_text()[-3000:]
    assert done.attempts == 2  # the killed run and the one that finished, nothing more
    files = [p for p in exports.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in files] == [done.stored_name]
    assert files[0].read_bytes().startswith(b"%PDF")
    with app.app_context():
        assert db.session.query(ExportJob).count() == 1
    assert second.returncode == 0  # SIGTERM: the worker finished and stopped cleanly
    assert "Worker stopped." in log.read_text()
