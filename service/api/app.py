"""Application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from model.bundle import load_bundle
from service.api.routes import health, tag
from service.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Load the bundle before serving: a bundle that cannot load stops start-up (BundleError
    # names the path and the reason) instead of failing every request later.
    bundle = load_bundle(settings.bundle)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield

    app = FastAPI(title="tinbai", version="0.1.0", lifespan=lifespan,
                  description="Topic and campaign tagging and summaries for Vietnamese news.")
    app.state.settings = settings
    app.state.bundle = bundle
    app.include_router(health.router)
    app.include_router(tag.router, prefix="/v1")
    return app
