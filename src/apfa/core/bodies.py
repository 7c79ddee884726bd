"""A JSON request body read and validated inside the endpoint, as FastAPI would.

FastAPI reads and validates a declared body parameter before the endpoint runs, at a
cost of tens of microseconds a request (the body read, ``json.loads``, validation of the
parsed object, error collection). For the few routes where that matters (cached advice
answers in well under a millisecond) the endpoint takes the ``Request`` and calls
``read_json_body``: a body that is ``application/json`` and valid goes straight through
pydantic's JSON parser; anything else takes FastAPI's own steps (content type check,
``json.loads``, validation of the parsed object), so the error a client gets is the same
``RequestValidationError``, with the same locations and messages, as with a declared
body. ``json_body_openapi`` documents such a body in OpenAPI as FastAPI would.
"""

from __future__ import annotations

import email.message
import json
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
_JSON = "application/json"


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test: an ``application/json`` or ``application/*+json`` content type. A
    body without a content type is not read as JSON (FastAPI's strict content type)."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def parse_json(raw: bytes) -> Any:
    """``json.loads`` of a request body. A body that is not UTF-8, nests deeper than the
    parser's recursion limit or holds an integer too long to convert is refused as FastAPI
    refuses it for a declared body (400); a malformed one raises ``JSONDecodeError``."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise HTTPException(400, "There was an error parsing the body") from None


def _located(errors: list[Any]) -> list[dict[str, Any]]:
    return [{**error, "loc": ("body", *error.get("loc", ()))} for error in errors]


def _validated(model: type[Model], payload: Any) -> Model:
    try:
        return model.model_validate(payload, from_attributes=True)
    except ValidationError as exc:
        raise RequestValidationError(
            _located(exc.errors(include_url=False)), body=payload
        ) from None


async def read_json_body(request: Request, model: type[Model]) -> Model:
    """The request body as ``model``; ``RequestValidationError`` (422) as FastAPI raises
    it for a missing, malformed or invalid body."""
    raw = await request.body()
    content_type = request.headers.get("content-type")
    if raw and content_type == _JSON:
        try:
            return model.model_validate_json(raw)
        except ValidationError:
            pass  # the slow path below reports the error exactly as FastAPI does
    if not raw:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing], body=None)
    if not _is_json(content_type):
        return _validated(model, raw)
    try:
        payload = parse_json(raw)
    except json.JSONDecodeError as exc:
        error = {
            "type": "json_invalid",
            "loc": ("body", exc.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": exc.msg},
        }
        raise RequestValidationError([error], body=exc.doc) from None
    return _validated(model, payload)


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the required JSON request body, and the 422
    response FastAPI lists for a declared body. The schemas are referenced from the
    components, so another route must declare a body of ``model`` for FastAPI to publish
    them there."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    invalid = {"$ref": "#/components/schemas/HTTPValidationError"}
    return {
        "requestBody": {"required": True, "content": {_JSON: {"schema": schema}}},
        "responses": {
            "422": {"description": "Validation Error", "content": {_JSON: {"schema": invalid}}}
        },
    }
