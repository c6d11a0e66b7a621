"""One registry of swappable parts, with versioned names (thinc style: ``"classical.v1"``).

Each table maps a name to a factory. A table entry is either registered with a decorator::

    @registry.archive_formats.register("jsonl.v1")
    class JsonlFormat: ...

or declared lazily as ``"module:attribute"``, so that naming a part never imports its
dependencies (a classical bundle never imports torch, the local engine never imports ray):
the module is imported at the first :meth:`Registry.get` of that name. An unknown name fails
with one :class:`RegistryError` listing the known ones.

This module imports nothing of tinbai, so anything may import it without a cycle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

F = TypeVar("F")


class RegistryError(KeyError):
    """An unknown name in a registry; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class Registry(Mapping[str, Any]):
    """A named table of factories; reading an entry imports a lazily declared one."""

    def __init__(self, name: str, lazy: Mapping[str, str] | None = None) -> None:
        self.name = name
        self._entries: dict[str, Any] = {}
        self._lazy: dict[str, str] = dict(lazy or {})

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator: ``@registry.kinds.register("classical.v1")``."""

        def add(factory: F) -> F:
            self._entries[name] = factory
            self._lazy.pop(name, None)
            return factory

        return add

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default

    def __getitem__(self, name: str) -> Any:
        if name in self._entries:
            return self._entries[name]
        if name in self._lazy:
            module, _, attr = self._lazy[name].partition(":")
            factory = getattr(importlib.import_module(module), attr)
            self._entries.setdefault(name, factory)
            self._lazy.pop(name, None)
            return self._entries[name]
        raise RegistryError(f"unknown {self.name} {name!r} (known: {sorted(self)})")

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        """Names in the order they were declared or registered."""
        return iter(dict.fromkeys([*self._entries, *self._lazy]))

    def __len__(self) -> int:
        return len({*self._entries, *self._lazy})


# Bundle kinds: kind → loader(path, manifest, taxonomy, **options) -> Tagger. The manifest's
# ``kind`` is the short name ("classical"); the versioned names are aliases of the same loader.
kinds = Registry(
    "bundle kind",
    {
        "classical": "tinbai.model.classical.tagger:load_tagger",
        "phobert": "tinbai.model.phobert.tagger:load_tagger",
    },
)
topic_models = Registry(
    "topic model",
    {
        "tfidf-linear.v1": "tinbai.model.classical.topic:TopicClassifier",
        "lr-lm-ensemble.v1": "tinbai.model.classical.topic_ensemble:EnsembleTopicClassifier",
    },
)
campaign_detectors = Registry(
    "campaign detector", {"cue-theme.v2": "tinbai.model.campaigns:CampaignDetector"}
)
# Summary sentence scorers: name → factory(config, directory) returning score(doc); a bundle's
# summarizer.json names one. Declared here, so naming a scorer needs no import side effect.
scorers = Registry(
    "sentence scorer",
    {
        "lead.v1": "tinbai.model.summarize.base:_lead",
        "ranker.v1": "tinbai.model.summarize.ranker:_ranker",
    },
)
# Archive input formats: name → a class with ``suffixes`` (file ending → kind), ``scan`` and
# ``read``; registered by service/batch/reader.py, so a new format is one class there.
archive_formats = Registry("archive format")
# Archive engines: name → run(shards, config, **kwargs); registered by service/batch/job.py,
# whose ray entry imports ray only when it runs.
archive_engines = Registry("archive engine")
# ``tinbai evaluate TARGET`` beyond topics / campaigns: name → an EvaluateTarget
# (service/cli/common.py); declared here so that evaluate.py and the targets never import
# each other.
evaluate_targets = Registry(
    "evaluation target", {"summaries": "tinbai.service.cli.evaluate_summaries:TARGET"}
)
