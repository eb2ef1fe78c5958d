"""The models, one module per aggregate; importing this package registers them all."""

from portfolio.models.user import (
    ROLES,
    Assignment,
    AssignmentKind,
    Cohort,
    LoginSession,
    Role,
    User,
    cohort_members,
)

__all__ = [
    "ROLES",
    "Assignment",
    "AssignmentKind",
    "Cohort",
    "LoginSession",
    "Role",
    "User",
    "cohort_members",
]
