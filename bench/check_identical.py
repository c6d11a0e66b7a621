"""Are ``tinbai tag`` / ``tinbai summarize`` outputs byte-identical to a base revision's?

Runs both commands on the first N rows of a JSONL(.gz) file with this checkout, and with a git
revision checked out by ``git worktree add`` into a temporary folder (its references are kept
under ``--cache`` so a second run does not recompute them), and prints ``OK`` / ``DIFF`` per
command; the exit status is 1 when any differs. A refactor that must not change behaviour is
checked with::

    python bench/check_identical.py --base 6df243b            # 2000 rows of vntc dev
    python bench/check_identical.py --base 6df243b --rows 200 # quicker
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: dict[str, list[str]] = {
    "tag": ["tag", "--ranking"],
    "summarize": ["summarize"],
}


def head(source: Path, rows: int, target: Path) -> None:
    """The first ``rows`` lines of a JSONL(.gz) file, as plain JSONL."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as src, open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i >= rows:
                break
            out.write(line)


def run_all(checkout: Path, data: Path, out_dir: Path, model: Path | None = None) -> None:
    """Every command of :data:`COMMANDS`, run from ``checkout`` with its own code (and
    ``model``, when given, instead of each revision's shipped bundle); the exit status goes
    beside each output (``summarize`` exits 1 when some rows fail)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(checkout))
    env.setdefault("TINBAI_SHARED_DIR", str(ROOT.parent / "shared"))
    for name, args in COMMANDS.items():
        cmd = [sys.executable, "-m", "tinbai.service.cli", *args, str(data)]
        cmd += ["--model", str(model), "-o"] if model else ["-o"]
        done = subprocess.run([*cmd, str(out_dir / f"{name}.jsonl")], cwd=checkout, env=env)
        (out_dir / f"{name}.rc").write_text(f"{done.returncode}\n")


def references(base: str, data: Path, cache: Path, model: Path | None = None) -> Path:
    """Outputs of revision ``base`` (kept in ``cache``, keyed by the resolved commit)."""
    commit = subprocess.run(
        ["git", "rev-parse", base], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    tag = f"-{hashlib.sha256(str(model.resolve()).encode()).hexdigest()[:8]}" if model else ""
    out_dir = cache / f"{commit[:12]}-{data.stat().st_size}{tag}"
    if all((out_dir / f"{name}.rc").is_file() for name in COMMANDS):
        return out_dir
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True
        )
        try:
            run_all(tree, data, out_dir, model)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True
            )
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision giving the reference outputs")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument(
        "--input", type=Path, default=ROOT.parent / "shared" / "data" / "vntc" / "dev.jsonl.gz"
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".identical-cache")
    parser.add_argument(
        "--model",
        type=Path,
        help="one bundle for both revisions (code identity when the shipped bundle changed)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "input.jsonl"
        head(args.input, args.rows, data)
        ref = references(args.base, data, args.cache, args.model)
        now = Path(tmp) / "now"
        run_all(ROOT, data, now, args.model)
        differ = False
        for name in COMMANDS:
            same = all(
                (ref / f"{name}{ext}").read_bytes() == (now / f"{name}{ext}").read_bytes()
                for ext in (".jsonl", ".rc")
            )
            differ |= not same
            print(f"{name}: {'OK' if same else 'DIFF'}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
