"""Taggers from a taggerRef (lib/contracts/job.ts): the embedded MiniLM + logistic regression, or a local
Hugging Face sequence-classification checkpoint whose id2label names are taxonomy labels."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from distill.contract import JobError
from distill.tagging import classifier, taxonomy
from distill.tagging.embedder import embedder


class Tagger(Protocol):
    name: str  # recorded with every tag, so a result says which tagger produced it

    def tag(self, texts: list[str], batch_size: int = 64) -> list[tuple[str, float]]: ...


class EmbeddedTagger:
    def __init__(self, device: torch.device):
        self.embedder = embedder(str(device))
        self.classifier, digest = classifier.fitted(self.embedder)
        self.name = f"minilm-l6+logreg@{digest[:8]}"

    def tag(self, texts: list[str], batch_size: int = 64) -> list[tuple[str, float]]:
        index, proba = self.classifier.predict(self.embedder.embed(texts, batch_size))
        return [(self.classifier.classes[i], float(p)) for i, p in zip(index, proba)]


class CheckpointTagger:
    def __init__(self, path: Path, device: torch.device):
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSequenceClassification.from_pretrained(path).to(device).eval()
        id2label = self.model.config.id2label
        # A checkpoint may know labels outside the taxonomy; they land in the fallback rather than in the plan.
        self.labels = [taxonomy.normalize(id2label[i]) for i in range(len(id2label))]
        self.name = f"hf:{path.name}"

    @torch.inference_mode()
    def tag(self, texts: list[str], batch_size: int = 64) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        for start in range(0, len(texts), batch_size):
            enc = self.tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                                 max_length=min(self.tokenizer.model_max_length, 512), return_tensors="pt")
            proba = self.model(**enc.to(self.device)).logits.float().softmax(-1)
            best, index = proba.max(-1)
            out.extend((self.labels[i], float(p)) for i, p in zip(index.tolist(), best.tolist()))
        return out


def checkpoint_dir(ref: dict, base_dir: Path | None) -> Path:
    path = Path(ref["path"]).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not (path / "config.json").exists():
        raise JobError(f"tagger path {path} is not a Hugging Face checkpoint folder (no config.json there)")
    return path


_loaded: dict[tuple, Tagger] = {}


def load_tagger(ref: dict, device: torch.device | str = "cpu", base_dir: Path | None = None) -> Tagger:
    """The tagger for a taggerRef, loaded once per process and device."""
    device = torch.device(device)
    if ref["source"] == "embedded":
        key: tuple = ("embedded", str(device))
        make = lambda: EmbeddedTagger(device)  # noqa: E731
    elif ref["source"] == "dir":
        path = checkpoint_dir(ref, base_dir).resolve()
        key = ("dir", str(path), str(device))
        make = lambda: CheckpointTagger(path, device)  # noqa: E731
    else:
        raise JobError(f"tagger source {ref['source']!r} is not one of embedded, dir")
    if key not in _loaded:
        _loaded[key] = make()
    return _loaded[key]


def tag_texts(texts: list[str], tagger_ref: dict, batch_size: int = 64) -> list[tuple[str, float]]:
    """(label, confidence) per text, on CPU."""
    return load_tagger(tagger_ref).tag(texts, batch_size)
