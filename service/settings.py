"""Service settings: environment variables (``TINBAI_*``) and an optional ``.env``-style file.

Built once in ``create_app()`` / ``tinbai serve`` (never at import time) and validated there, so
a typo in a limit stops start-up instead of surfacing on the first request. API keys are
``SecretStr``: they never appear in a repr, a log line or ``/v1/models``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from tinbai.model.paths import DEFAULT_BUNDLE_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TINBAI_", env_file=None, extra="ignore")

    bundle: Path = Field(DEFAULT_BUNDLE_DIR, description="model bundle directory to serve")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    # Limits: bad input gets a clear 413/422, never a 500 or an out-of-memory.
    max_text_chars: int = Field(200_000, ge=1, description="longest article text accepted")
    max_batch_articles: int = Field(64, ge=1, description="most articles per /v1/tag/batch call")
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="largest request body")

    # Load: at most max_in_flight /v1/* requests at once (beyond: 503 + Retry-After), each
    # answered within request_timeout_s (else 504); CPU work runs in inference_threads worker
    # threads, never on the event loop; shutdown waits at most graceful_shutdown_s for requests.
    max_in_flight: int = Field(64, ge=1, description="/v1/* requests handled at once")
    retry_after_s: int = Field(1, ge=1, le=3600, description="Retry-After of an overload 503")
    request_timeout_s: float = Field(30.0, gt=0, le=3600, description="deadline per request")
    inference_threads: int = Field(4, ge=1, le=64, description="worker threads for model calls")
    graceful_shutdown_s: float = Field(10.0, ge=0, le=3600, description="shutdown grace period")

    # Micro-batching of concurrent tag calls: worth it for transformer bundles, whose cost per
    # call is dominated by a forward pass that batches well. "auto" turns it on for those kinds.
    micro_batching: Literal["auto", "on", "off"] = "auto"
    micro_batch_kinds: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["phobert"])
    max_batch_size: int = Field(16, ge=1, le=1024)
    max_wait_ms: float = Field(5.0, ge=0, le=1000)
    micro_batch_workers: int = Field(1, ge=1, le=8, description="batches in flight at once")

    # Word-segment (underthesea) the whole article up front, once, and share it with the tagger
    # and the summariser. Off by default: segmentation is the slowest step, the classical kind
    # and today's summarisers read no segmented words, and the PhoBERT tagger segments only the
    # prefix its windows reach. Either way nothing is segmented twice in one request.
    presegment: bool = False

    # Access: with keys set, every /v1/* call needs one in X-API-Key (comma-separated in env).
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)

    # Editor feedback store: any SQLAlchemy URL (sqlite:///path.db, postgresql+psycopg://…).
    database_url: str = "sqlite:///tinbai-feedback.db"

    @field_validator("api_keys", "micro_batch_kinds", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def max_article_request_bytes(self) -> int:
        """The largest body a one-article route (tag, summarize, analyze, feedback) reads: a
        title and a text of ``max_text_chars`` characters each, every character sent as the
        longest JSON escape there is (12 bytes, a surrogate pair), and 64 KiB for the rest.
        A bigger body cannot hold an article the route would accept, so it is refused before
        it is parsed: parsing a 16 MiB body held the event loop for about 170 ms."""
        return min(self.max_request_bytes, 2 * 12 * self.max_text_chars + 64 * 1024)

    def micro_batching_for(self, kind: str) -> bool:
        if self.micro_batching == "auto":
            return kind in self.micro_batch_kinds
        return self.micro_batching == "on"


def get_settings(env_file: str | None = None) -> Settings:
    """Build settings once, at start-up (never at import time). Environment variables win over
    the file."""
    return Settings(_env_file=env_file) if env_file else Settings()
