"""tinbai: topic and campaign tagging and extractive summaries for Vietnamese news.

Installed, the repository's ``model/``, ``service/`` and ``training/`` folders are the
subpackages ``tinbai.model``, ``tinbai.service`` and ``tinbai.training`` (setuptools
``package-dir`` in pyproject.toml), so nothing generic lands in site-packages. In a source
checkout that is not installed as such (``python -m pytest`` from the repository root puts
the checkout first on ``sys.path``), the same folders are found beside this one.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

_here = Path(__file__).resolve().parent
if not (_here / "model").is_dir() and (_here.parent / "model" / "__init__.py").is_file():
    __path__.append(str(_here.parent))  # type: ignore[name-defined]  # noqa: F821
