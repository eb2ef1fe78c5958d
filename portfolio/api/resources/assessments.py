"""Levels (`/assessments`) and the radar's numbers (`/learners/{id}/progress`)."""

from __future__ import annotations

from datetime import date

from flask import abort, jsonify
from sqlalchemy import select

from portfolio.api import (
    list_schema,
    me,
    operation,
    page_of,
)
from portfolio.api.helpers import competency_of, service_error_answer
from portfolio.api.schemas import DATE, ID, KEY, LEVEL, PAGING, PROGRESS, ok
from portfolio.api.serializers import level_json
from portfolio.db import db
from portfolio.models import (
    Assessment,
    Role,
    User,
)
from portfolio.permissions import (
    can_referent_assess,
    can_view_progress,
    get_learner_or_404,
)
from portfolio.services import ServiceError
from portfolio.services import assessments as assessment_service
from portfolio.services import progress as progress_service


@operation("/assessments", "POST", summary="Set a level: one's own (learners) or a learner's "
           "(their referents, with learner_id)", tag="assessments",
           body={"type": "object", "required": ["competency", "level"],
                 "additionalProperties": False, "properties": {
                     "competency": KEY, "level": {"type": "integer", "minimum": 0,
                                                  "maximum": 100},
                     "justification": {"type": "string", "maxLength": 2000},
                     "learner_id": ID, "entry_ids": {"type": "array", "items": ID,
                                                     "maxItems": 10}}},
           responses={"201": ok("The level recorded", LEVEL)})
def post_assessment(args):
    user, payload = me(), args["payload"]
    competency = competency_of(payload["competency"], "competency")
    try:
        if user.role == Role.LEARNER and payload.get("learner_id", user.id) == user.id:
            item = assessment_service.assess_self(
                user, competency, payload["level"], payload.get("justification", ""),
                payload.get("entry_ids", []))
        elif user.role == Role.REFERENT and "learner_id" in payload:
            learner = db.session.get(User, payload["learner_id"])
            if learner is None or not can_referent_assess(user, learner.id):
                abort(404)
            item = assessment_service.assess_as_referent(
                user, learner, competency, payload["level"], payload.get("justification", ""))
        else:
            abort(404)
    except ServiceError as err:
        service_error_answer(err, {"entry_ids": "entry_ids"})
    return jsonify(level_json(item)), 201


@operation("/assessments", "GET", summary="Current levels and their history", tag="assessments",
           query={"learner_id": ID, "competency": KEY, **PAGING},
           responses={"200": ok("Every level recorded, newest first", list_schema(LEVEL))})
def get_assessments(args):
    user = me()
    learner_id = args.get("learner_id", user.id)
    if not can_view_progress(user, learner_id):
        abort(404)
    query = select(Assessment).where(Assessment.learner_id == learner_id) \
        .order_by(Assessment.id.desc())
    if "competency" in args:
        competency = competency_of(args["competency"], "competency")
        query = query.where(Assessment.competency_id == competency.id)
    rows = list(db.session.scalars(query.limit(5000)))
    return jsonify(page_of([level_json(a) for a in rows], args))


@operation("/learners/{learner_id}/progress", "GET", summary="The radar's numbers",
           tag="assessments", query={"at": DATE},
           responses={"200": ok("Per référentiel and block", PROGRESS)})
def get_progress(args, learner_id: int):
    learner = get_learner_or_404(learner_id, me())
    at = progress_service.end_of(date.fromisoformat(args["at"])) if "at" in args else None
    progresses = progress_service.progress_of(learner.id, at,
                                              referent_view=me().id != learner.id)
    return jsonify({"learner_id": learner.id, "at": args.get("at"), "frameworks": [{
        "code": p.framework.code, "blocks": [{
            "code": b.block.code, "title": b.block.title, "self": b.self_mean,
            "referent": b.referent_mean, "coverage": b.coverage, "competencies": b.size,
            "with_evidence": b.evidenced_count, "gap": b.gap} for b in p.blocks]}
        for p in progresses]})
