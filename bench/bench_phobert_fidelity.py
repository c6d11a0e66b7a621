"""Does ONNX Runtime int8 tag like PyTorch fp32? Run by hand on a trained phobert bundle.

Scores every VNTC dev article with both backends of the same bundle (same windows, same
aggregation) and reports top-topic agreement, the largest topic-probability difference and
each backend's dev accuracy and speed. Exports the ONNX graphs first when the bundle lacks them.
Segmented dev texts come from the training cache (``datasets``), so a bundle trained on this
machine is scored without segmenting again.

    tinbai train --config configs/phobert-small.yaml -o /tmp/tinbai-phobert-small
    TINBAI_SHARED_DIR=../shared python bench/bench_phobert_fidelity.py /tmp/tinbai-phobert-small
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def dev_texts(bundle: Path, limit: int | None) -> tuple[list[str], list[str]]:
    from tinbai.model.bundle import read_manifest
    from tinbai.model.phobert.inputs import MERGES_FILE, VOCAB_FILE, WindowSpec, load_tokenizer
    from tinbai.training.config import parse_config, resolve_data
    from tinbai.training.data import fingerprint_files
    from tinbai.training.phobert import cache_root, load_topic_split, phobert_config

    manifest = read_manifest(bundle)
    config = parse_config(manifest.training["config"])
    cfg = phobert_config(config)
    window = json.loads((bundle / "phobert.json").read_text(encoding="utf-8"))["window"]
    tok_dir = bundle / "tokenizer"
    ds = load_topic_split(
        resolve_data(config.topics.dev),
        load_tokenizer(tok_dir),
        fingerprint_files([tok_dir / VOCAB_FILE, tok_dir / MERGES_FILE]),
        max_chars=WindowSpec(**window).char_budget(),
        limit=None,
        seed=config.seed,
        cache=cache_root(cfg),
        num_proc=1,
    )
    texts, gold = list(ds["model_text"]), list(ds["topic"])
    return (texts[:limit], gold[:limit]) if limit else (texts, gold)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("bundle")
    ap.add_argument("--limit", type=int, help="first N dev articles only")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    bundle = Path(args.bundle)

    from tinbai.model.bundle import load_bundle

    if not (bundle / "onnx" / "model.int8.onnx").is_file():
        subprocess.run(
            [sys.executable, "-m", "tinbai.service.cli", "export-onnx", str(bundle)],
            cwd=REPO,
            check=True,
        )
    texts, gold = dev_texts(bundle, args.limit)
    out: dict = {"articles": len(texts)}
    probs = {}
    for backend in ("torch", "onnx"):
        tagger = load_bundle(bundle, backend=backend, threads=args.threads).tagger
        t0 = time.perf_counter()
        topic_logits, _ = tagger.logits(texts)
        seconds = time.perf_counter() - t0
        z = topic_logits - topic_logits.max(1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        probs[tagger.backend] = p
        labels = tagger.topic_labels
        acc = float(np.mean([labels[i] == g for i, g in zip(p.argmax(1), gold, strict=True)]))
        out[tagger.backend] = {
            "accuracy": round(acc, 4),
            "docs_per_s": round(len(texts) / seconds, 1),
        }
    ref, q = probs["torch"], probs["onnx-int8"]
    diff = np.abs(ref - q)
    top_ref = ref.argmax(1)
    out["top_topic_agreement"] = round(float(np.mean(top_ref == q.argmax(1))), 5)
    out["max_abs_prob_diff"] = round(float(diff.max()), 5)
    out["max_abs_top_prob_diff"] = round(
        float(np.abs(ref.max(1) - q[np.arange(len(q)), top_ref]).max()), 5
    )
    out["mean_abs_prob_diff"] = round(float(diff.mean()), 6)
    out["load"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
