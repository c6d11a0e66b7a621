"""The corrections table and the two things done with it: record one, export them all.

Plain SQLAlchemy 2 (typed ORM, portable column types, JSON for id lists), so the default SQLite
file and a PostgreSQL URL use the same code. The article text is stored with each correction:
without it a correction of an article from a newsroom's own archive could never be trained on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class FeedbackStoreError(RuntimeError):
    """The database cannot be opened or written; the message names the URL (without password)."""


class Base(DeclarativeBase):
    pass


class Correction(Base):
    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    article_id: Mapped[str | None] = mapped_column(String(200), index=True)
    text_hash: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    predicted_topic: Mapped[str | None] = mapped_column(String(100))
    predicted_campaigns: Mapped[list[str]] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(100))
    campaigns: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(100))

    @property
    def key(self) -> str:
        """What identifies the article: the caller's id, else the hash of its text."""
        return self.article_id or self.text_hash

    def to_training_row(self) -> dict[str, Any]:
        """A row both trainers read: campaign labels (``id``, ``text``, ``title``,
        ``campaigns``; see ``training.campaigns.join_texts``) and topic rows (``topic``)."""
        row: dict[str, Any] = {"id": self.key, "source": "feedback"}
        if self.title:
            row["title"] = self.title
        row.update({"text": self.text, "topic": self.topic, "campaigns": list(self.campaigns)})
        row["feedback"] = {
            "correction_id": self.id,
            "created_at": _iso(self.created_at),
            "predicted": {
                "topic": self.predicted_topic,
                "campaigns": list(self.predicted_campaigns),
            },
            "model": {"name": self.model_name, "version": self.model_version},
            "note": self.note,
        }
        return row


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _iso(value: datetime) -> str:
    # SQLite gives back naive datetimes; every value was written in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


class FeedbackStore:
    """Opens (and creates if needed) the corrections table at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = make_url(url)
            connect_args: dict[str, Any] = {}
            if parsed.get_backend_name() == "sqlite":
                # Requests run in worker threads; each session uses one connection at a time.
                connect_args["check_same_thread"] = False
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
            Base.metadata.create_all(self.engine)
        except (ArgumentError, SQLAlchemyError, OSError, ImportError) as exc:
            raise FeedbackStoreError(f"feedback database {_safe_url(url)}: {exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def add(
        self,
        *,
        text: str,
        title: str | None,
        article_id: str | None,
        topic: str,
        campaigns: list[str],
        predicted_topic: str | None,
        predicted_campaigns: list[str],
        note: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
    ) -> Correction:
        row = Correction(
            created_at=datetime.now(UTC),
            article_id=article_id,
            text_hash=text_hash(text),
            title=title,
            text=text,
            predicted_topic=predicted_topic,
            predicted_campaigns=list(predicted_campaigns),
            topic=topic,
            campaigns=list(campaigns),
            note=note,
            model_name=model_name,
            model_version=model_version,
        )
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                session.add(row)
                session.commit()
        except SQLAlchemyError as exc:
            raise FeedbackStoreError(f"feedback database {_safe_url(self.url)}: {exc}") from None
        return row

    def corrections(self) -> Iterator[Correction]:
        """Every correction, oldest first."""
        with Session(self.engine) as session:
            yield from session.scalars(select(Correction).order_by(Correction.id))

    def count(self) -> int:
        try:
            with Session(self.engine) as session:
                return int(session.scalar(select(func.count(Correction.id))) or 0)
        except SQLAlchemyError as exc:
            raise FeedbackStoreError(f"feedback database {_safe_url(self.url)}: {exc}") from None

    def training_rows(self) -> list[dict[str, Any]]:
        """One row per article — its latest correction wins — in order of first correction."""
        latest: dict[str, Correction] = {}
        try:
            for c in self.corrections():
                latest[c.key] = c  # a re-assigned key keeps its first position
        except SQLAlchemyError as exc:
            raise FeedbackStoreError(f"feedback database {_safe_url(self.url)}: {exc}") from None
        return [c.to_training_row() for c in latest.values()]
