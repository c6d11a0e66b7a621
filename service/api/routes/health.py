"""``/healthz`` (process alive), ``/readyz`` (model loaded and warmed up), ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from tinbai.service.api.errors import ApiError, error_body
from tinbai.service.api.schemas import ErrorBody

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


NOT_READY = "model not loaded yet"
NOT_READY_DOC = {
    "model": ErrorBody,
    "description": "still starting: the bundle is loading or warming up (or shutting down); "
    "keep traffic away until this answers 200",
    "content": {"application/json": {"example": error_body("not_ready", NOT_READY)}},
}


@router.get("/readyz", responses={503: NOT_READY_DOC})
async def readyz(request: Request) -> dict[str, Any]:
    """The bundle is loaded and has answered a warm-up call: send traffic."""
    if not getattr(request.app.state, "ready", False):
        raise ApiError(503, NOT_READY)
    return {"status": "ready", "model": request.app.state.inference.model_info}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
