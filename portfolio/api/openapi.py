"""`/api/v1/openapi.json`, built from the operations' own declarations."""

from __future__ import annotations

import re
from functools import lru_cache

from portfolio.api import COMMON_ERRORS, ERROR, OPERATIONS


def _parameters(op) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}
               if name.endswith("id") else {"type": "string", "maxLength": 40}}
              for name in re.findall(r"\{(\w+)\}", op.path)]
    params += [{"name": name, "in": "query", "required": False, "schema": schema}
               for name, schema in op.query.items()]
    return params


def _responses(op) -> dict:
    out = {}
    for status, (description, schema, media) in op.responses.items():
        out[status] = {"description": description}
        if isinstance(media, dict):  # several content types, each with its schema
            out[status]["content"] = {m: {"schema": sch} for m, sch in media.items()}
        elif schema is not None:
            out[status]["content"] = {media: {"schema": schema}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, description in COMMON_ERRORS.items():
        if status == "401" and op.public:
            continue
        out.setdefault(status, {"description": description, "content": error})
    return out


@lru_cache(maxsize=1)
def _document() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        item = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
                "parameters": _parameters(op), "responses": _responses(op)}
        if op.public:
            item["security"] = []
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": op.body}}}
        if op.multipart is not None:
            item["requestBody"] = {"required": True, "content": {
                "multipart/form-data": {"schema": op.multipart}}}
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "Portfolio API", "version": "1",
                 "description": "The e-portfolio's data for écoles' own tools. Personal "
                                "access tokens (account page, or `portfolio tokens create`) "
                                "go in `Authorization: Bearer`. The same permissions as the "
                                "web pages; anything the caller may not read is a 404. "
                                "Compétences are named `FRAMEWORK:CODE`. Lists are "
                                "`{items, next_cursor}` with `limit` and `cursor`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "paths": paths,
    }


def document() -> dict:
    return _document()
