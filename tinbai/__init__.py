"""tinbai: topic and campaign tagging and extractive summaries for Vietnamese news.

Installed, the repository's ``model/``, ``service/`` and ``training/`` folders are the
subpackages ``tinbai.model``, ``tinbai.service`` and ``tinbai.training`` (setuptools
``package-dir`` in pyproject.toml), so nothing generic lands in site-packages. In a source
checkout that is not installed as such (``python -m pytest`` from the repository root puts
the checkout first on ``sys.path``), the same folders are found beside this one.

The Python API (:mod:`tinbai.api`)::

    import tinbai
    nlp = tinbai.load()                      # the shipped default bundle, or tinbai.load(path)
    tags = nlp.tag(text, title=None)         # .topic, .campaigns, .mentions, .to_dict()
    summary = nlp.summarize(text, sentences=3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_here = Path(__file__).resolve().parent
if not (_here / "model").is_dir() and (_here.parent / "model" / "__init__.py").is_file():
    __path__.append(str(_here.parent))  # type: ignore[name-defined]  # noqa: F821

_API = ("load", "Tinbai", "Tags", "Summary", "Analysis", "Result")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """``tinbai.load`` and the result types, imported on first use: ``import tinbai`` stays
    cheap (no model code) for tools that only read ``__version__``."""
    if name in _API:
        from tinbai import api

        return getattr(api, name)
    if name == "__version__":  # importlib.metadata costs ~30 ms: read only when asked
        from importlib import metadata

        try:
            return metadata.version("tinbai")
        except metadata.PackageNotFoundError:  # a checkout that was never installed
            return "0.1.0"
    raise AttributeError(f"module 'tinbai' has no attribute {name!r}")
