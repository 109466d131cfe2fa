"""A multinomial logistic regression over MiniLM embeddings of the labelled examples, fitted on first use and
cached under DISTILL_CACHE/tagger keyed by the examples file's hash, so editing the examples refits it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression

from distill.models import cache_root
from distill.tagging import examples
from distill.tagging.embedder import Embedder

# Embeddings are unit vectors, so logits stay small unless the penalty is weak; C chosen by 5-fold
# cross-validation on the examples alone (see tests/test_tagging.py for the held-out check).
C = 3.0
# Bump when the features or the fit change, so older cached fits are not reused.
FIT_VERSION = 1


@dataclass(frozen=True)
class LinearClassifier:
    classes: tuple[str, ...]
    coef: np.ndarray  # [classes, features]
    intercept: np.ndarray  # [classes]

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(class index, probability) per row: the softmax of the logits, as LogisticRegression.predict_proba."""
        proba = softmax(features @ self.coef.T + self.intercept, axis=1)
        return proba.argmax(1), proba.max(1)


def fit(features: np.ndarray, labels: list[str]) -> LinearClassifier:
    # lbfgs on a fixed design matrix has no randomness: the same examples give the same weights.
    model = LogisticRegression(C=C, max_iter=5000).fit(features, labels)
    return LinearClassifier(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32), model.intercept_.astype(np.float32))


def _cache_file(digest: str) -> Path:
    return cache_root() / "tagger" / f"minilm-l6-logreg-v{FIT_VERSION}-{digest[:16]}.npz"


def fitted(embedder: Embedder) -> tuple[LinearClassifier, str]:
    """(classifier, examples digest), loaded from the cache or fitted now and cached."""
    digest = examples.digest()
    target = _cache_file(digest)
    if target.exists():
        saved = np.load(target)
        return LinearClassifier(tuple(saved["classes"].tolist()), saved["coef"], saved["intercept"]), digest
    rows = examples.load()
    features = embedder.embed([examples.prompt(r["instruction"], r["input"]) for r in rows])
    classifier = fit(features, [r["label"] for r in rows])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.partial-{os.getpid()}.npz")
    np.savez(partial, classes=np.array(classifier.classes), coef=classifier.coef, intercept=classifier.intercept)
    partial.replace(target)  # atomic: a concurrent reader sees the old state or the whole file
    return classifier, digest
