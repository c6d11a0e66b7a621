"""``/healthz`` (process alive), ``/readyz`` (model loaded and warmed up), ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from tinbai.service.api.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, Any]:
    """The bundle is loaded and has answered a warm-up call: send traffic."""
    if not getattr(request.app.state, "ready", False):
        raise ApiError(503, "model not loaded yet")
    return {"status": "ready", "model": request.app.state.inference.model_info}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
