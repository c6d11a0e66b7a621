"""Where the repository keeps its configuration and shipped assets."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = Path(os.environ.get("TINBAI_CONFIG_DIR", REPO_ROOT / "configs"))
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
DEFAULT_BUNDLE_DIR = ASSETS_DIR / "default-bundle"
# Data shared with every checkout and CI run; never copied into the repository.
SHARED_DIR = Path(os.environ.get("TINBAI_SHARED_DIR", REPO_ROOT.parent / "shared"))
