"""Per-article work bounds, read from ``configs/limits.yaml`` and validated.

One file holds every bound so that an operator sees them together; each is chosen well above
what ordinary articles need, so it changes no output on them and only stops degenerate input
(50,000 one-word sentences, a 200,000-character run) from costing gigabytes or minutes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError
from tinbai.model.paths import CONFIG_DIR

DEFAULT_LIMITS_PATH = CONFIG_DIR / "limits.yaml"


class LimitsError(ValueError):
    """A limits file that cannot be used; the message names the file and the field."""


class SummarizerLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_sentences: PositiveInt = 1000
    max_feature_cells: PositiveInt = 2_000_000


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summarizer: SummarizerLimits = SummarizerLimits()


@lru_cache(maxsize=4)
def load_limits(path: Path = DEFAULT_LIMITS_PATH) -> Limits:
    """Read and validate a limits file (cached: read once a process)."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        return Limits.model_validate(raw)
    except OSError as exc:
        raise LimitsError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise LimitsError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise LimitsError(f"{path}: field '{where}': {err['msg']}") from None
