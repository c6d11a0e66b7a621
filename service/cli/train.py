"""``tinbai train --config FILE``: (re)build a bundle from a YAML recipe."""

from __future__ import annotations

import argparse
from pathlib import Path

from tinbai.service.cli.common import UserError, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a bundle from a YAML config (configs/*.yaml)")
    p.add_argument("--config", required=True, help="training recipe, e.g. configs/default.yaml")
    p.add_argument("-o", "--output", help="bundle directory (default: the config's 'output')")
    p.add_argument(
        "--force",
        action="store_true",
        help="allow writing over the shipped default bundle (default: refuse unless -o names it)",
    )
    p.set_defaults(run=run)


def check_not_shipped(config_output: Path, args: argparse.Namespace) -> None:
    """Refuse to replace the bundle tinbai ships because a recipe's ``output`` names it: that
    takes ``-o`` naming it or ``--force`` (``make train`` passes it)."""
    from tinbai.model.files import same_file
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    if args.output or args.force or not same_file(config_output, DEFAULT_BUNDLE_DIR):
        return
    raise UserError(
        f"{args.config} writes the shipped default bundle ({DEFAULT_BUNDLE_DIR}); "
        "pass --force to replace it, or -o DIR to write another bundle"
    )


def run(args: argparse.Namespace) -> int:
    from tinbai.model.bundle import read_manifest
    from tinbai.training.build import train
    from tinbai.training.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    check_not_shipped(config.output_dir(), args)
    from tinbai.model.files import FileError
    from tinbai.model.phobert import MissingWeightsError

    try:
        out = train(config, Path(args.output) if args.output else None)
    except (ConfigError, MissingWeightsError) as exc:
        raise UserError(str(exc)) from None
    except FileNotFoundError as exc:
        raise UserError(f"training data not found: {exc.filename}") from None
    except FileError as exc:
        raise UserError(f"training data {exc}") from None
    print_json({"bundle": str(out), "metrics": read_manifest(out).metrics})
    return 0
