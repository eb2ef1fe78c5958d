"""`/me`, `/frameworks` and the OpenAPI document itself."""

from __future__ import annotations

from flask import jsonify

from portfolio.api import (
    list_schema,
    me,
    operation,
    page_of,
)
from portfolio.api.schemas import FRAMEWORK, FRAMEWORK_SUMMARY, ME, PAGING, ok
from portfolio.models import (
    Role,
)
from portfolio.permissions import get_framework_or_404
from portfolio.services import frameworks as framework_service
from portfolio.services.directory import assignments_of_learner, assignments_of_referent


@operation("/openapi.json", "GET", summary="This document", tag="meta", public=True,
           responses={"200": ok("The OpenAPI 3.1 description of this API", {"type": "object"})})
def openapi(args):
    from portfolio.api.openapi import document

    return jsonify(document())


@operation("/me", "GET", summary="Who the token belongs to", tag="me",
           responses={"200": ok("The caller", ME)})
def get_me(args):
    user = me()
    data = {"id": user.id, "email": user.email, "name": user.name, "role": user.role}
    if user.role == Role.LEARNER:
        data["referents"] = [{"id": a.referent_id, "name": a.referent.name, "kind": a.kind}
                             for a in assignments_of_learner(user)]
    if user.role == Role.REFERENT:
        data["learners"] = [{"id": a.learner_id, "name": a.learner.name, "kind": a.kind}
                            for a in assignments_of_referent(user)]
    return jsonify(data)


@operation("/frameworks", "GET", summary="The référentiels", tag="frameworks", query=PAGING,
           responses={"200": ok("Référentiels", list_schema(FRAMEWORK_SUMMARY))})
def get_frameworks(args):
    items = [{"code": f.code, "title": f.title, "version": f.version}
             for f in framework_service.list_frameworks()]
    return jsonify(page_of(items, args))


@operation("/frameworks/{code}", "GET", summary="One référentiel, in the file format",
           tag="frameworks", responses={"200": ok("The référentiel", FRAMEWORK)})
def get_framework(args, code: str):
    from portfolio.services.framework_format import export as export_data

    return jsonify(export_data(get_framework_or_404(code)))
