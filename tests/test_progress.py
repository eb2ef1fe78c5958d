"""The progress service on a hand-built data set, with the expected numbers written out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from portfolio.db import db
from portfolio.models import Competency, Framework, User
from portfolio.services import assessments, directory, enrolments, frameworks
from portfolio.services import entries as entry_service
from portfolio.services.framework_format import validate
from portfolio.services.progress import progress_of, progress_of_many

# Scale 0..4; blocks B1 (3 compétences), B2 (2), T1 (1, transversal).
FRAMEWORK = {
    "code": "hand", "title": "Référentiel fait main", "version": "1", "language": "fr",
    "source": "tests",
    "scale": [{"value": v, "label": f"niveau {v}"} for v in range(5)],
    "blocks": [
        {"code": "B1", "kind": "bloc", "title": "Bloc un", "activities": "", "jobs": [],
         "assessment_methods": [], "mobilises": ["T1"],
         "competencies": [{"code": f"B1.{i}", "title": f"B1 n°{i}", "criteria": []}
                          for i in (1, 2, 3)]},
        {"code": "B2", "kind": "bloc", "title": "Bloc deux", "activities": "", "jobs": [],
         "assessment_methods": [], "mobilises": [],
         "competencies": [{"code": f"B2.{i}", "title": f"B2 n°{i}", "criteria": []}
                          for i in (1, 2)]},
        {"code": "T1", "kind": "transversal", "title": "Transversal", "activities": "",
         "jobs": [], "assessment_methods": [], "mobilises": [],
         "competencies": [{"code": "T1.1", "title": "T1 n°1", "criteria": []}]},
    ],
}
JAN, MAR, MAY, JUL = (datetime(2026, m, 15, 12, 0, tzinfo=UTC) for m in (1, 3, 5, 7))


@pytest.fixture
def data(app, make_user):
    """The hand-built history:

    - January: self B1.1=2; entry E1 tagged B1.1 and B1.2
    - March: self B1.1=3 (a second one in a row), referent B1.1=1; self B1.2=4
    - May: referent B1.1=2, referent B1.2=4; self B2.1=1; entry E2 tagged B1.1
    - July: self B2.1=0 (goes down)
    B1.3, B2.2 and T1.1 are never assessed; B2 and T1 have no tag.
    """
    learner = make_user("learner")
    referent = make_user("referent")
    with app.app_context():
        frameworks.import_framework(validate(FRAMEWORK))
        framework = db.session.query(Framework).filter_by(code="hand").one()
        person, tutor = db.session.get(User, learner.id), db.session.get(User, referent.id)
        enrolments.enrol(person, framework)
        directory.assign_referent(person, tutor, "academique")
        db.session.commit()
        c = {x.code: x for x in db.session.query(Competency).filter_by(framework_id=framework.id)}

        def entry(title, codes):
            entry_service.create_entry(person, entry_service.EntryData(
                title=title, occurred_on=date(2026, 1, 10), visibility="referents",
                tags=[entry_service.TagData(c[k].id) for k in codes]))

        steps = [
            (JAN, lambda: assessments.assess_self(person, c["B1.1"], 2, "début")),
            (JAN, lambda: entry("E1", ["B1.1", "B1.2"])),
            (MAR, lambda: assessments.assess_self(person, c["B1.1"], 3, "mieux")),
            (MAR, lambda: assessments.assess_as_referent(tutor, person, c["B1.1"], 1, "")),
            (MAR, lambda: assessments.assess_self(person, c["B1.2"], 4, "très à l'aise")),
            (MAY, lambda: assessments.assess_as_referent(tutor, person, c["B1.1"], 2, "ok")),
            (MAY, lambda: assessments.assess_as_referent(tutor, person, c["B1.2"], 4, "")),
            (MAY, lambda: assessments.assess_self(person, c["B2.1"], 1, "premier essai")),
            (MAY, lambda: entry("E2", ["B1.1"])),
            (JUL, lambda: assessments.assess_self(person, c["B2.1"], 0, "en fait non")),
        ]
        for moment, step in steps:
            with time_machine.travel(moment, tick=False):
                step()
                db.session.commit()
    return learner


def numbers(progress):
    return {b.block.code: (b.self_mean, b.referent_mean, round(b.coverage, 4), b.self_count,
                           b.referent_count, b.evidenced_count, b.size, b.gap)
            for b in progress.blocks}


def test_today(app, data):
    with app.app_context():
        (progress,) = progress_of(data.id)
        assert [b.block.code for b in progress.blocks] == ["B1", "B2", "T1"]
        assert progress.max_level == 4
        assert numbers(progress) == {
            # self mean of B1: (3 + 4) / 2 assessed; referent (2 + 4) / 2; 2 of 3 tagged
            "B1": (3.5, 3.0, 0.6667, 2, 2, 2, 3, False),
            "B2": (0.0, None, 0.0, 1, 0, 0, 2, False),
            "T1": (None, None, 0.0, 0, 0, 0, 1, False),
        }
        b11 = progress.blocks[0].competencies[0]
        assert (b11.self_level, b11.referent_level, b11.evidence, b11.gap) == (3, 2, 2, True)
        assert [c.competency.code for c in progress.without_evidence] == [
            "B1.3", "B2.1", "B2.2", "T1.1"]


def test_in_march_the_self_level_was_two_above(app, data):
    with app.app_context():
        (progress,) = progress_of(data.id, datetime(2026, 3, 31, tzinfo=UTC))
        assert numbers(progress) == {
            # self: B1.1=3, B1.2=4 -> 3.5; referent: B1.1=1 -> 1.0; a gap of 2.5
            "B1": (3.5, 1.0, 0.6667, 2, 1, 2, 3, True),
            "B2": (None, None, 0.0, 0, 0, 0, 2, False),
            "T1": (None, None, 0.0, 0, 0, 0, 1, False),
        }
        assert [b.block.code for b in progress.gaps] == ["B1"]


def test_in_june_before_the_last_change(app, data):
    with app.app_context():
        (progress,) = progress_of(data.id, datetime(2026, 6, 1, tzinfo=UTC))
        assert numbers(progress)["B2"] == (1.0, None, 0.0, 1, 0, 0, 2, False)


def test_before_any_assessment_and_any_entry(app, data):
    with app.app_context():
        (progress,) = progress_of(data.id, datetime(2025, 12, 31, tzinfo=UTC))
        assert numbers(progress) == {
            "B1": (None, None, 0.0, 0, 0, 0, 3, False),
            "B2": (None, None, 0.0, 0, 0, 0, 2, False),
            "T1": (None, None, 0.0, 0, 0, 0, 1, False),
        }


def test_many_learners_at_once_and_one_with_nothing(app, data, make_user):
    other = make_user("learner")
    with app.app_context():
        result = progress_of_many([data.id, other.id])
        assert result[other.id] == []  # not enrolled anywhere
        assert numbers(result[data.id][0])["B1"][0] == 3.5


def test_referent_view_counts_only_entries_referents_may_read(app, data):
    with app.app_context():
        from portfolio.models import Entry

        for entry in db.session.query(Entry).filter_by(title="E2"):
            entry.visibility = "private"
        db.session.commit()
        (mine,) = progress_of(data.id)
        (theirs,) = progress_of(data.id, referent_view=True)
        assert mine.blocks[0].competencies[0].evidence == 2
        assert theirs.blocks[0].competencies[0].evidence == 1


def test_history_is_append_only_and_ordered(app, data):
    with app.app_context():
        b11 = db.session.query(Competency).filter_by(code="B1.1").one()
        rows = assessments.history(data.id, b11.id)
        assert [(r.source, r.level) for r in rows] == [
            ("self", 2), ("self", 3), ("referent", 1), ("referent", 2)]
        assert rows[0].created_at.date() == date(2026, 1, 15)
