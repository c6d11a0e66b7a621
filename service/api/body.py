"""JSON request bodies parsed off the event loop once they are large.

Starlette parses a body with one ``json.loads`` on the event loop: a 16 MiB ``/v1/tag/batch``
body held it 42–81 ms (13–34 ms this way; ``bench/bench_loop_stall.py``), and every other
request waited. A body
over :data:`OFF_LOOP_BYTES` is decoded and parsed in a worker thread instead, in steps that
give the interpreter back between them — the UTF-8 decoding 64 KiB at a time and the parse
calling back into Python after each object — so the loop thread gets its turn at the GIL
every switch interval instead of once at the end. Small bodies (nearly all) are parsed
inline: a thread hop would cost more than they do. The result, and every error, is what
``json.loads(body)`` gives.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

OFF_LOOP_BYTES = 256 * 1024  # parsing this much inline takes about 1 ms
_STEP = 64 * 1024


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A Python-level hook: the parser returns to the interpreter after each object, where
    # a thread waiting for the GIL (the event loop) can take it.
    return dict(pairs)


def parse_json(body: bytes) -> Any:
    """``json.loads(body)``, yielding the GIL as it goes (same encodings, errors and result)."""
    decoder = codecs.getincrementaldecoder(json.detect_encoding(body))("surrogatepass")
    parts = [decoder.decode(body[i : i + _STEP]) for i in range(0, len(body), _STEP)]
    parts.append(decoder.decode(b"", final=True))
    return json.loads("".join(parts), object_pairs_hook=_object)


class OffLoopJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            if len(body) > OFF_LOOP_BYTES:
                self._json = await run_in_threadpool(parse_json, body)
            else:
                self._json = json.loads(body)
        return self._json


class OffLoopJSONRoute(APIRoute):
    """The route class of every API router with a body: its handler reads the JSON body with
    :class:`OffLoopJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def off_loop_handler(request: Request) -> Response:
            return await handler(OffLoopJSONRequest(request.scope, request.receive))

        return off_loop_handler
