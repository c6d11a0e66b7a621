"""Throughput and peak memory of PhoBERT-size inference on this CPU (run by hand).

One run compares, at 256 tokens with a PhoBERT-base-sized RoBERTa (random weights: speed does
not depend on them) and PhoBERT's real tokenizer:

  pipeline    transformers ``pipeline("text-classification")``, fp32, truncation at 256
  torch       this project's PhobertTagger, PyTorch fp32, one 256-token window per article
  onnx-int8   the same tagger on ``onnx/model.int8.onnx`` (ORT dynamic int8)
  (onnx-int8-4w: the bundle's serving default, up to 4 overlapping windows per article)

Each variant runs in its own process, so its peak RSS (ru_maxrss) is its own. Articles are
VNTC dev articles segmented once beforehand, so every variant times tokenisation + model only
(segmentation costs the same for all: ~40-70 articles/s with underthesea).

    TINBAI_SHARED_DIR=../shared python bench/bench_phobert.py --articles 96 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BASE = {
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
}
TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}
VARIANTS = ("pipeline", "torch", "onnx-int8", "onnx-int8-4w")


def make_random_bundle(directory: Path, encoder: dict, max_length: int = 256) -> Path:
    """A phobert bundle with random weights and PhoBERT's real tokenizer (no training)."""
    import numpy as np
    import torch
    from tinbai.model.bundle import BundleManifest, write_manifest
    from tinbai.model.campaigns import CampaignDetector, ThemeModel
    from tinbai.model.campaigns.features import FeatureSpec
    from tinbai.model.paths import SHARED_DIR
    from tinbai.model.phobert.inputs import WindowSpec, install_tokenizer, load_tokenizer
    from tinbai.model.phobert.modeling import TwoHeadModel, random_encoder
    from tinbai.model.phobert.tagger import ENCODER_DIR, TOKENIZER_DIR, write_tagger_config
    from tinbai.model.taxonomy import load_taxonomy

    torch.manual_seed(0)
    taxonomy = load_taxonomy()
    install_tokenizer(SHARED_DIR / "phobert-tokenizer", directory / TOKENIZER_DIR)
    tok = load_tokenizer(directory / TOKENIZER_DIR)
    cfg = {
        "vocab_size": len(tok),
        "max_position_embeddings": max_length + 2,
        "pad_token_id": tok.pad_token_id,
        "type_vocab_size": 1,
        **encoder,
    }
    model = TwoHeadModel(random_encoder(cfg), len(taxonomy.topic_ids), len(taxonomy.campaign_ids))
    model.save(directory / ENCODER_DIR)
    spec = FeatureSpec(("base", "structure"))
    k = len(spec.names)
    theme = ThemeModel(spec, np.zeros(k), 0.0, np.zeros(k), np.ones(k))
    CampaignDetector(taxonomy, theme, {}).save(directory)
    write_tagger_config(directory, WindowSpec(max_length, 64, 4), "mean", 16, None)
    manifest = BundleManifest(
        kind="phobert",
        name="bench-random",
        version="0",
        taxonomy_fingerprint=taxonomy.fingerprint(),
        labels={"topics": taxonomy.topic_ids, "campaigns": taxonomy.campaign_ids},
        thresholds={c: 0.5 for c in taxonomy.campaign_ids},
    )
    write_manifest(directory, manifest, taxonomy)
    return directory


def segmented_articles(n: int) -> list[str]:
    from tinbai.model.paths import SHARED_DIR
    from tinbai.model.phobert.inputs import model_text
    from tinbai.model.text import prepare
    from tinbai.training.data import read_rows

    rows = read_rows(SHARED_DIR / "data" / "vntc" / "dev.jsonl.gz", limit=n)
    return [model_text(prepare(r["text"], r.get("title")), 6000) for r in rows]


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_variant(variant: str, bundle: Path, texts: list[str], threads: int, batch: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    rss_start = _rss_mb()
    if variant == "pipeline":
        from tinbai.model.phobert.inputs import load_tokenizer
        from transformers import RobertaConfig, RobertaForSequenceClassification, pipeline

        cfg = RobertaConfig.from_json_file(str(bundle / "encoder" / "config.json"))
        cfg.num_labels = 10
        model = RobertaForSequenceClassification(cfg).eval()
        tok = load_tokenizer(bundle / "tokenizer")
        tok.model_max_length = 256
        clf = pipeline("text-classification", model=model, tokenizer=tok, device=-1)

        def call(xs: list[str]) -> None:
            clf(xs, batch_size=batch, truncation=True, max_length=256)
    else:
        from tinbai.model.bundle import load_bundle

        backend = "torch" if variant == "torch" else "onnx"
        windows = 4 if variant.endswith("4w") else 1
        tagger = load_bundle(
            bundle, backend=backend, threads=threads, max_windows=windows, batch_size=batch
        ).tagger

        def call(xs: list[str]) -> None:
            tagger.logits(xs)

    call(texts[:batch])  # warm-up (graph optimisation, allocator)
    t0 = time.perf_counter()
    call(texts)
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "variant": variant,
        "articles": len(texts),
        "seconds": round(seconds, 2),
        "docs_per_s": round(len(texts) / seconds, 2),
        "peak_rss_mb": round(rss_mb),
        "rss_before_model_mb": round(rss_start),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=96)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument(
        "--bundle",
        default="/tmp/tinbai-bench-base",
        help="random base-size bundle (made if absent)",
    )
    ap.add_argument(
        "--tiny", action="store_true", help="a tiny encoder: checks the script, not speed"
    )
    ap.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # child process
    ap.add_argument("--texts", help=argparse.SUPPRESS)
    args = ap.parse_args()
    bundle = Path(args.bundle)

    if args.variant:
        texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
        print(json.dumps(run_variant(args.variant, bundle, texts, args.threads, args.batch)))
        return 0

    if not (bundle / "bundle.json").is_file():
        t0 = time.time()
        make_random_bundle(bundle, TINY if args.tiny else BASE)
        print(f"made random base-size bundle in {time.time() - t0:.0f}s", file=sys.stderr)
    if not (bundle / "onnx" / "model.int8.onnx").is_file():
        t0 = time.time()
        subprocess.run(
            [sys.executable, "-m", "tinbai.service.cli", "export-onnx", str(bundle)],
            cwd=REPO,
            check=True,
        )
        print(f"exported ONNX + int8 in {time.time() - t0:.0f}s", file=sys.stderr)
    texts_file = bundle.parent / (bundle.name + "-texts.json")
    texts = segmented_articles(args.articles)
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")

    results = []
    for variant in VARIANTS:
        cmd = [
            sys.executable,
            __file__,
            "--variant",
            variant,
            "--bundle",
            str(bundle),
            "--texts",
            str(texts_file),
            "--threads",
            str(args.threads),
            "--batch",
            str(args.batch),
        ]
        out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr)
    base = next(r["docs_per_s"] for r in results if r["variant"] == "pipeline")
    print(
        f"\n{'variant':<14}{'docs/s':>8}{'× pipeline':>12}{'peak RSS MB':>13}{'RSS pre-model':>15}"
    )
    for r in results:
        print(
            f"{r['variant']:<14}{r['docs_per_s']:>8.2f}{r['docs_per_s'] / base:>12.2f}"
            f"{r['peak_rss_mb']:>13}{r['rss_before_model_mb']:>15}"
        )
    sizes = {
        p.name: round(p.stat().st_size / 2**20) for p in sorted((bundle / "onnx").glob("*.onnx"))
    }
    print(
        f"\narticles {args.articles}, threads {args.threads}, batch {args.batch}; onnx MB {sizes}"
    )
    print("load:", os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
