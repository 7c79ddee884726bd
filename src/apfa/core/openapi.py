"""The OpenAPI document describes the errors APFA really sends.

FastAPI documents every 422 as its own ``HTTPValidationError`` and nothing else, while every
APFA error is the envelope ``{"error", "detail", "request_id"}`` (``core/errors.py``; a 422
adds ``fields``). After FastAPI generates the document, each operation gets the error
statuses it can answer, all referencing one ``ErrorEnvelope`` schema.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

ENVELOPE = "ErrorEnvelope"
_REF = {"$ref": f"#/components/schemas/{ENVELOPE}"}
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
_WRITES = frozenset({"post", "put", "patch", "delete"})
_METHODS = frozenset({"get", "head", "options", *_WRITES})


class FieldError(BaseModel):
    loc: str
    msg: str


class ErrorEnvelope(BaseModel):
    """Every error response: a stable code, a sentence, and the request id to quote."""

    model_config = ConfigDict(extra="allow", title=ENVELOPE)

    error: str
    detail: str
    request_id: str | None = None
    # 422 only: each invalid field and why.
    fields: list[FieldError] | None = None


def _statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it takes and who may call it."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses: set[int] = set()
    if parameters or has_body:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413, 415}
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if method in _WRITES and operation.get("security"):
        statuses.add(409)
    return statuses


def _envelope_response(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    description = (existing or {}).get("description") or HTTPStatus(status).phrase
    return {"description": description, "content": {"application/json": {"schema": _REF}}}


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses and the ``ErrorEnvelope`` schema to ``document`` in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(envelope.pop("$defs", {}))
    schemas[ENVELOPE] = envelope
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(method, operation) | _documented(responses)):
                existing = responses.get(str(status))
                if not _own_model(existing):
                    responses[str(status)] = _envelope_response(status, existing)
    return document


def _documented(responses: dict[str, Any]) -> set[int]:
    """Error statuses a route already declared (e.g. 413/415 on uploads): re-pointed at
    the envelope."""
    return {int(code) for code in responses if code.isdigit() and int(code) >= 400}


def _own_model(response: dict[str, Any] | None) -> bool:
    """Whether a route declared a model of its own for this status (readiness answers 503
    with its components, not an error)."""
    content = (response or {}).get("content", {})
    refs = {
        media.get("schema", {}).get("$ref", "").rpartition("/")[2] for media in content.values()
    }
    return bool(refs - {"", *_FASTAPI_SCHEMAS})


REGENERATE = "apfa openapi --output openapi.json"


def render_document(app: FastAPI) -> str:
    """The document as committed in ``openapi.json``: sorted keys, two-space indents, a final
    newline, so the same app always renders the same bytes."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
