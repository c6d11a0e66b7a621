"""The tag set (topics and campaigns), read from ``configs/taxonomy.yaml``.

Newsrooms edit the campaign list often, so the file is validated strictly at load time and a
mistake is reported with the entry's id and the field at fault, not as a stack trace.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.text.normalize import normalize
from tinbai.model.yamlfile import ConfigError, load_yaml

DEFAULT_TAXONOMY_PATH = CONFIG_DIR / "taxonomy.yaml"
_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class TaxonomyError(ConfigError):
    """A taxonomy file that cannot be used; the message names the entry and field."""


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    description: str = ""


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    description_vi: str | None = Field(default=None, min_length=1)  # what editors are shown
    legal_basis: list[str] = Field(default_factory=list)
    cues: list[str] = Field(min_length=1)
    related: list[str] = Field(default_factory=list)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("cues", "related")
    @classmethod
    def _canonical_phrases(cls, phrases: list[str]) -> list[str]:
        out = []
        for p in phrases:
            norm = " ".join(normalize(p).lower().split())
            if not norm:
                raise ValueError("phrases must not be empty")
            out.append(norm)
        return out


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    topics: list[Topic] = Field(min_length=2)
    campaigns: list[Campaign] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        for kind, items in (("topics", self.topics), ("campaigns", self.campaigns)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"{kind}: id {item.id!r} appears more than once")
                seen.add(item.id)
        return self

    @property
    def topic_ids(self) -> list[str]:
        return [t.id for t in self.topics]

    @property
    def campaign_ids(self) -> list[str]:
        return [c.id for c in self.campaigns]

    def campaign(self, campaign_id: str) -> Campaign:
        for c in self.campaigns:
            if c.id == campaign_id:
                return c
        raise KeyError(campaign_id)

    def topic_name(self, topic_id: str) -> str:
        for t in self.topics:
            if t.id == topic_id:
                return t.name
        return topic_id

    def fingerprint(self) -> str:
        """A short hash of the content: bundles record it to detect a changed tag set. The
        editors' Vietnamese descriptions are display text, left out: translating one does not
        make a bundle's tag set differ."""
        content = self.model_dump(exclude={"campaigns": {"__all__": {"description_vi"}}})
        payload = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _describe(error: dict[str, Any], raw: Any) -> str:
    """Turn a pydantic error location like ('campaigns', 3, 'cues') into
    "campaigns[3] (id 'nong-thon-moi'): field 'cues': …"."""
    loc = list(error["loc"])
    parts: list[str] = []
    node = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, int):
            entry = f"[{key}]"
            try:
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    entry += f" (id {node['id']!r})"
            except (IndexError, KeyError, TypeError):
                node = None
            parts[-1] = parts[-1] + entry if parts else entry
        else:
            if parts and i == len(loc) - 1:
                parts.append(f"field {key!r}")
            else:
                parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
        i += 1
    where = ": ".join(parts) if parts else "file"
    return f"{where}: {error['msg']}"


def parse_taxonomy(raw: Any, source: str = "<taxonomy>") -> Taxonomy:
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors())
        raise TaxonomyError(f"{source}: invalid taxonomy: {problems}") from None


def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
    """Read and validate a taxonomy YAML file."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = load_yaml(fh)
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: taxonomy file not found") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from None
    return parse_taxonomy(raw, str(path))


def campaign_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One regex matching any phrase as whole words (longest first)."""
    alts = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")
