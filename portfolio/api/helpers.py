"""What the operations share: reading a compétence key, a service error as a 4xx, learners only."""

from __future__ import annotations

from flask import abort

from portfolio.api import (
    Invalid,
    me,
)
from portfolio.models import (
    Competency,
    Role,
)
from portfolio.services import NotFound, ServiceError
from portfolio.services import frameworks as framework_service


def competency_of(key: str, path: str) -> Competency:
    found = framework_service.find_competency(key)
    if found is None:
        raise Invalid([(path, f"unknown compétence {key!r}")])
    return found


def service_error_answer(err: ServiceError, prefix_map: dict | None = None):
    if isinstance(err, NotFound):
        abort(404)
    fields = getattr(err, "errors", None) or {err.field or "body": err.message}
    prefix_map = prefix_map or {}
    raise Invalid([(prefix_map.get(k, k), m) for k, m in fields.items()])


def learners_only():
    if me().role != Role.LEARNER:
        abort(404)
