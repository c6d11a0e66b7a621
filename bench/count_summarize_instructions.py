"""Instructions per article of ``tinbai summarize``, counted by valgrind (deterministic).

    python bench/count_summarize_instructions.py [--articles 300] [--tree DIR] [--data FILE]

Wall clock on a shared machine is too noisy to tell a 10 % change from a busy neighbour;
instruction counts are not. Runs the command's own code path
(``service.cli.summarize.run``: read JSONL → prepare → score → select → write JSONL, as
``bench_summarize.py`` does) under ``valgrind --tool=cachegrind`` twice with
``PYTHONHASHSEED=0``: once on ``--articles`` rows, once stopping just before the command
(imports, the bundle load and writing the input file only), and prints the difference per
article. ``--tree``: the checkout whose
code is measured (default: this one), e.g. a ``git archive`` of a base revision, so two
revisions are compared with the same script. Slow (valgrind runs Python ~50× slower): about
a minute for 300 articles.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "vietnews" / "val.jsonl.gz"
_TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


def child(tree: Path, data: Path, articles: int, summarize: bool) -> None:
    """The measured process: write the input, load the bundle, and (``summarize``) run the
    command on it; the input and the bundle cost the same in both runs, so they cancel."""
    sys.path.insert(0, str(tree))
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        opener = gzip.open if data.suffix == ".gz" else open
        with opener(data, "rt", encoding="utf-8") as src, open(inp, "w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= articles:
                    break
                row = json.loads(line)
                keep = {"id": row.get("id"), "title": row.get("title"), "text": row["text"]}
                dst.write(json.dumps(keep, ensure_ascii=False) + "\n")
        import tinbai.service.cli.summarize as cli_summarize
        from tinbai.service.cli.common import get_bundle

        bundle = get_bundle(None)
        if not summarize:
            return
        cli_summarize.get_bundle = lambda _path: bundle
        ns = argparse.Namespace(
            input=str(inp),
            text=None,
            output=str(out),
            model=None,
            batch_size=256,
            sentences=3,
            max_chars=None,
            ratio=None,
        )
        code = cli_summarize.run(ns)
        rows = sum(1 for _ in open(out, encoding="utf-8"))
        if code != 0 or rows != articles:
            sys.exit(f"summarize exited {code} with {rows} of {articles} rows")


def count(tree: Path, data: Path, articles: int, summarize: bool) -> int:
    """Instructions valgrind counts for one :func:`child` run."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.setdefault("TINBAI_SHARED_DIR", str(ROOT.parent / "shared"))
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={Path(tmp) / 'cg.out'}",
            sys.executable,
            __file__,
            "--child",
            "summarize" if summarize else "load",
            "--tree",
            str(tree),
            "--data",
            str(data),
            "--articles",
            str(articles),
        ]
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"valgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    found = _TOTAL.findall(done.stderr)
    if not found:
        sys.exit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found[-1].replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout to measure")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSONL(.gz) input")
    ap.add_argument("--child", choices=("load", "summarize"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    tree = args.tree.resolve()
    if args.child:
        child(tree, args.data, args.articles, args.child == "summarize")
        return
    full = count(tree, args.data, args.articles, summarize=True)
    load = count(tree, args.data, args.articles, summarize=False)
    result = {
        "tree": str(tree),
        "articles": args.articles,
        "instructions_summarize_run": full,
        "instructions_load_only": load,
        "instructions_per_article_m": round((full - load) / max(args.articles, 1) / 1e6, 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
