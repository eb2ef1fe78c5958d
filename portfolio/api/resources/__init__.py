"""The operations of `/api/v1`, one module per resource, over the same services and permission
checks as the pages; importing this package declares them all."""

from portfolio.api.resources import assessments, entries, exports, feedback, me  # noqa: F401
