"""Background jobs: asked for inside a transaction, handed to the queue only once it commits.

A service calls `enqueue("send_mail", to=..., ...)`; nothing leaves until the request (or the
command) commits, and a rollback, of the transaction or of the savepoint that asked, forgets
the job. Dramatiq runs the jobs (README, "Background jobs", says why Dramatiq). Where they wait
is `JOBS_BROKER`:
- `local` (the default): in the memory of the process that asked, run by a few threads of that
  same process. `make run` and a small SQLite install need no other server; a job still waiting
  when the process stops is lost, which is why production names a broker.
- `redis://host:port/db`: Redis. `portfolio worker` processes run the jobs; a job whose worker
  dies mid-way goes back to the queue once that worker's heartbeat is older than
  `JOBS_HEARTBEAT_TIMEOUT_MS`, and a job that fails is retried with exponential back-off.
- `eager`: run in the asking thread right after the commit (the test suite).

Each job is written so that running it twice has the effect of running it once (a job killed
mid-way runs again): exports and reminders keep their state in the database; mail is the one
exception (a worker killed after the mail server accepted a message and before the broker
heard of it sends that message again).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event

from portfolio.db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    function: Callable
    queue: str
    max_retries: int
    min_backoff_ms: int
    time_limit_ms: int


TASKS: dict[str, Task] = {}
_PENDING = "portfolio.jobs.pending"
_EXTENSION = "portfolio.jobs"


def task(name: str, *, queue: str = "default", max_retries: int = 5,
         min_backoff_s: int = 10, time_limit_s: int = 600):
    """Declare a function as a job named `name` (its keyword arguments must be JSON)."""

    def declare(function: Callable) -> Callable:
        TASKS[name] = Task(name, function, queue, max_retries, min_backoff_s * 1000,
                           time_limit_s * 1000)
        return function

    return declare


def enqueue(name: str, **arguments) -> None:
    """Ask for a job: handed to the queue when the current transaction commits (one is begun
    if none is under way: nothing leaves without a commit)."""
    if name not in TASKS:
        raise KeyError(f"no job named {name!r}")
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() \
        or session.begin()
    session.info.setdefault(_PENDING, []).append((transaction, name, arguments))


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _forget_rolled_back(session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [item for item in pending if not _within(item[0], previous_transaction)]


def _hand_over(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its jobs wait for the outer transaction's commit
    pending = session.info.pop(_PENDING, None)
    if pending:
        runner = _runner()
        for _transaction, name, arguments in pending:
            try:
                runner.send(name, arguments)
            except Exception:
                # The data is committed: the answer must say so. The broker was away; the
                # hourly purge asks again for exports left waiting (services/export_jobs.py).
                log.exception("job %s could not be handed to the broker", name)


def _runner() -> Runner:
    return current_app.extensions[_EXTENSION]


def run_task(app: Flask, name: str, arguments: dict) -> None:
    """Run one job in an application context of its own, and commit what it wrote."""
    with app.app_context():
        try:
            TASKS[name].function(**arguments)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


class Runner:
    """Sends jobs to where JOBS_BROKER says, and (for `local`) runs them in this process."""

    def __init__(self, app: Flask):
        self.app = app
        self.setting = app.config["JOBS_BROKER"]
        self.broker = None
        self.actors: dict = {}
        self._local_worker = None
        self._scheduler = None
        self._lock = threading.Lock()
        if self.setting != "eager":
            self.broker = self._make_broker()
            self._declare_actors()

    @property
    def is_local(self) -> bool:
        return self.setting == "local"

    def _make_broker(self):
        setting = self.setting
        if setting == "local":
            from dramatiq.brokers.stub import StubBroker

            return StubBroker()
        if setting.startswith(("redis://", "rediss://", "unix://")):
            from dramatiq.brokers.redis import RedisBroker

            config = self.app.config
            return RedisBroker(url=setting, namespace=config["JOBS_NAMESPACE"],
                               heartbeat_timeout=config["JOBS_HEARTBEAT_TIMEOUT_MS"],
                               maintenance_chance=config["JOBS_MAINTENANCE_CHANCE"])
        raise RuntimeError(
            f"JOBS_BROKER must be 'local', 'eager' or a redis:// address, not {setting!r}")

    def _declare_actors(self) -> None:
        import dramatiq

        app = self.app
        for item in TASKS.values():
            def perform(_name=item.name, **arguments):
                run_task(app, _name, arguments)

            self.actors[item.name] = dramatiq.actor(
                perform, broker=self.broker, actor_name=item.name, queue_name=item.queue,
                max_retries=item.max_retries, min_backoff=item.min_backoff_ms,
                max_backoff=3_600_000, time_limit=item.time_limit_ms)

    def send(self, name: str, arguments: dict) -> None:
        """Hand one job over (called once its transaction committed)."""
        if self.setting == "eager":
            try:
                run_task(self.app, name, arguments)
            except Exception:  # as with a worker: the request that asked is not undone
                log.exception("job %s failed", name)
            return
        self.actors[name].send(**arguments)
        if self.is_local:
            self.start_local_worker()

    def start_local_worker(self) -> None:
        """With `local`, run the jobs in threads of this process (started once, on first use)."""
        with self._lock:
            if self._local_worker is not None:
                return
            from dramatiq import Worker

            self._local_worker = Worker(self.broker, worker_threads=self.app.config["JOBS_THREADS"],
                                        worker_timeout=100)
            self._local_worker.start()
            atexit.register(self.drain)

    def start_scheduler(self) -> None:
        """Run the periodic jobs' schedule in a thread of this process (started once)."""
        if self._scheduler is not None:
            return
        from portfolio.tasks import Scheduler

        with self._lock:
            if self._scheduler is None:
                self._scheduler = Scheduler(self.app)
                self._scheduler.start()

    def drain(self, timeout_s: float | None = None) -> None:
        """Wait until the local queues are empty, then stop the local worker (at exit)."""
        if self._local_worker is None:
            return
        timeout = int(timeout_s * 1000) if timeout_s is not None else None
        try:
            for queue in sorted(self.broker.get_declared_queues()):
                self.broker.join(queue, timeout=timeout, fail_fast=False)
            self._local_worker.join()
        except Exception:  # at exit: say so, never hang or crash the command's exit
            log.warning("background jobs still waiting at exit were dropped")
        finally:
            self._local_worker.stop()
            self._local_worker = None

    def worker(self, threads: int, queues: list[str] | None = None):
        """A Dramatiq worker on this broker (for `portfolio worker`)."""
        from dramatiq import Worker

        return Worker(self.broker, queues=queues, worker_threads=threads)


def init_app(app: Flask) -> None:
    """Bind the jobs to the app's broker and hand them over only after a commit."""
    import portfolio.tasks  # noqa: F401  (declares every job)

    runner = app.extensions[_EXTENSION] = Runner(app)
    if runner.is_local and app.config["JOBS_SCHEDULE_IN_WEB"]:
        # No worker process with the embedded default: the web process keeps the schedule,
        # from its first request on (a command such as `portfolio users create` does not).
        app.before_request(runner.start_scheduler)
    from flask_sqlalchemy.session import Session as session_class

    @app.teardown_appcontext
    def _dropped(_exc) -> None:
        # Jobs asked for in a transaction that never committed are dropped, as they must be;
        # when nothing failed, a view or a command forgot its commit: say which jobs.
        if not db.session.registry.has():  # no session was opened: nothing was asked for
            return
        pending = db.session.info.pop(_PENDING, None)
        if pending and _exc is None:
            log.warning("jobs asked for but never committed, dropped: %s",
                        ", ".join(name for _t, name, _a in pending))

    if not event.contains(session_class, "after_commit", _hand_over):
        event.listen(session_class, "after_commit", _hand_over)
        event.listen(session_class, "after_soft_rollback", _forget_rolled_back)
