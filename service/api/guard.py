"""Checks on every ``/v1/*`` request before its body is read: API key, size, content type.

They run as ASGI middleware rather than as route dependencies because FastAPI parses the body
before dependencies run: a caller without a key must get 401, not feedback on its JSON, and a
100 MB upload must be refused before it is buffered. Health, metrics, docs and the editor page
stay open.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from fastapi import HTTPException
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tinbai.service.api.errors import send_error
from tinbai.service.api.schemas import BodyLimits, body_limits

PROTECTED_PREFIX = "/v1/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def key_matches(given: str | None, keys: Sequence[SecretStr]) -> bool:
    """Constant-time comparison against every configured key (no early exit on a match)."""
    if given is None:
        return False
    raw = given.encode("utf-8")
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(raw, key.get_secret_value().encode("utf-8"))
    return ok


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    maintype, _, subtype = media.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


class GuardMiddleware:
    """``route_limits``: smaller body limits for some paths (the one-article routes, whose
    largest valid body is far under ``max_request_bytes``), so a body no valid request can
    have is refused before anything parses it. ``limits`` are published to the body validators
    (:data:`~service.api.schemas.body_limits`), which refuse an oversized batch and leave an
    oversized text to its route's 413 instead of checking every item first."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_keys: Sequence[SecretStr],
        max_request_bytes: int,
        route_limits: Mapping[str, int] | None = None,
        limits: BodyLimits | None = None,
    ) -> None:
        self.app = app
        self.api_keys = list(api_keys)
        self.max_request_bytes = max_request_bytes
        self.route_limits = dict(route_limits or {})
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.api_keys and not key_matches(headers.get("x-api-key"), self.api_keys):
            await send_error(
                send,
                401,
                "missing or invalid API key (send it in the X-API-Key header)",
                headers={"www-authenticate": "X-API-Key"},
            )
            return
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.route_limits.get(scope["path"], self.max_request_bytes)
        what = " for one article" if limit < self.max_request_bytes else ""
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await send_error(
                send, 413, f"request body is {int(length)} bytes, over the limit of {limit}{what}"
            )
            return
        if not is_json(headers.get("content-type")):
            got = headers.get("content-type") or "none"
            await send_error(send, 415, f"content type must be application/json, got {got}")
            return
        # Chunked bodies carry no length: count as they arrive and stop at the limit. FastAPI
        # re-raises an HTTPException from reading the body, and the error handlers answer it.
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(
                        413, f"request body is over the limit of {limit} bytes{what}"
                    )
            return message

        token = body_limits.set(self.limits)
        try:
            await self.app(scope, counting_receive, send)
        finally:
            body_limits.reset(token)
