"""Application factory: ``create_app(settings)`` loads everything, or fails with a clear reason.

The bundle and the feedback database are opened here, before the server accepts a connection:
a bundle that cannot load raises :class:`~model.bundle.BundleError` naming the path and the
reason, and ``tinbai serve`` turns that into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from tinbai.model.bundle import Bundle, load_bundle
from tinbai.model.paths import STATIC_DIR
from tinbai.model.summarize import Budget
from tinbai.model.tagging import TagResult
from tinbai.model.text import Document
from tinbai.service.api.batching import MicroBatcher
from tinbai.service.api.deps import documented_api_key
from tinbai.service.api.errors import (
    BODY_ERRORS,
    CALL_ERRORS,
    error_responses,
    install_error_handlers,
)
from tinbai.service.api.examples import EXAMPLE_ARTICLE
from tinbai.service.api.guard import GuardMiddleware
from tinbai.service.api.inference import Inference
from tinbai.service.api.limits import LimitsMiddleware
from tinbai.service.api.metrics import Metrics, MetricsMiddleware
from tinbai.service.api.responses import SafeJSONResponse
from tinbai.service.api.routes import feedback, health, models, summarize, tag
from tinbai.service.api.schemas import BodyLimits
from tinbai.service.feedback import FeedbackStore
from tinbai.service.settings import Settings, get_settings

log = logging.getLogger("tinbai.service.api")


DESCRIPTION = """Topic and campaign tagging and extractive summaries for Vietnamese news.

Every error has one shape: `{"error": {"code", "message"}}`. With API keys configured, every
`/v1/*` call needs `X-API-Key`; `/healthz`, `/readyz` and `/metrics` stay open.
"""


def create_app(settings: Settings | None = None, *, bundle: Bundle | None = None) -> FastAPI:
    """Build the app. ``bundle`` skips loading (tests pass an already loaded one)."""
    settings = settings or get_settings()
    metrics = Metrics()
    t0 = time.perf_counter()
    # Load the bundle before serving: a bundle that cannot load stops start-up (BundleError
    # names the path and the reason) instead of failing every request later.
    bundle = bundle or load_bundle(settings.bundle)
    load_seconds = time.perf_counter() - t0
    metrics.model_load.set(load_seconds)
    inference = _inference(bundle, settings, metrics)
    store = FeedbackStore(settings.database_url)
    # FastAPIOffline: /docs and /redoc served from the package's own copies of Swagger UI and
    # ReDoc (under /static/docs), so the API reference works with no internet
    app = FastAPIOffline(
        static_url="/static/docs",
        title="tinbai",
        version="0.1.0",
        lifespan=_lifespan(inference, store, load_seconds),
        description=DESCRIPTION,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.inference = inference
    app.state.metrics = metrics
    app.state.feedback = store
    app.state.ready = False
    install_error_handlers(app)
    _add_routes(app)
    _add_middleware(app, settings, metrics)
    return app


def _inference(bundle: Bundle, settings: Settings, metrics: Metrics) -> Inference:
    """The bundle behind its thread pool, and the micro-batcher where the kind wants one."""
    kind = bundle.manifest.kind
    batcher: MicroBatcher[Document, TagResult] | None = None
    if settings.micro_batching_for(kind):
        batcher = MicroBatcher(
            bundle.tag,
            max_batch_size=settings.max_batch_size,
            max_wait_ms=settings.max_wait_ms,
            on_batch=metrics.batch_size.labels("micro").observe,
            workers=settings.micro_batch_workers,
        )
    metrics.model_info.labels(
        bundle.name, bundle.version, kind, str(batcher is not None).lower()
    ).set(1)
    return Inference(
        bundle, segment=settings.presegment, batcher=batcher, threads=settings.inference_threads
    )


def _lifespan(inference: Inference, store: FeedbackStore, load_seconds: float):
    """Start the batcher and warm up before ``/readyz`` says ready; stop everything after."""
    bundle, batcher = inference.bundle, inference.batcher

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if batcher is not None:
            batcher.start()
        # Warm up (lazy imports, first-call allocations) so /readyz means "fast now".
        await inference.analyze(dict(EXAMPLE_ARTICLE), budget=Budget())
        app.state.ready = True
        log.info(
            "serving %s %s (%s; loaded in %.2fs; micro-batching %s)",
            bundle.name,
            bundle.version,
            bundle.manifest.kind,
            load_seconds,
            "on" if batcher else "off",
        )
        try:
            yield
        finally:
            app.state.ready = False
            if batcher is not None:
                await batcher.stop()
            inference.close()
            store.close()
            Metrics.process_exiting()

    return lifespan


# The routes whose body is one article: the guard refuses a body over
# Settings.max_article_request_bytes on them before it is parsed (every other POST is a batch).
ONE_ARTICLE_ROUTES = ("/v1/tag", "/v1/summarize", "/v1/analyze", "/v1/feedback")


def _add_routes(app: FastAPI) -> None:
    app.include_router(health.router)
    v1 = APIRouter(
        prefix="/v1",
        dependencies=[Depends(documented_api_key)],
        responses=error_responses(*CALL_ERRORS),
    )
    for module in (tag, summarize, models, feedback):
        # models is GET-only: no body, so none of the body's refusals
        body_errors = error_responses(*BODY_ERRORS) if module is not models else None
        v1.include_router(module.router, responses=body_errors)
    app.include_router(v1)

    @app.get("/", include_in_schema=False)
    async def editor_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Outermost last: metrics see every answer, including the guard's 401/413/415 and the
    limits' 503/504; the guard refuses bad requests before they take a place in flight."""
    app.add_middleware(
        LimitsMiddleware,
        max_in_flight=settings.max_in_flight,
        retry_after_s=settings.retry_after_s,
        timeout_s=settings.request_timeout_s,
    )
    one_article = settings.max_article_request_bytes
    app.add_middleware(
        GuardMiddleware,
        api_keys=settings.api_keys,
        max_request_bytes=settings.max_request_bytes,
        route_limits={path: one_article for path in ONE_ARTICLE_ROUTES},
        limits=BodyLimits(settings.max_text_chars, settings.max_batch_articles),
    )
    endpoints = {*app.openapi()["paths"], "/", "/metrics", "/docs", "/redoc", "/openapi.json"}
    app.add_middleware(MetricsMiddleware, metrics=metrics, endpoints=frozenset(endpoints))


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory tinbai.service.api.app:app_from_env`` and each worker of ``tinbai
    serve --workers N``: settings from TINBAI_* (and the file TINBAI_ENV_FILE names)."""
    return create_app(get_settings(os.environ.get("TINBAI_ENV_FILE") or None))
