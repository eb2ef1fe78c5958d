"""Comments under an entry and feedback requests."""

from __future__ import annotations

from flask import jsonify

from portfolio.api import (
    list_schema,
    me,
    operation,
    page_of,
)
from portfolio.api.helpers import competency_of, service_error_answer
from portfolio.api.schemas import COMMENT, ID, KEY, PAGING, REQUEST, ok
from portfolio.api.serializers import comment_json, request_json
from portfolio.models import (
    REQUEST_STATES,
    Role,
)
from portfolio.permissions import (
    get_entry_or_404,
    get_request_or_404,
)
from portfolio.services import ServiceError
from portfolio.services import feedback as feedback_service


@operation("/entries/{entry_id}/comments", "GET", summary="The thread under an entry",
           tag="feedback", query=PAGING,
           responses={"200": ok("Comments, oldest first", list_schema(COMMENT))})
def get_comments(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me())
    return jsonify(page_of([comment_json(c) for c in feedback_service.comments_on(entry, me())],
                           args))


@operation("/entries/{entry_id}/comments", "POST", summary="Write in the thread", tag="feedback",
           body={"type": "object", "required": ["body"], "additionalProperties": False,
                 "properties": {"body": {"type": "string", "minLength": 1,
                                         "maxLength": 20000}}},
           responses={"201": ok("The comment", COMMENT)})
def post_comment(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me())
    try:
        item = feedback_service.add_comment(me(), entry, args["payload"]["body"])
    except ServiceError as err:
        service_error_answer(err)
    return jsonify(comment_json(item)), 201


@operation("/entries/{entry_id}/feedback-requests", "POST", summary="Ask a referent",
           tag="feedback", body={"type": "object", "required": ["referent_id"],
                                 "additionalProperties": False, "properties": {
                                     "referent_id": ID,
                                     "message": {"type": "string", "maxLength": 2000},
                                     "raise_visibility": {"type": "boolean"}}},
           responses={"201": ok("The request", REQUEST)})
def post_feedback_request(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me(), edit=True)
    payload = args["payload"]
    try:
        item = feedback_service.request_feedback(
            me(), entry, payload["referent_id"], payload.get("message", ""),
            raise_visibility=payload.get("raise_visibility", False))
    except ServiceError as err:
        service_error_answer(err, {"referent": "referent_id"})
    return jsonify(request_json(item)), 201


@operation("/feedback-requests", "GET", summary="A referent's inbox, or a learner's requests",
           tag="feedback", query={"state": {"enum": [*REQUEST_STATES, "all"]}, **PAGING},
           responses={"200": ok("Requests", list_schema(REQUEST))})
def get_feedback_requests(args):
    user = me()
    state = args.get("state", "all")
    if user.role == Role.REFERENT:
        items = feedback_service.inbox(user, state=state)
    elif user.role == Role.LEARNER:
        items = [r for group in feedback_service.requests_of_learner(user).values()
                 for r in group if state == "all" or r.state == state]
    else:
        items = []
    return jsonify(page_of([request_json(r) for r in items], args))


@operation("/feedback-requests/{request_id}/answer", "POST",
           summary="Answer (referents), with levels for the entry's compétences",
           tag="feedback", body={"type": "object", "required": ["body"],
                                 "additionalProperties": False, "properties": {
                                     "body": {"type": "string", "minLength": 1,
                                              "maxLength": 20000},
                                     "assessments": {"type": "array", "maxItems": 40, "items": {
                                         "type": "object", "required": ["competency", "level"],
                                         "additionalProperties": False, "properties": {
                                             "competency": KEY,
                                             "level": {"type": "integer", "minimum": 0,
                                                       "maximum": 100},
                                             "comment": {"type": "string",
                                                         "maxLength": 2000}}}}}},
           responses={"200": ok("The request, answered", REQUEST)})
def answer_feedback_request(args, request_id: int):
    item = get_request_or_404(request_id, me())
    payload = args["payload"]
    levels, comments = {}, {}
    for i, a in enumerate(payload.get("assessments", [])):
        competency = competency_of(a["competency"], f"assessments[{i}].competency")
        levels[competency.id] = a["level"]
        comments[competency.id] = a.get("comment", "")
    try:
        feedback_service.answer(me(), item, payload["body"], levels, comments)
    except ServiceError as err:
        service_error_answer(err, {"levels": "assessments", "level": "assessments"})
    return jsonify(request_json(item))


def _learner_step(request_id: int, step):
    item = get_request_or_404(request_id, me())
    try:
        step(me(), item)
    except ServiceError as err:
        service_error_answer(err)
    return jsonify(request_json(item))


@operation("/feedback-requests/{request_id}/close", "POST", summary="Close an answered request",
           tag="feedback", responses={"200": ok("The request", REQUEST)})
def close_feedback_request(args, request_id: int):
    return _learner_step(request_id, feedback_service.close)


@operation("/feedback-requests/{request_id}/withdraw", "POST",
           summary="Withdraw a request not yet answered", tag="feedback",
           responses={"200": ok("The request", REQUEST)})
def withdraw_feedback_request(args, request_id: int):
    return _learner_step(request_id, feedback_service.withdraw)
