"""``tinbai serve [--host H] [--port P] [--model DIR]``: the HTTP API under uvicorn."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (default 127.0.0.1:8000)")
    p.add_argument("--host", help="interface to bind (default from TINBAI_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from TINBAI_PORT or 8000)")
    p.add_argument(
        "--model", help="bundle directory (default: TINBAI_BUNDLE or the shipped bundle)"
    )
    p.add_argument("--env-file", help="settings file (KEY=value lines, TINBAI_ prefix)")
    p.add_argument(
        "--micro-batching",
        choices=("auto", "on", "off"),
        help="batch concurrent tag calls (default: auto = on for transformer bundles)",
    )
    p.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port, each with its own copy of the bundle; every "
        "worker reads the same settings and API keys (feedback: one shared database)",
    )
    p.set_defaults(run=run)


@contextmanager
def shared_metrics_dir() -> Iterator[None]:
    """A fresh folder where the workers write their metrics (prometheus_client's multiprocess
    mode), so that ``/metrics`` from any worker counts the whole host; removed afterwards. A
    ``PROMETHEUS_MULTIPROC_DIR`` the operator set is used as it is, and kept."""
    from tinbai.service.api.metrics import MULTIPROCESS_DIR

    if os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    folder = tempfile.mkdtemp(prefix="tinbai-metrics-")
    os.environ[MULTIPROCESS_DIR] = folder  # inherited by the workers, read at their import
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError
    from tinbai.model.bundle import BundleError
    from tinbai.model.reporting import describe_errors
    from tinbai.model.yamlfile import ConfigError
    from tinbai.service.api import create_app
    from tinbai.service.cli.common import UserError
    from tinbai.service.feedback.store import FeedbackStoreError
    from tinbai.service.settings import Settings, get_settings

    try:
        settings = get_settings(args.env_file)
        overrides = {
            k: v
            for k, v in (
                ("host", args.host),
                ("port", args.port),
                ("bundle", args.model),
                ("micro_batching", args.micro_batching),
            )
            if v is not None
        }
        settings = Settings.model_validate({**settings.model_dump(), **overrides})
    except ValidationError as exc:
        raise UserError(f"invalid settings: {describe_errors(exc)}") from None
    if args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    try:
        app = create_app(settings)
    except (BundleError, FeedbackStoreError, ConfigError) as exc:
        raise UserError(f"cannot start: {exc}") from None
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": not args.no_access_log,
        # On SIGTERM, requests in flight get this long to finish; then they are cancelled.
        "timeout_graceful_shutdown": settings.graceful_shutdown_s,
    }
    if args.workers > 1:
        # Each worker builds its own app from the environment: the CLI's overrides and the
        # settings file travel there (CLI > environment > file, as in one process). The app
        # built above only proved the settings and the bundle load; it is dropped here.
        del app
        for key, value in overrides.items():
            os.environ[f"TINBAI_{key.upper()}"] = str(value)
        if args.env_file:
            os.environ["TINBAI_ENV_FILE"] = os.path.abspath(args.env_file)
        with shared_metrics_dir():
            uvicorn.run(
                "tinbai.service.api.app:app_from_env", factory=True, workers=args.workers, **common
            )
        return 0
    # uvicorn's access log prints the request line only; headers (X-API-Key) are never logged.
    uvicorn.run(app, **common)
    return 0
