"""The business rules. Services validate, mutate and flush; the caller commits."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the operation; `message` is for the person, `field` for the form."""

    status = 422

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotFound(ServiceError):
    """What the person may not see, or what is not there: the same 404 either way (the
    message is for logs and tests, never shown: it would tell which one it was)."""

    status = 404

    def __init__(self, message: str = "not found", field: str | None = None):
        super().__init__(message, field=field, code="not_found")


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field, code="conflict")


class Invalid(ServiceError):
    """Several fields refused at once: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors.items()))
        super().__init__(first[1], field=first[0])
        self.errors = errors
