"""The models, one module per aggregate; importing this package registers them all."""

from portfolio.models.framework import (
    DEFAULT_SCALE,
    Block,
    Competency,
    Criterion,
    Enrolment,
    Framework,
    enrolment_blocks,
)
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
    "DEFAULT_SCALE",
    "Block",
    "Competency",
    "Criterion",
    "Enrolment",
    "Framework",
    "enrolment_blocks",
    "ROLES",
    "Assignment",
    "AssignmentKind",
    "Cohort",
    "LoginSession",
    "Role",
    "User",
    "cohort_members",
]
