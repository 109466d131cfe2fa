"""Pure ranking arithmetic of POCL's difficulty measurer: ranks with ties, reciprocal rank fusion, and the
uniform "higher is harder" difficulty the studio histograms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

RRF_K = 60


def rank(values: Sequence[float], descending: bool = False) -> list[int]:
    """1-based competition ranks: equal values share the lowest rank of their group and the next value skips
    ahead ([0.9, 0.5, 0.5, 0.1] descending → [1, 2, 2, 4]). NaN is not allowed (say +inf for "worst" when
    ascending, −inf when descending)."""
    array = np.asarray(values, dtype=float)
    if np.isnan(array).any():
        raise ValueError(f"cannot rank NaN (positions {np.flatnonzero(np.isnan(array)).tolist()[:5]})")
    return rankdata(-array if descending else array, method="min").astype(int).tolist()


def rrf(*rankings: Sequence[int], k: int = RRF_K) -> list[float]:
    """Reciprocal rank fusion: Σ over rankings of 1 / (k + r). Higher fused score = ranked better overall."""
    if len({len(r) for r in rankings}) > 1:
        raise ValueError(f"rankings differ in length: {[len(r) for r in rankings]}")
    return [sum(1.0 / (k + r) for r in ranks) for ranks in zip(*rankings)]


def difficulty_from_ease(scores: Sequence[float]) -> list[float]:
    """Map "higher is easier" scores to difficulty in [0, 1]: (r − 1) / (N − 1), where r is the score's rank
    descending (ties share the lowest rank). The easiest row gets 0, the hardest 1; a single row gets 0."""
    ranks = rank(scores, descending=True)
    span = max(len(ranks) - 1, 1)
    return [(r - 1) / span for r in ranks]
