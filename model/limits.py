"""Per-article work bounds, read from ``configs/limits.yaml`` and validated.

One file holds every bound so that an operator sees them together; each is chosen well above
what ordinary articles need, so it changes no output on them and only stops degenerate input
(50,000 one-word sentences, a 200,000-character run) from costing gigabytes or minutes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PositiveInt
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.yamlfile import ConfigError, read_validated

DEFAULT_LIMITS_PATH = CONFIG_DIR / "limits.yaml"


class LimitsError(ConfigError):
    """A limits file that cannot be used; the message names the file and the field."""


class SummarizerLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_sentences: PositiveInt = 1000
    max_feature_cells: PositiveInt = 2_000_000
    # A summary's length when the caller gives no budget (CLI, HTTP API, Python API).
    default_sentences: PositiveInt = 3


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summarizer: SummarizerLimits = SummarizerLimits()


@lru_cache(maxsize=4)
def load_limits(path: Path = DEFAULT_LIMITS_PATH) -> Limits:
    """Read and validate a limits file (cached: read once a process)."""
    return read_validated(path, Limits, LimitsError)


def default_summary_sentences() -> int:
    """The one configured default summary length (``summarizer.default_sentences``)."""
    return load_limits().summarizer.default_sentences
