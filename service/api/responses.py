"""JSON response bodies that never fail to encode.

A JSON string may hold a lone surrogate (``"\\ud800"`` is valid JSON) that UTF-8 cannot encode;
``json.dumps(..., ensure_ascii=False).encode()`` then raises and the client gets a dropped
connection instead of an answer. Every JSON body of the service (results, errors, the guard's
early answers) goes through :func:`render_json`, which falls back to ``\\u`` escapes.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON; ASCII escapes only when the content has an unencodable surrogate."""
    try:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode("ascii")


class SafeJSONResponse(JSONResponse):
    """The app's default response class (see :func:`render_json`)."""

    def render(self, content: Any) -> bytes:
        return render_json(content)


def answer(content: dict[str, Any], *, exclude_none: bool = False) -> SafeJSONResponse:
    """A route's result, encoded once. Routes build their dicts from the model's ``to_dict``
    shapes, which the route's ``response_model`` documents; returning the response directly
    skips FastAPI's second validation and ``jsonable_encoder`` walk of the same dict (about
    a third of the service's own per-request cost). Tests check the shapes against the
    schemas. ``exclude_none`` drops top-level ``None`` values, as ``response_model_exclude_none``
    did."""
    if exclude_none:
        content = {k: v for k, v in content.items() if v is not None}
    return SafeJSONResponse(content)
