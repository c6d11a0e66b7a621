"""Campaign tagging on the training labels, cross-validated: the figures behind the thresholds.

Prints (1) micro and per-campaign precision / recall / F1 of the theme model's
cross-validated decisions, (2) the reliability table and expected calibration error of its
scores before and after isotonic calibration, (3) the per-campaign thresholds, and (4) the
leave-one-campaign-out table: each campaign tagged from its YAML entry alone, by a model
trained without its labels. Reads the labels and recipe of ``configs/default.yaml``; texts
from ../shared. dev_gold is not used here (``tinbai evaluate campaigns`` reports it).

    python bench/bench_campaigns.py [--config configs/default.yaml] [--no-loco] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinbai.model.classical.topic import TopicClassifier  # noqa: E402
from tinbai.model.paths import DEFAULT_BUNDLE_DIR  # noqa: E402
from tinbai.model.taxonomy import load_taxonomy  # noqa: E402
from tinbai.training.build import topic_probability_fn  # noqa: E402
from tinbai.training.campaigns import (  # noqa: E402
    join_texts,
    leave_one_campaign_out,
    read_label_files,
    train_campaign_detector,
)
from tinbai.training.config import load_config  # noqa: E402


def table(title: str, per: dict, extra: str = "") -> None:
    print(f"\n{title}")
    print(f"{'campaign':26} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {extra}")
    for cid, m in per.items():
        tail = f"{m[extra]:>9}" if extra else ""
        p, r, f = m["precision"], m["recall"], m["f1"]
        print(f"{cid:26} {p:6.3f} {r:6.3f} {f:6.3f} {m['support']:8d} {tail}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--no-loco", action="store_true", help="skip leave-one-campaign-out")
    ap.add_argument("--json", type=Path, help="also write every figure as JSON here")
    args = ap.parse_args()
    config = load_config(args.config)
    taxonomy = load_taxonomy(config.taxonomy_path())
    t0 = time.time()
    articles = join_texts(read_label_files(config.label_paths()))
    probs = topic_probability_fn(TopicClassifier.load(DEFAULT_BUNDLE_DIR))
    detector, report = train_campaign_detector(
        config.campaigns, articles, taxonomy, config.seed, probs
    )
    cv = report["cv"]
    print(
        f"{len(articles)} labelled articles, {report['candidates']} candidates, "
        f"{report['gold_tags_without_cue']} gold tags without a cue (misses)"
    )
    print(f"cross-validated micro: P {cv['precision']:.3f} R {cv['recall']:.3f} F1 {cv['f1']:.3f}")
    table("per campaign (cross-validated)", cv["per_campaign"])
    for name in ("calibration_raw", "calibration"):
        cal = report[name]
        print(f"\n{name}: ECE {cal['ece']:.4f}")
        for row in cal["table"]:
            print(
                f"  {row['bin']}  n={row['n']:5d}  mean score {row['mean_score']:.3f}  "
                f"precision {row['precision']:.3f}"
            )
    print("\nthresholds:", json.dumps(detector.thresholds))
    out = {"report": report, "thresholds": detector.thresholds}
    if not args.no_loco:
        loco = leave_one_campaign_out(config.campaigns, articles, taxonomy, config.seed, probs)
        m = loco["micro"]
        table("leave-one-campaign-out (YAML only)", loco["per_campaign"], "threshold")
        print(f"LOCO micro: P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")
        out["loco"] = loco
    print(f"\n{time.time() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
