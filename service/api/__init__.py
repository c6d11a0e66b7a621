"""The FastAPI application: ``create_app(settings)`` builds it; nothing happens at import."""

from tinbai.service.api.app import create_app

__all__ = ["create_app"]
