"""The package's shape: no import cycles, and the layers import one way (README, Layout)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED_ARTICLE

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("model", "training", "service")


def _modules() -> dict[str, Path]:
    out = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(("tinbai", *parts))] = path
    return out


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """tinbai modules ``path`` imports at module level (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}"
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, set(modules)) for name, path in modules.items()}


def _parents(name: str) -> list[str]:
    """A module's packages, whose ``__init__`` runs first: importing them is not a cycle."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def test_no_module_imports_itself_through_a_cycle() -> None:
    graph = _graph()
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start and nxt not in _parents(node):
                    cycles.append(" -> ".join([*trail, nxt]))
                elif nxt not in seen and nxt not in _parents(start):
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert not cycles, "\n".join(sorted(set(cycles)))


def test_layers_import_one_way() -> None:
    """model imports neither training nor service; training never imports service."""
    allowed = {"model": {"model"}, "training": {"model", "training"}}
    bad = []
    for name, deps in _graph().items():
        layer = name.split(".")[1]
        for dep in deps:
            if layer in allowed and dep.split(".")[1] not in allowed[layer]:
                bad.append(f"{name} imports {dep}")
    assert not bad, "\n".join(bad)


def test_serving_the_classical_bundle_imports_no_torch_ray_nor_scikit_learn() -> None:
    """Loading it, tagging and summarising an article, the service and the archive job: the
    default install has none of these (scikit-learn and SciPy are the ``train`` extra)."""
    code = (
        "import sys, tinbai; nlp = tinbai.load();"
        f"text = open({str(SEED_ARTICLE)!r}, encoding='utf-8').read();"
        "nlp.tag(text); nlp.summarize(text);"
        "import tinbai.service.batch.job, tinbai.service.api.app, tinbai.service.cli;"
        "heavy = ('torch', 'ray', 'transformers', 'sklearn', 'scipy');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_loader_and_the_kinds_taggers_do_not_import_each_other() -> None:
    """bundle.py names no tagger module (registry.kinds does, lazily); the transformer tagger
    reads its files through model/manifest.py, not the loader, and so do the classical
    tagger and the parts it loads (topic models, campaign detector)."""

    def imported(path: Path) -> set[str]:
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        return found

    loader = imported(ROOT / "model" / "bundle.py")
    assert not {m for m in loader if m.endswith(".tagger")}
    assert "tinbai.model.bundle" not in imported(ROOT / "model" / "phobert" / "tagger.py")
    for part in ("classical/tagger.py", "classical/topic.py", "classical/topic_ensemble.py"):
        assert "tinbai.model.bundle" not in imported(ROOT / "model" / part), part
    assert "tinbai.model.bundle" not in imported(ROOT / "model" / "campaigns" / "detector.py")
    assert "tinbai.model.bundle" not in imported(ROOT / "model" / "manifest.py")
