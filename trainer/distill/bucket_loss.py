"""Training loss per POCL bucket. In a cumulative curriculum stage s trains on buckets 1..s, so one optimizer
step mixes samples of several buckets; plan.json says which bucket each of a stage's samples comes from, and
the trainer reports each bucket's mean loss over the step's samples (each sample's loss being the mean over its
own answer tokens), so the run page can show whether the easy buckets stay learnt while the hard ones come in.
"""

from __future__ import annotations

import math

import torch

from distill import distributed


def sample_buckets(stage: dict) -> list[int] | None:
    """The bucket of each of the stage's samples, in sample_ids order; None for a stage without buckets (a plain
    run)."""
    if "buckets" not in stage:
        return None
    return [entry["bucket"] for entry in stage["buckets"] for _ in range(entry["samples"])]


def bucket_count(plan: dict) -> int:
    """The highest bucket number of the plan (0 when it has no buckets): the same on every rank."""
    return max((entry["bucket"] for stage in plan["stages"] for entry in stage.get("buckets", ())), default=0)


class BucketLoss:
    """Sums of per-sample losses and sample counts per bucket over one logging window (an optimizer step)."""

    def __init__(self, buckets: int):
        self.sums = [0.0] * buckets
        self.counts = [0] * buckets

    def add(self, buckets: tuple[int, ...], per_sample: torch.Tensor) -> None:
        for bucket, loss in zip(buckets, per_sample.tolist(), strict=True):
            if not math.isnan(loss):  # a sample with no answer token left after truncation has no loss
                self.sums[bucket - 1] += loss
                self.counts[bucket - 1] += 1

    def means(self, device: torch.device) -> dict[str, float]:
        """{"1": mean, …} over every rank's samples, for the buckets the window drew from. Every rank must call
        it: the sums are all-reduced."""
        n = len(self.sums)
        totals = distributed.sums([*self.sums, *self.counts], device)
        return {str(b + 1): totals[b] / totals[n + b] for b in range(n) if totals[n + b] > 0}
