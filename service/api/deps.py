"""Dependency aliases for route handlers (``InferenceDep``, ``SettingsDep``…).

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread,
and a thread hop per dependency per request cost more CPU than these lookups.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from tinbai.service.api.inference import Inference
from tinbai.service.api.metrics import Metrics
from tinbai.service.feedback import FeedbackStore
from tinbai.service.settings import Settings

# Declares the X-API-Key scheme in the OpenAPI docs. The check itself runs in GuardMiddleware,
# before the body is read (FastAPI parses bodies before it runs dependencies).
api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="required when the service is configured with API keys",
)


async def get_inference(request: Request) -> Inference:
    return request.app.state.inference


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def get_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


async def documented_api_key(key: Annotated[str | None, Security(api_key_header)] = None) -> None:
    return None


InferenceDep = Annotated[Inference, Depends(get_inference)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
StoreDep = Annotated[FeedbackStore, Depends(get_store)]
