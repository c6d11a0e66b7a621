"""The PhoBERT bundle kind: one RoBERTa encoder, a topic head and a campaign head.

``inputs`` turns a prepared :class:`~model.text.Document` into token windows, ``modeling``
holds the two-head network and its masked loss, ``runtime`` runs it with PyTorch or ONNX
Runtime (and exports it), ``tagger`` serves a bundle through the common Tagger interface.
torch and transformers are imported only when a PhoBERT bundle is used.
"""

from __future__ import annotations


class MissingWeightsError(FileNotFoundError):
    """Pre-trained weights that are not on this machine; the message says where to put them.
    (Defined here, without torch, so the CLI can catch it cheaply.)"""
