"""gunicorn's settings for Portfolio, shipped in the package: `gunicorn --config
python:portfolio.gunicorn_conf "portfolio:create_app()"` from any folder (the source tree's
`gunicorn.conf.py`, which gunicorn reads from the working directory, says the same).

The README's production command and `make bench` use them. Measured on a 2-core machine
(bench/README.md): once the page cache answers most pages in under a millisecond of work,
a worker is busy computing, not waiting; more workers than cores only take turns on them,
and threads keep a connection to one worker for its whole life (keep-alive), so that a
busy worker's clients wait while another sits idle. One synchronous worker per core took
the pages' throughput up by a quarter to a half over `2 x cores + 1` workers of 2 threads.
Synchronous workers expect a buffering proxy in front (nginx does by default), as the README
says production runs.
"""

import os


def cores() -> int:
    """The cores this process may run on (a container pinned to some has only those)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# WEB_CONCURRENCY (gunicorn's own variable) overrides; raise it when the database runs on
# another machine (a worker then waits for it) or when many PDF exports run at once (one
# takes a worker for a few seconds).
workers = int(os.environ.get("WEB_CONCURRENCY") or cores())
worker_class = "sync"
timeout = 60  # the PDF export of a long portfolio takes seconds, not a minute
