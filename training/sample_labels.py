"""Reproducible sampling of training articles to hand-label for campaign tags.

Labels are only as useful as the articles they cover. Random news rarely names a campaign, so
the sample is stratified by what the cue matcher finds (the same pipeline the product runs):

- per campaign, the articles that name it most strongly (title / lead / many cue sentences),
  where the positives are, up to ``strong`` of them;
- per campaign, articles that name it once in the body: the hard negatives (passing
  mentions, lists of programmes, cue words in another sense), up to ``weak``;
- per campaign, articles with its subject vocabulary but no cue: the misses a cue list lacks;
- random articles of the whole pool.

Already-labelled ids are skipped, so the script can grow the label set. Run it with
``python -m tinbai.training.sample_labels -o OUT.jsonl``; the output holds ids and why each was
picked (no texts: those stay in ``../shared``).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinbai.model.campaigns.matcher import CueMatcher
from tinbai.model.files import atomic_output
from tinbai.model.taxonomy import Taxonomy, campaign_pattern, load_taxonomy
from tinbai.model.text import prepare
from tinbai.training.campaigns import SOURCES, read_label_files
from tinbai.training.config import resolve_data
from tinbai.training.data import read_rows


@dataclass
class Candidate:
    source: str
    id: str
    strength: dict[str, int]  # campaign → cue strength (0: related vocabulary only)


def article_text(row: dict) -> str:
    """VietNews keeps its lead (sapo) apart from the body; labellers read both."""
    return (row["summary"] + "\n" + row["text"]) if row.get("summary") else row["text"]


def scan(taxonomy: Taxonomy, sources: dict[str, str]) -> Iterator[Candidate]:
    """Every article of the training splits with its per-campaign cue strength."""
    matcher = CueMatcher(taxonomy)
    related = {c.id: campaign_pattern(c.related) for c in taxonomy.campaigns if c.related}
    for source, rel in sources.items():
        for row in read_rows(resolve_data(rel)):
            if not (row.get("text") or "").strip():
                continue
            doc = prepare(article_text(row), row.get("title"))
            strength = {}
            for cid, h in matcher.match(doc).items():
                lead = sum(n for i, n in h.sentence_cues.items() if i < 2)
                strength[cid] = 3 * h.title_cues + 2 * lead + len(h.sentence_cues)
            low = (doc.title + "\n" + "\n".join(s.text for s in doc.sentences)).lower()
            for cid, pat in related.items():
                if cid not in strength and len(pat.findall(low)) >= 2:
                    strength[cid] = 0
            yield Candidate(source, row["id"], strength)


def sample(
    candidates: list[Candidate],
    campaign_ids: list[str],
    *,
    strong: int,
    weak: int,
    related_only: int,
    random_n: int,
    seed: int,
) -> list[dict]:
    rng = random.Random(seed)
    picked: dict[tuple[str, str], str] = {}

    def take(pool: list[Candidate], n: int, why: str) -> None:
        pool = [c for c in pool if (c.source, c.id) not in picked]
        for c in pool[:n]:
            picked[(c.source, c.id)] = why

    for cid in campaign_ids:
        with_cue = [c for c in candidates if c.strength.get(cid, 0) > 0]
        rng.shuffle(with_cue)
        with_cue.sort(key=lambda c: -c.strength[cid])
        take([c for c in with_cue if c.strength[cid] >= 3], strong, f"strong:{cid}")
        weak_pool = [c for c in with_cue if c.strength[cid] < 3]
        rng.shuffle(weak_pool)
        take(weak_pool, weak, f"weak:{cid}")
        rel_pool = [c for c in candidates if c.strength.get(cid) == 0]
        rng.shuffle(rel_pool)
        take(rel_pool, related_only, f"related:{cid}")
    everyone = list(candidates)
    rng.shuffle(everyone)
    take(everyone, random_n, "random")
    rows = [{"source": s, "id": i, "picked": why} for (s, i), why in picked.items()]
    rng.shuffle(rows)  # labellers should not see the strata in order
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--taxonomy", type=Path, default=None)
    p.add_argument(
        "--labels", type=Path, nargs="*", default=[Path("training/labels/campaigns_train.jsonl")]
    )
    p.add_argument("--strong", type=int, default=70)
    p.add_argument("--weak", type=int, default=60)
    p.add_argument("--related-only", type=int, default=25)
    p.add_argument("--random", type=int, default=500)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else load_taxonomy()
    done = {(r.get("source"), r["id"]) for r in read_label_files(args.labels)}
    candidates = [c for c in scan(taxonomy, SOURCES) if (c.source, c.id) not in done]
    rows = sample(
        candidates,
        taxonomy.campaign_ids,
        strong=args.strong,
        weak=args.weak,
        related_only=args.related_only,
        random_n=args.random,
        seed=args.seed,
    )
    with atomic_output(args.output, compress=False) as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} articles sampled from {len(candidates)} unlabelled → {args.output}")


if __name__ == "__main__":
    main()
