"""One error body everywhere: ``{"error": {"code", "message"}}``.

Handlers turn HTTP exceptions, validation errors and anything unexpected into that shape, and
name the field at fault in the words the CLI uses ("field 'text': is empty or only
whitespace"), so a newsroom engineer reads one vocabulary of errors. Unexpected exceptions are
logged with their traceback and answered with a 500 that reveals nothing internal.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send
from tinbai.service.api.examples import ERROR_EXAMPLES
from tinbai.service.api.responses import SafeJSONResponse, render_json
from tinbai.service.api.schemas import ErrorBody

log = logging.getLogger("tinbai.service.api")

CODES: dict[int, str] = {
    400: "invalid_json",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    503: "not_ready",
    504: "timeout",
}


# What each refusal of a /v1 call means, for the OpenAPI docs (examples: examples.py).
ERROR_DOCS: dict[int, str] = {
    400: "the body is not valid JSON",
    401: "API keys are configured and `X-API-Key` is missing or wrong",
    413: "the body, a text or the batch is over its configured limit",
    415: "the content type is not `application/json`",
    422: "a field is missing, blank or invalid (the message names it)",
    503: "too many requests in flight (retry after `Retry-After` seconds), or the feedback "
    "database is unavailable",
    504: "the request ran past `REQUEST_TIMEOUT_S` and was cancelled",
}
# Every /v1 call can be refused by the guard (key) and the limits (capacity, deadline); calls
# with a body also by the guard's size and type checks and by validation.
CALL_ERRORS = (401, 503, 504)
BODY_ERRORS = (400, 413, 415, 422)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` mapping documenting the error body for ``statuses``, with an
    example of each real message (it replaces FastAPI's own 422 ``HTTPValidationError``, which
    the service never sends: :func:`describe_validation` rewrites validation errors)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        examples = {
            name: {"summary": code, "value": error_body(code, message)}
            for name, (code, message) in ERROR_EXAMPLES[status].items()
        }
        out[status] = {
            "model": ErrorBody,
            "description": ERROR_DOCS[status],
            "content": {"application/json": {"examples": examples}},
        }
        if status == 503:
            out[status]["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait (sent when the service is at capacity)",
                    "schema": {"type": "integer"},
                }
            }
    return out


class ApiError(Exception):
    """Raised by routes for a request the service refuses, with a status and a clear message."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return SafeJSONResponse(
        error_body(code or CODES.get(status, "error"), message), status_code=status, headers=headers
    )


async def send_error(
    send: Send,
    status: int,
    message: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """The same error body, sent straight from ASGI middleware (before or without routing)."""
    body = render_json(error_body(code or CODES.get(status, "error"), message))
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _where(loc: tuple[Any, ...]) -> str:
    """('body', 'articles', 2, 'text') → "field 'articles[2].text'"; ('body',) → "body"."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    if not parts:
        return "body"
    path = ""
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else str(p))
    return f"field '{path}'"


def _problem(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    value = err.get("input")
    if kind == "missing":
        return "is missing"
    if kind == "string_type":
        return f"must be a string, got {_json_type(value)}"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"expected a JSON object, got {_json_type(value)}"
    if kind == "list_type":
        return f"expected a JSON array, got {_json_type(value)}"
    if kind == "extra_forbidden":
        return "is not a known field"
    msg = str(err.get("msg", "is invalid"))
    return msg.removeprefix("Value error, ")


def _json_type(value: Any) -> str:
    names = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def describe_validation(errors: list[dict[str, Any]]) -> tuple[int, str, str]:
    """Status, code and message for a RequestValidationError's error list."""
    for err in errors:
        if err.get("type") == "json_invalid":
            pos = err.get("loc", ("body", 0))[-1]
            reason = (err.get("ctx") or {}).get("error", "invalid JSON")
            return 400, "invalid_json", f"body is not valid JSON: {reason} (at character {pos})"
    seen: list[str] = []
    for err in errors:
        line = f"{_where(tuple(err.get('loc', ())))}: {_problem(err)}"
        if line not in seen:
            seen.append(line)
    return 422, "invalid_input", "; ".join(seen)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, message = describe_validation(list(exc.errors()))
        return error_response(status, message, code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal error; the server log has the details")
