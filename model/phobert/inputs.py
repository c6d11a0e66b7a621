"""From a prepared document to PhoBERT token windows.

PhoBERT reads word-segmented text (``Hà_Nội``) and at most 256 positions, while most news
articles are longer. So an article becomes its segmented title and body as one token stream,
cut into overlapping windows of ``max_length`` tokens (``<s> … </s>``); the model's window
logits are aggregated per article (``modeling.aggregate``). Training and serving both call
:func:`model_text` and :func:`make_windows`, so they can never disagree on the input.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinbai.model.text import Document

VOCAB_FILE = "vocab.txt"
MERGES_FILE = "bpe.codes"


@dataclass(frozen=True)
class WindowSpec:
    """How an article's token stream is cut: windows of ``max_length`` positions (special
    tokens included) overlapping by ``overlap`` tokens, at most ``max_windows`` of them
    (``None``: the whole article). ``max_windows=1`` is head-only truncation."""

    max_length: int = 256
    overlap: int = 64
    max_windows: int | None = 4

    def __post_init__(self) -> None:
        if self.max_length < 8:
            raise ValueError("max_length must be at least 8")
        if not 0 <= self.overlap < self.max_length - 2:
            raise ValueError("overlap must be >= 0 and smaller than max_length - 2")
        if self.max_windows is not None and self.max_windows < 1:
            raise ValueError("max_windows must be >= 1 or null")

    @property
    def content_length(self) -> int:
        return self.max_length - 2

    def char_budget(self, chars_per_token: float = 6.0) -> int | None:
        """Characters of body worth segmenting: segmentation is the slowest step, and text the
        windows never reach need not be segmented. Generous (~5 chars/token measured on VNTC)."""
        if self.max_windows is None:
            return None
        step = self.content_length - self.overlap
        tokens = self.content_length + (self.max_windows - 1) * step
        return int(tokens * chars_per_token)


def model_text(doc: Document, max_chars: int | None = None) -> str:
    """The segmented title and body sentences, space-separated: what the encoder reads.
    With ``max_chars`` only the first sentences up to that many characters are kept (and
    segmented), which changes nothing for the windows that read them."""
    sentences = doc.sentences
    if max_chars is not None:
        kept, total = 0, len(doc.title)
        for s in sentences:
            if total >= max_chars:
                break
            total += len(s.text) + 1
            kept += 1
        sentences = sentences[:kept]
    if doc.segmented_sentences is not None:
        title = doc.segmented_title or ""
        body = list(doc.segmented_sentences[: len(sentences)])
    else:
        from dataclasses import replace

        seg = replace(doc, sentences=tuple(sentences)).with_segmentation()
        title, body = seg.segmented_title or "", list(seg.segmented_sentences or ())
    return " ".join(part for part in (title, *body) if part)


def make_windows(ids: list[int], spec: WindowSpec, cls_id: int, sep_id: int) -> list[list[int]]:
    """Cut token ids (no special tokens) into ``<s> … </s>`` windows. Windows start every
    ``content_length - overlap`` tokens; the last one is dropped when it would only repeat
    the overlap of the previous one. An empty text gives one empty window."""
    size = spec.content_length
    step = size - spec.overlap
    starts = [0]
    while starts[-1] + size < len(ids):
        starts.append(starts[-1] + step)
    if spec.max_windows is not None:
        starts = starts[: spec.max_windows]
    return [[cls_id, *ids[s : s + size], sep_id] for s in starts]


def install_tokenizer(source: str | Path, target: str | Path) -> Path:
    """Copy PhoBERT's ``vocab.txt`` and ``bpe.codes`` into ``target`` (a bundle's tokenizer
    folder). ``PhobertTokenizer`` reads merges with ``read().split("\\n")[:-1]``, which silently
    drops the last merge when the file lacks a final newline; the copy always ends with one."""
    source, target = Path(source), Path(target)
    missing = [n for n in (VOCAB_FILE, MERGES_FILE) if not (source / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{source}: no PhoBERT tokenizer files {missing} there")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / VOCAB_FILE, target / VOCAB_FILE)
    merges = (source / MERGES_FILE).read_bytes()
    if merges and not merges.endswith(b"\n"):
        merges += b"\n"
    (target / MERGES_FILE).write_bytes(merges)
    return target


def load_tokenizer(directory: str | Path) -> Any:
    """The slow ``PhobertTokenizer`` (PhoBERT has no fast one) from a folder holding
    ``vocab.txt`` and ``bpe.codes`` — a bundle's copy, made by :func:`install_tokenizer`."""
    from transformers import PhobertTokenizer

    directory = Path(directory)
    if not (directory / VOCAB_FILE).is_file() or not (directory / MERGES_FILE).is_file():
        raise FileNotFoundError(
            f"{directory}: no PhoBERT tokenizer files ({VOCAB_FILE}, {MERGES_FILE})"
        )
    return PhobertTokenizer(str(directory / VOCAB_FILE), str(directory / MERGES_FILE))


def encode_windows(tokenizer: Any, texts: list[str], spec: WindowSpec) -> list[list[list[int]]]:
    """Token windows for each text (one list of windows per text)."""
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    return [make_windows(x, spec, tokenizer.cls_token_id, tokenizer.sep_token_id) for x in ids]
