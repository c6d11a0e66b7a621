"""Optional parts of tinbai and the pip extra that installs each.

``pip install tinbai`` is the default bundle, the CLI, the service, summaries and local archive
jobs; heavier parts live in extras (pyproject.toml). Code that needs one calls :func:`require`
first, so a missing extra is one clear line naming the install command, never an ImportError
trace from deep inside a library.
"""

from __future__ import annotations

import importlib.util

# extra → the modules it installs that tinbai imports (pyproject.toml lists the distributions)
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("sklearn", "scipy"),
    "phobert": ("torch", "transformers", "safetensors", "underthesea", "onnx", "onnxruntime"),
    "ray": ("ray",),
    "plot": ("matplotlib",),
    "eval": ("rouge_score",),
}


class MissingExtra(ImportError):
    """A part of tinbai whose extra is not installed; the message says what to install."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is importable: ``what``
    ("PhoBERT bundles") need ``pip install 'tinbai[<extra>]'``."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(
            f"{what} need `pip install 'tinbai[{extra}]'` (not installed: {', '.join(absent)})"
        )
