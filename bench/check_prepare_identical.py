"""Are the text pipeline's outputs (``prepare``, ``clean_article``, ``normalize``) identical to a
base revision's?

    python bench/check_prepare_identical.py --base 2a3ad09             # 3000 vietnews val rows
    python bench/check_prepare_identical.py --base 2a3ad09 --generated 20000 --rows 0

Feeds the first ``--rows`` rows of a JSONL(.gz) file and ``--generated`` random hostile strings
(mixed tone-mark styles, every kind of whitespace, CR/LF, invisible characters, end marks,
abbreviations, quotes, chrome and by-line lines, long runs) through the pipeline with this
checkout and with ``--base`` checked out by ``git worktree add``, and compares every field of
every result (Document with its sentences, title, author, source; CleanedArticle with its
paragraphs and removed lines; normalize). Prints ``OK`` / ``DIFF`` per input set with the first
differing case; the exit status is 1 when any differs. Speed work on ``model/text`` must keep
this at ``OK``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in the checkout under test: only public names that the base revision has too.
DUMP = """
import dataclasses, json, sys
from tinbai.model.text import clean_article, normalize, prepare
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in src:
        text, title = json.loads(line)
        row = {
            "document": dataclasses.asdict(prepare(text, title)),
            "cleaned": dataclasses.asdict(clean_article(text, title)),
            "normalized": normalize(text),
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\\n")
"""

# Pieces the generator strings together: each one exercises a rule of model/text.
PIECES = [
    *"oaeuyOAEUYqQxđĐ",
    *[
        "oà",
        "oá",
        "Oả",
        "OÃ",
        "oẹ",
        "OÈ",
        "uỷ",
        "Uý",
        "UỸ",
        "quý",
        "Quỳ",
        "oÉ",
        "uÝ",
        "hoà",
        "thuý",
    ],
    *["o\u0300a", "o\u0301e", "u\u0309y", "a\u0301", "e\u0323\u0302", "\u0300"],
    *[" ", "  ", "\t", "\u00a0", "\u2003", "\u202f", "\u205f", "\u3000", " \t ", "\u1680"],
    *["\n", "\n\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029"],
    *["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"],
    *[".", "..", "...", "!", "?", "…", "?!", "/.", "./.", " ./.", ". /.", "./. ", "/"],
    *['"', "“", "”", "‘", "’", "(", ")", "[", "]", "-", "–", "—", "|", " |", ":"],
    *["TP.", "TP.HCM", "Th.", "Ng.", "PGS.", "TSKH.", "NXB.", "UBND.", "HĐND.", "Mr.", "no."],
    *["1.156", "15/5/2016", "05-CT/TW", "(SN 1994)", "12 lượt xem", "(1/2/2020 - 10:30)"],
    *["Tác giả: Nguyễn Văn A", "Nguồn: VnExpress", "nguồn tin : TTXVN", "PV: B", "Bài: C"],
    *["Ảnh: D", "(Ảnh minh họa)", "Xem thêm", "Tin liên quan", "Từ khóa: x, y", "© 2020"],
    *["Hà Nội", "Ông", "Bà", "Theo", "Đại", "Ông Trần", "Sáng nay", "8", "A."],
]


SEPARATORS = ["", " ", " ", " ", "\n"]


def generated(n: int, seed: int = 13) -> list[tuple[str, str | None]]:
    """``n`` random (text, title) pairs of 1–80 pieces; one in twenty has a long run."""
    rng = random.Random(seed)
    cases: list[tuple[str, str | None]] = []
    for i in range(n):
        # mostly one space between pieces, so that words, sentences and lines form
        text = "".join(
            rng.choice(PIECES) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 80))
        )
        if i % 20 == 0:
            run = rng.choice([" ", ".", "a", "oà", "\t", ". ", "\n", '"', "./.", "x."])
            text += run * rng.randint(100, 3000) + rng.choice(PIECES)
        title = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8))) or None
        cases.append((text, title))
    return cases


def corpus(source: Path, rows: int) -> list[tuple[str, str | None]]:
    """The (text, title) of the first ``rows`` rows of a JSONL(.gz) file."""
    opener = gzip.open if source.suffix == ".gz" else open
    cases: list[tuple[str, str | None]] = []
    with opener(source, "rt", encoding="utf-8") as src:
        for i, line in enumerate(src):
            if i >= rows:
                break
            row = json.loads(line)
            cases.append((row.get("text") or "", row.get("title")))
    return cases


def dump(checkout: Path, cases: Path, out: Path) -> None:
    """The pipeline's results for ``cases``, computed with ``checkout``'s code."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    env.setdefault("TINBAI_SHARED_DIR", str(ROOT.parent / "shared"))
    cmd = [sys.executable, "-c", DUMP, str(cases), str(out)]
    subprocess.run(cmd, cwd=checkout, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision giving the reference outputs")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument(
        "--input", type=Path, default=ROOT.parent / "shared" / "data/vietnews/val.jsonl.gz"
    )
    parser.add_argument("--generated", type=int, default=5000, help="random hostile strings")
    args = parser.parse_args(argv)
    sets = {"corpus": corpus(args.input, args.rows), "generated": generated(args.generated)}
    differ = False
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT, check=True
        )
        try:
            for name, cases in sets.items():
                if not cases:
                    continue
                inp = Path(tmp) / f"{name}.jsonl"
                inp.write_text(
                    "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), "utf-8"
                )
                dump(base, inp, Path(tmp) / f"{name}.base.jsonl")
                dump(ROOT, inp, Path(tmp) / f"{name}.now.jsonl")
                old = (Path(tmp) / f"{name}.base.jsonl").read_text("utf-8").splitlines()
                new = (Path(tmp) / f"{name}.now.jsonl").read_text("utf-8").splitlines()
                bad = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
                differ |= bool(bad)
                print(f"{name}: {'DIFF' if bad else 'OK'} ({len(cases)} cases, {len(bad)} differ)")
                if bad:
                    print(
                        f"  first: {cases[bad[0]]!r}\n  base: {old[bad[0]]}\n  now:  {new[bad[0]]}"
                    )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=True
            )
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
