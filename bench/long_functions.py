"""The longest functions of model/, training/, service/ (lines, def to last line), longest
first: ``python bench/long_functions.py [--top 5] [--over 60]``."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lengths() -> list[tuple[int, str]]:
    out = []
    for layer in ("model", "training", "service"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    size = node.end_lineno - node.lineno + 1
                    out.append((size, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(out, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--over", type=int, default=None, help="list every function over N")
    args = parser.parse_args()
    rows = lengths()
    shown = [r for r in rows if r[0] > args.over] if args.over else rows[: args.top]
    for size, where in shown:
        print(f"{size:5d}  {where}")


if __name__ == "__main__":
    main()
