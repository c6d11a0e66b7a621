"""``tinbai serve [--host H] [--port P] [--model DIR]``: the HTTP API under uvicorn."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (default 127.0.0.1:8000)")
    p.add_argument("--host", help="interface to bind (default from TINBAI_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from TINBAI_PORT or 8000)")
    p.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    p.add_argument("--env-file", help="settings file (KEY=value lines, TINBAI_ prefix)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from model.bundle import BundleError
    from service.api import create_app
    from service.cli.common import UserError
    from service.settings import get_settings

    settings = get_settings(args.env_file)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port), ("bundle", args.model)) if v}
    settings = settings.model_copy(update=overrides)
    try:
        app = create_app(settings)
    except BundleError as exc:
        raise UserError(f"cannot start: {exc}") from None
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0
