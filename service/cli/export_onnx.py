"""``tinbai export-onnx BUNDLE``: add an ONNX graph and its int8 copy to a PhoBERT bundle."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from tinbai.service.cli.common import UserError, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-onnx", help="write onnx/model.onnx and onnx/model.int8.onnx into a phobert bundle"
    )
    p.add_argument("bundle", help="phobert bundle directory")
    p.add_argument(
        "--no-int8", action="store_true", help="skip the dynamically quantised int8 copy"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinbai.model.bundle import BundleError, read_manifest, record_checksums

    bundle = Path(args.bundle)
    try:
        manifest = read_manifest(bundle)
    except BundleError as exc:
        raise UserError(str(exc)) from None
    if manifest.kind != "phobert":
        raise UserError(
            f"{bundle}: a {manifest.kind} bundle has nothing to export (phobert bundles only)"
        )
    from tinbai.model.phobert.modeling import TwoHeadModel
    from tinbai.model.phobert.runtime import ONNX_DIR, export_onnx
    from tinbai.model.phobert.tagger import ENCODER_DIR

    if not args.verbose:  # the exporter and quantiser log every graph pass at INFO
        logging.getLogger().setLevel(logging.WARNING)
    t0 = time.time()
    try:
        model = TwoHeadModel.load(bundle / ENCODER_DIR)
    except BundleError as exc:
        raise UserError(str(exc)) from None
    paths = export_onnx(model, bundle / ONNX_DIR, quantize=not args.no_int8)
    record_checksums(bundle)  # the graphs are bundle files too: verified at load from now on
    print_json(
        {
            name: {"path": str(p), "mb": round(p.stat().st_size / 2**20, 1)}
            for name, p in paths.items()
        }
        | {"seconds": round(time.time() - t0, 1)}
    )
    return 0
