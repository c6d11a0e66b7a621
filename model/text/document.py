"""The prepared article every model consumes: cleaned, split, optionally segmented."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tinbai.model.text.clean import CleanedArticle, clean_article
from tinbai.model.text.segment import segment_words
from tinbai.model.text.sentences import split_sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence of the body. ``index`` counts body sentences from 0 in document order;
    ``paragraph`` is the index of the paragraph it came from."""

    index: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Document:
    """An article after cleaning and sentence splitting.

    The title is kept apart from the body sentences: it is not a candidate for summaries or
    evidence, but models read it. ``segmented_title`` / ``segmented_sentences`` are filled by
    :meth:`with_segmentation` for models that read PhoBERT-style words.
    """

    title: str
    sentences: tuple[Sentence, ...]
    author: str | None = None
    source: str | None = None
    segmented_title: str | None = None
    segmented_sentences: tuple[str, ...] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def with_segmentation(self) -> Document:
        """Return a copy with word-segmented title and sentences (idempotent)."""
        if self.segmented_sentences is not None:
            return self
        return replace(
            self,
            segmented_title=segment_words(self.title) if self.title else "",
            segmented_sentences=tuple(segment_words(s.text) for s in self.sentences),
        )


def document_from_cleaned(cleaned: CleanedArticle) -> Document:
    sentences: list[Sentence] = []
    for p_index, paragraph in enumerate(cleaned.paragraphs):
        for text in split_sentences(paragraph):
            sentences.append(Sentence(index=len(sentences), text=text, paragraph=p_index))
    return Document(
        title=cleaned.title,
        sentences=tuple(sentences),
        author=cleaned.author,
        source=cleaned.source,
    )


def prepare(text: str, title: str | None = None, *, segment: bool = False) -> Document:
    """Run the one text pipeline: normalise → clean → split (→ segment)."""
    doc = document_from_cleaned(clean_article(text, title))
    return doc.with_segmentation() if segment else doc
