"""Service settings: environment variables (``TINBAI_*``) and an optional ``.env``-style file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from model.paths import DEFAULT_BUNDLE_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TINBAI_", env_file=None, extra="ignore")

    bundle: Path = Field(DEFAULT_BUNDLE_DIR, description="model bundle directory to serve")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_text_chars: int = Field(200_000, ge=1, description="longest article text accepted")


def get_settings(env_file: str | None = None) -> Settings:
    """Build settings once, at start-up (never at import time)."""
    return Settings(_env_file=env_file) if env_file else Settings()
