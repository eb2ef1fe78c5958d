"""The commands an operator runs: `portfolio worker`, `portfolio backup`, `portfolio restore`
(registered by portfolio/cli.py, with the same conventions: results on stdout, messages on
stderr, exit 1 with a sentence on failure)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portfolio.cli import info


@click.command("worker")
@with_appcontext
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Jobs run at once by this process (default: JOBS_THREADS).")
@click.option("--queue", "queues", multiple=True,
              type=click.Choice(["default", "mail", "exports"]),
              help="Only these queues (repeat the option); default: all.")
@click.option("--no-schedule", is_flag=True,
              help="Do not start the periodic jobs (reminders, purge) from this process.")
def worker(threads, queues, no_schedule):
    """Run background jobs until stopped (SIGTERM or Ctrl-C finishes the jobs under way)."""
    import logging
    import signal
    import threading

    from portfolio.jobs import Runner
    from portfolio.tasks import Scheduler

    runner: Runner = current_app.extensions["portfolio.jobs"]
    if runner.setting in ("local", "eager"):
        raise click.ClickException(
            f"JOBS_BROKER is {runner.setting!r}: jobs run inside the web process and need no "
            "worker. Set JOBS_BROKER=redis://HOST:6379/N (the same for the web and the "
            "workers) to run them in worker processes.")
    app = current_app._get_current_object()
    # What the jobs say (a mail refused, an export failed, its retry) goes to stderr.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    threads = threads or app.config["JOBS_THREADS"]
    process = runner.worker(threads, list(queues) or None)
    scheduler = None if no_schedule else Scheduler(app)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    process.start()
    if scheduler:
        scheduler.start()
    info(f"Worker started: {threads} thread(s), queues "
         f"{', '.join(queues) or 'default, mail, exports'}"
         f"{'' if scheduler else ', no schedule'}. Stop with Ctrl-C or SIGTERM.")
    stop.wait()
    info("Stopping: finishing the jobs under way...")
    if scheduler:
        scheduler.stop()
    process.stop()
    info("Worker stopped.")


@click.command("backup")
@with_appcontext
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The archive to write (a tar file; it holds personal data: keep it safe).")
def backup(output):
    """Write one consistent archive of the database and the uploaded files."""
    from portfolio.backup import BackupError, write_backup

    try:
        summary = write_backup(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    info(f"Backup of the {summary.dialect} database ({sum(summary.rows.values())} rows) and "
         f"{summary.files} file(s) written to {output}.")
    if summary.missing:
        info(f"Warning: {len(summary.missing)} file(s) named by the database were not found "
             "in the upload folder.")
    click.echo(output)


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a database and an upload folder that already hold data.")
def restore(archive, force):
    """Restore a `portfolio backup` archive (checksums checked first)."""
    from portfolio.backup import BackupError, restore_backup

    try:
        summary = restore_backup(archive, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    info(f"Restored the {summary.dialect} database ({sum(summary.rows.values())} rows) and "
         f"{summary.files} file(s) from {archive}. Restart the web and worker processes.")
    if summary.missing:
        info(f"Warning: {len(summary.missing)} file(s) were already missing when the backup "
             "was made.")
