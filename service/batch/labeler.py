"""Label one shard: the work every engine's workers do, so every engine writes the same rows.

Rows are read, validated and prepared by the same functions ``tinbai tag`` uses
(:func:`tinbai.model.predict.prepare_articles`: one error vocabulary, one text pipeline); each
Document is prepared once and feeds both the tagger and, with ``summaries``, the summariser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinbai.model.article import ArticleError, record_id
from tinbai.model.bundle import Bundle, load_bundle
from tinbai.model.predict import prepare_articles
from tinbai.service.batch.plan import Shard
from tinbai.service.batch.reader import Columns, UnreadableFile, read_rows, record_date
from tinbai.service.batch.writer import ArchiveError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardResult:
    index: int
    rows: list[dict[str, Any]]  # one per good input row, input order
    errors: list[dict[str, Any]]  # {"id", "error", "file", "row"} per bad input row

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "rows": self.rows, "errors": self.errors}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ShardResult:
        return cls(raw["index"], raw["rows"], raw["errors"])


class ShardLabeler:
    """Holds a loaded bundle (and summariser) and labels shards with it; one per worker."""

    def __init__(self, bundle_dir: str, columns: dict[str, Any], summaries: bool) -> None:
        self.bundle: Bundle = load_bundle(Path(bundle_dir))
        self.columns = Columns.from_dict(columns)
        self.summarizer = None
        if summaries:
            from tinbai.model.summarize import Summarizer

            # bundles without a summariser of their own use the lead baseline, as the CLI does
            lead = {"scorer": "lead.v1"}
            self.summarizer = self.bundle.summarizer or Summarizer.from_config(lead)

    def label(self, shard: Shard) -> ShardResult:
        try:
            records = read_rows(Path(shard.path), shard.kind, shard.start, shard.stop, shard.offset)
        except UnreadableFile as exc:  # damaged since planning: its rows are errors, job goes on
            log.warning("%s; its rows %d-%d go to _errors.jsonl", exc, shard.start + 1, shard.stop)
            return self.unreadable(shard, exc.problem)
        if len(records) != shard.rows:
            raise ArchiveError(
                f"{shard.path}: expected {shard.rows} rows from {shard.start}, "
                f"read {len(records)}; was the file changed during the job?"
            )
        return self.label_records(shard.index, shard.path, shard.start, records)

    @staticmethod
    def unreadable(shard: Shard, problem: str) -> ShardResult:
        """Every row of a shard whose file cannot be read, as an error row with the reason."""
        message = f"input file unreadable: {problem}"
        errors = [
            {"id": None, "error": message, "file": shard.path, "row": shard.start + i + 1}
            for i in range(shard.rows)
        ]
        return ShardResult(shard.index, [], errors)

    def label_records(self, index: int, path: str, start: int, records: list[Any]) -> ShardResult:
        cols = self.columns
        articles, docs, messages = prepare_articles(
            records,
            id_field=cols.id,
            text_field=cols.text,
            title_field=cols.title,
            allow_title_only=True,  # a headline-only row is still tagged; its summary is empty
        )
        for i, art in enumerate(articles):  # an archive row must say which article it is
            if art is not None and (art.id is None or not art.id.strip()):
                articles[i], docs[i] = None, None
                problem = "is missing" if art.id is None else "is empty or only whitespace"
                messages[i] = str(ArticleError(cols.id, problem))
        ok = [i for i, d in enumerate(docs) if d is not None]
        tags = self.bundle.tag([docs[i] for i in ok]) if ok else []  # type: ignore[misc]
        rows: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        by_index = dict(zip(ok, tags, strict=True))
        for i, rec in enumerate(records):
            if messages[i] is not None:
                errors.append(
                    {
                        "id": record_id(rec, cols.id),
                        "error": messages[i],
                        "file": path,
                        "row": start + i + 1,
                    }
                )
                continue
            tagged = by_index[i].to_dict()
            row: dict[str, Any] = {
                "id": articles[i].id,  # type: ignore[union-attr]
                "date": record_date(rec, cols),
                "topic": tagged["topic"]["label"],
                "topic_score": tagged["topic"]["score"],
                "campaigns": [{"id": c["id"], "score": c["score"]} for c in tagged["campaigns"]],
                "mentions": [{"id": c["id"], "score": c["score"]} for c in tagged["mentions"]],
            }
            if self.summarizer is not None:
                row["summary"] = self.summarizer.summarize(docs[i]).text  # type: ignore[arg-type]
            rows.append(row)
        return ShardResult(index, rows, errors)
