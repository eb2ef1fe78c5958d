"""Property-based: schemathesis drives /api/v1 from its own OpenAPI document.

Bounded (a few examples per operation, no deadline) against the test app with seeded data:
no answer may be a 500, and every answer must conform to the document. One check is left out,
"schema-valid data must be accepted": a request can be well-formed and still refused by a rule
the schema cannot say (an unknown compétence, a level change without a justification), with a
422 that names the field.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portfolio.db import db
from portfolio.models import Competency, User
from portfolio.services import assessments, feedback, tokens
from portfolio.services import attachments as attachment_service
from portfolio.services import entries as entry_service
from tests.helpers import png_bytes

EXAMPLES = 15


@pytest.fixture
def seeded(app, people):
    """Entries of each visibility with a tag, a file, a comment, a request and levels."""
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        c21 = db.session.get(Competency, people.competencies["C2.1"])
        for visibility in ("private", "referents", "jury"):
            entry = entry_service.create_entry(learner, entry_service.EntryData(
                title=f"Entrée {visibility}", visibility=visibility, body="**texte**",
                occurred_on=date(2026, 3, 3), tags=[entry_service.TagData(c21.id)]))
        attachment_service.store_upload(entry, io.BytesIO(png_bytes()), "photo.png")
        feedback.add_comment(referent, entry, "Bien.")
        feedback.request_feedback(learner, entry, referent.id, "Un avis ?")
        assessments.assess_self(learner, c21, 2, "Parce que.")
        _item, token = tokens.create_token(learner, "schemathesis")
        db.session.commit()
    return token


def test_the_api_keeps_to_its_document(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {seeded}"},
                                   excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:  # keep going: report every operation that fails
            failures.append(f"{operation.label}: {failure}"[:3000])
    assert not failures, "\n\n".join(failures)
