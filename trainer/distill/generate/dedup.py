"""Duplicates of new instructions, against the dataset's prompts and the new instructions seen before them:
exact (equal after instruction_list.normalise) and near (cosine of all-MiniLM-L6-v2 embeddings above a
threshold; the embeddings are unit vectors, so the cosine is their dot product)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from distill.generate.instruction_list import normalise


@dataclass(frozen=True)
class Verdict:
    """`kind` is "exact", "near" or None (new); `of` is the id of the text it duplicates, `similarity` the cosine."""
    kind: str | None
    of: str | None = None
    similarity: float | None = None


class Seen:
    """The texts new instructions are compared with. `embed(texts) -> [n, d] unit rows`."""

    def __init__(self, embed, threshold: float, ids: list[str], texts: list[str]):
        self._embed, self.threshold = embed, threshold
        self._exact: dict[str, str] = {}
        for id_, text in zip(ids, texts):
            self._exact.setdefault(normalise(text), id_)
        # The dataset's embeddings stay one matrix; the new ones are few and grow one by one.
        self._ids = list(ids)
        self._base = embed(texts) if texts else None
        self._new: list[np.ndarray] = []

    def screen(self, ids: list[str], texts: list[str]) -> list[Verdict]:
        """A verdict per text, in order; each new text is added to what the later ones are compared with, so
        two copies in one batch are caught too."""
        vectors = self._embed(texts) if texts else None
        verdicts = []
        for i, (id_, text) in enumerate(zip(ids, texts)):
            key = normalise(text)
            if key in self._exact:
                verdicts.append(Verdict("exact", self._exact[key], 1.0))
                continue
            verdict = self._nearest(vectors[i])
            verdicts.append(verdict)
            if verdict.kind is None:
                self._exact[key] = id_
                self._new.append(vectors[i])
                self._ids.append(id_)
        return verdicts

    def _nearest(self, vector: np.ndarray) -> Verdict:
        if not self._ids:
            return Verdict(None)
        parts = ([self._base @ vector] if self._base is not None else []) + ([np.stack(self._new) @ vector] if self._new else [])
        sims = np.concatenate(parts)
        best = int(sims.argmax())
        kind = "near" if sims[best] > self.threshold else None
        return Verdict(kind, self._ids[best], round(float(sims[best]), 4))
