"""gunicorn's settings when it runs in the source tree's folder: the package's own
(portfolio/gunicorn_conf.py, which an installed Portfolio gives with
`--config python:portfolio.gunicorn_conf`)."""

from portfolio.gunicorn_conf import cores, timeout, worker_class, workers  # noqa: F401
