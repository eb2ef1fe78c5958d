"""The JSON Schemas of the API's shapes, shared by the operations and the OpenAPI document."""

from __future__ import annotations

from portfolio.api import (
    CURSOR_SCHEMA,
    LIMIT_SCHEMA,
)
from portfolio.models import (
    KINDS,
    REFLECTION_FIELDS,
    REQUEST_STATES,
    VISIBILITIES,
)

KEY = {"type": "string", "pattern": "^[^:\\s]{1,40}:[^:\\s]{1,40}$",
       "description": "a compétence named FRAMEWORK:CODE", "examples": ["ing-num:C2.1"]}


ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}


DATE = {"type": "string", "format": "date"}


TEXT = {"type": "string", "maxLength": 50000}


REFLECTION = {"type": "object", "additionalProperties": False,
              "properties": {k: {"type": "string", "maxLength": 10000}
                             for k in REFLECTION_FIELDS}}


PAGING = {"limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA}


def ok(description: str, schema: dict | None = None, media: str = "application/json"):
    return (description, schema, media)


USER = {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"}}}


ME = {"type": "object", "required": ["id", "email", "name", "role"], "properties": {
    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
    "role": {"enum": ["learner", "referent", "jury", "admin"]},
    "referents": {"type": "array", "items": USER}, "learners": {"type": "array", "items": USER}}}


FRAMEWORK_SUMMARY = {"type": "object", "required": ["code", "title", "version"], "properties": {
    "code": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "string"}}}


FRAMEWORK = {"type": "object", "required": ["code", "title", "version", "scale", "blocks"],
             "description": "one référentiel in the framework file format"}


ATTACHMENT = {"type": "object", "required": ["id", "name", "size", "sha256"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"},
    "sha256": {"type": "string"}, "content_type": {"type": "string"}}}


ENTRY = {"type": "object", "required": [
    "id", "version", "title", "body", "body_html", "kind", "occurred_on", "visibility",
    "competencies", "keywords", "created_at", "updated_at", "url"], "properties": {
    "id": {"type": "integer"}, "version": {"type": "integer"}, "learner_id": {"type": "integer"},
    "title": {"type": "string"}, "body": {"type": "string"}, "body_html": {"type": "string"},
    "kind": {"enum": list(KINDS)}, "occurred_on": DATE, "context": {"type": "string"},
    "visibility": {"enum": list(VISIBILITIES)}, "reflection": {"type": "object"},
    "competencies": {"type": "array", "items": {"type": "string"}},
    "keywords": {"type": "array", "items": {"type": "string"}},
    "attachments": {"type": "array", "items": ATTACHMENT},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "url": {"type": "string"}}}


COMMENT = {"type": "object", "required": ["id", "author", "body_html", "created_at"],
           "properties": {"id": {"type": "integer"}, "author": {"type": ["string", "null"]},
                          "imported": {"type": "boolean"}, "body": {"type": "string"},
                          "body_html": {"type": "string"},
                          "created_at": {"type": "string"}}}


REQUEST = {"type": "object", "required": ["id", "state", "entry_version"], "properties": {
    "id": {"type": "integer"}, "state": {"enum": list(REQUEST_STATES)},
    "entry_id": {"type": "integer"}, "entry_version": {"type": "integer"},
    "learner_id": {"type": "integer"}, "referent_id": {"type": "integer"},
    "message": {"type": "string"}, "created_at": {"type": "string"}}}


LEVEL = {"type": "object", "required": ["competency", "source", "level", "created_at"],
         "properties": {"competency": {"type": "string"}, "source": {"enum": ["self", "referent"]},
                        "level": {"type": "integer"}, "justification": {"type": "string"},
                        "learner_id": {"type": "integer"}, "created_at": {"type": "string"}}}


PROGRESS = {"type": "object", "required": ["learner_id", "at", "frameworks"], "properties": {
    "learner_id": {"type": "integer"}, "at": {"type": ["string", "null"]},
    "frameworks": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "blocks": {"type": "array", "items": {
            "type": "object", "required": ["code", "title", "self", "referent", "coverage",
                                           "competencies", "with_evidence"],
            "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                           "self": {"type": ["number", "null"]},
                           "referent": {"type": ["number", "null"]},
                           "coverage": {"type": "number"}, "competencies": {"type": "integer"},
                           "with_evidence": {"type": "integer"}, "gap": {"type": "boolean"}}}}}}}}}


LINK = {"type": "object", "required": ["id", "expires_at"], "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"}, "label": {"type": "string"},
    "expires_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]},
    "accesses": {"type": "integer"}}}
