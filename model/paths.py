"""Where tinbai finds its runtime configuration, shipped assets and shared data.

Everything inference reads at run time (``configs/*.yaml``, the default bundle, the editor
page) is package data, found with ``importlib.resources``: in a wheel it lies inside
``site-packages/tinbai``, in a checkout the same lookup lands on the repository's folders
(``tinbai/__init__.py`` adds the repository root to the package path), so ``configs/`` stays the
one source of truth and nothing resolves paths relative to the repository.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def package_file(package: str, name: str) -> Path:
    """``name`` inside ``package`` as a plain path. A data-only folder (``tinbai.configs``) is a
    namespace package, whose ``files()`` is not a ``Path``; an entry joined onto it is."""
    return Path(str(resources.files(package).joinpath(name)))


REPO_ROOT = Path(__file__).resolve().parents[1]  # a checkout's root; training only
_CONFIG_ENV = os.environ.get("TINBAI_CONFIG_DIR")
CONFIG_DIR = (
    Path(_CONFIG_ENV) if _CONFIG_ENV else package_file("tinbai.configs", "limits.yaml").parent
)
ASSETS_DIR = package_file("tinbai.model", "assets")
DEFAULT_BUNDLE_DIR = ASSETS_DIR / "default-bundle"
STATIC_DIR = package_file("tinbai.service", "static")
# Data shared with every checkout and CI run; never copied into the repository.
SHARED_DIR = Path(os.environ.get("TINBAI_SHARED_DIR", REPO_ROOT.parent / "shared"))
