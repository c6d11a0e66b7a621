"""Topic components beyond TF-IDF: the Kneser–Ney n-gram LMs, the LR + LM ensemble (learns,
save → load round trip, normalised probabilities, bundle loading) and the topic metrics."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from tinbai.model.bundle import load_bundle
from tinbai.model.classical.ngram_lm import NgramLM
from tinbai.model.classical.topic_ensemble import EnsembleTopicClassifier, load_topic_component
from tinbai.model.text import prepare
from tinbai.service.cli import main
from tinbai.training.config import TopicTrainConfig
from tinbai.training.metrics import confusion, expected_calibration_error, topic_metrics
from tinbai.training.topics import duplicate_groups, train_topic_component

from tests.conftest import TOPIC_WORDS, make_article
from tests.test_training import _tiny_config


@pytest.mark.parametrize("order", [1, 2, 3])
def test_kneser_ney_distributions_sum_to_one(order: int) -> None:
    rng = np.random.default_rng(0)
    vocab = 12  # ids 10 and 11 never occur in training; id 12 is the unknown syllable
    docs = [rng.integers(0, 10, size=int(rng.integers(3, 30))) for _ in range(40)]
    lm = NgramLM.fit(docs, np.arange(40) % 3, 3, vocab, order=order)
    for context in (docs[0][:3], np.array([11, 11])):  # a seen and an unseen context
        seqs = [np.r_[context, w] for w in range(vocab + 1)]
        ids = np.concatenate(seqs)
        doc_of = np.repeat(np.arange(len(seqs)), len(context) + 1)
        last = lm.token_logprobs(ids, doc_of).reshape(len(seqs), len(context) + 1, 3)[:, -1]
        np.testing.assert_allclose(np.exp(last).sum(axis=0), 1.0, atol=1e-5)


def test_lm_prefers_the_class_it_was_trained_on() -> None:
    a = [np.array([0, 1, 2, 0, 1, 2])] * 5
    b = [np.array([2, 1, 0, 2, 1, 0])] * 5
    lm = NgramLM.fit(a + b, np.array([0] * 5 + [1] * 5), 2, 3, order=2)
    scores, lengths = lm.doc_logprobs([np.array([0, 1, 2]), np.array([2, 1, 0])])
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]
    assert lengths.tolist() == [3, 3]


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    from tinbai.model.classical.topic import topic_text

    rng = random.Random(seed)
    rows = [make_article(t, rng) for t in TOPIC_WORDS for _ in range(n)]
    return [topic_text(prepare(r["text"], r["title"])) for r in rows], [r["topic"] for r in rows]


def test_ensemble_learns_round_trips_and_gives_probabilities(tmp_path: Path) -> None:
    texts, labels = _corpus(12, 1)
    topics = sorted(TOPIC_WORDS)
    cfg = TopicTrainConfig(
        component="lr-lm-ensemble.v1", min_df=1, max_df=1.0, max_features=5000, cv_folds=3
    )
    clf = train_topic_component(cfg, texts, labels, topics, seed=13)
    assert isinstance(clf, EnsembleTopicClassifier)
    dev_texts, dev_labels = _corpus(4, 2)
    probs = clf.predict_proba(dev_texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert np.mean([topics[i] == g for i, g in zip(probs.argmax(1), dev_labels, strict=True)]) > 0.9
    clf.save(tmp_path)
    again = load_topic_component(tmp_path)
    assert isinstance(again, EnsembleTopicClassifier) and again.labels == topics
    np.testing.assert_allclose(again.predict_proba(dev_texts), probs, atol=2e-3)  # float16
    assert json.loads((tmp_path / "topic.json").read_text())["version"] == "lr-lm-ensemble.v1"


def test_ensemble_bundle_trains_and_loads(tiny_corpus: dict, tmp_path: Path) -> None:
    cfg = _tiny_config(tiny_corpus, tmp_path / "b")
    cfg["topics"].update(component="lr-lm-ensemble.v1", cv_folds=3)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert main(["train", "--config", str(path)]) == 0
    bundle = load_bundle(tmp_path / "b")
    assert bundle.manifest.components["topics"].type == "lr-lm-ensemble.v1"
    assert bundle.manifest.metrics["topics_dev"]["accuracy"] > 0.9
    doc = prepare("Hôm nay cầu thủ và huấn luyện viên nói về trận đấu.", "Tin bóng đá mới")
    assert bundle.tag([doc])[0].topic.label == "the-thao"


def test_duplicate_groups_fold_whitespace() -> None:
    assert duplicate_groups(["a  b", "a b", "c"]).tolist() == [0, 0, 1]


def test_confusion_and_calibration_error() -> None:
    labels = ["x", "y", "z"]
    gold, pred = ["x", "x", "y", "z"], ["x", "y", "y", "y"]
    assert confusion(gold, pred, labels) == {
        "x": {"x": 1, "y": 1, "z": 0},
        "y": {"x": 0, "y": 1, "z": 0},
        "z": {"x": 0, "y": 1, "z": 0},
    }
    # confidences 0.9 (right), 0.9 (wrong): one bin, accuracy 0.5 → ECE 0.4
    assert expected_calibration_error([0.9, 0.9], [True, False]) == pytest.approx(0.4)
    assert expected_calibration_error([1.0, 0.5], [True, False]) == pytest.approx(0.25)
    metrics = topic_metrics(gold, pred, labels, confidences=[0.9, 0.6, 0.8, 0.7])
    assert metrics["confusion"]["z"]["y"] == 1 and 0 <= metrics["ece"] <= 1


def test_temperature_is_fitted_saved_and_keeps_the_argmax(tmp_path: Path) -> None:
    from tinbai.model.classical.topic import TopicClassifier

    texts, labels = _corpus(10, 3)
    topics = sorted(TOPIC_WORDS)
    base = dict(min_df=1, max_df=1.0, max_features=5000)
    plain = train_topic_component(TopicTrainConfig(**base), texts, labels, topics, seed=13)
    cal = train_topic_component(
        TopicTrainConfig(**base, temperature_folds=3), texts, labels, topics, seed=13
    )
    t = cal.params["temperature"]
    assert t > 0 and t != 1.0 and "temperature" not in plain.params
    dev, _ = _corpus(3, 4)
    p0, p1 = plain.predict_proba(dev), cal.predict_proba(dev)
    assert (p0.argmax(1) == p1.argmax(1)).all() and not np.allclose(p0, p1)
    cal.save(tmp_path)
    np.testing.assert_allclose(TopicClassifier.load(tmp_path).predict_proba(dev), p1, atol=2e-3)


def test_fit_temperature_sharpens_under_confident_scores() -> None:
    from tinbai.training.topics import fit_temperature

    y = np.arange(200) % 4
    scores = np.eye(4)[y] * 0.5  # always right, but only mildly preferred
    assert fit_temperature(scores, y) < 0.5
    with pytest.raises(ValueError, match="temperature_folds"):
        TopicTrainConfig(temperature_folds=1)
