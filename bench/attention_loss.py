"""What the attention-map loss (KD + DAE, trainer/distill/attention_loss.py) costs a KD training step: the same
optimizer-free step (student and teacher forward, loss, backward) with and without it, in one process, on the
same batch, alternating which side goes first each repeat.

Same Distiller (embedded SmolLM2-135M teacher, its 6-layer pruned student, fkl at T = 1, kd_weight 1), same rows
(alpaca_en_demo rows whose chat-templated length lies in [max_length·3/4, max_length], as trainer_throughput.py
picks them), no gradient checkpointing. The side without the loss is the same Distiller with its layer pairs
emptied, so nothing else differs. With the loss: all 6 student layers against the teacher layers they were
copied from, attention.chunk_size answer queries per chunk.

Time per step: wall time of losses() + backward(). Memory: the process's peak resident set during the step above
its resident set just before (sampled every 2 ms by a thread), so it counts what the step adds: activations,
gradients, the loss's chunks. ratio = with / without per repeat, median over repeats. The load average is
printed with the figures: the machine may be shared.

    .venv/bin/python bench/attention_loss.py [--max-length 512] [--batch-size 2] [--repeats 5] [--chunk-size 128]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trainer_throughput import SEED, STUDENT, TEACHER, select_rows  # noqa: E402

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_MB


class PeakRss:
    """Peak resident set above the level at entry, sampled by a thread while the block runs."""

    def __enter__(self):
        self.base = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())
        self.added_mb = self.peak - self.base


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 4), "unit": unit, **extra}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import torch

    from distill.contract import with_defaults
    from distill.models import resolve_device
    from distill.train import Distiller, seed_everything

    seed_everything(SEED)
    rows = select_rows(args.batch_size, args.max_length)
    job = with_defaults("job.schema.json", {
        "schema_version": 1, "id": "bench-attention", "kind": "train", "created_at": "2026-01-01T00:00:00Z",
        "seed": SEED, "device": args.device, "teacher": TEACHER, "student": STUDENT,
        "loss": {"name": "fkl"}, "optim": {"batch_size": args.batch_size},
        "attention": {"enabled": True, "chunk_size": args.chunk_size},
        "max_length": args.max_length, "max_prompt_length": args.max_length,
        "eval": {"every": 0}})
    with tempfile.TemporaryDirectory() as run_dir:
        model = Distiller(job, Path(run_dir), resolve_device(args.device))
    model.rows = {r["id"]: r for r in rows}
    batch = model.batch(tuple(r["id"] for r in rows))
    tokens = int(batch["attention_mask"].sum())
    pairs = model.layer_pairs

    def step(with_attention: bool) -> tuple[float, float]:
        model.layer_pairs = pairs if with_attention else []
        model.student.zero_grad(set_to_none=True)
        with PeakRss() as peak:
            t0 = time.perf_counter()
            loss, _, _, _, _ = model.losses(batch, 1.0, 1.0)
            loss.backward()
            seconds = time.perf_counter() - t0
        return seconds, peak.added_mb

    load_before = os.getloadavg()
    step(True), step(False)  # warm-up: allocator and thread pools
    times = {True: [], False: []}
    memory = {True: [], False: []}
    for r in range(args.repeats):
        for side in ((True, False) if r % 2 == 0 else (False, True)):
            seconds, added = step(side)
            print(f"repeat {r + 1}: {'with' if side else 'without'} attention {seconds:.2f} s, +{added:.0f} MiB",
                  file=sys.stderr, flush=True)
            times[side].append(seconds)
            memory[side].append(added)
    load_after = os.getloadavg()

    ratios = [a / b for a, b in zip(times[True], times[False])]
    setting = {"max_length": args.max_length, "batch_size": args.batch_size, "tokens": tokens,
               "layer_pairs": len(pairs), "chunk_size": args.chunk_size, "repeats": args.repeats,
               "threads": torch.get_num_threads(), "loadavg_before": load_before, "loadavg_after": load_after}
    emit("kd_step_tokens_per_s", tokens / statistics.median(times[True]), "tokens/s", peer="kd without attention",
         ratio=round(statistics.median(ratios), 4), side="kd with attention", **setting)
    emit("kd_step_tokens_per_s", tokens / statistics.median(times[False]), "tokens/s", side="kd without attention")
    emit("attention_time_ratio", statistics.median(ratios), "x", target=1.5, all=[round(x, 3) for x in ratios])
    emit("kd_step_peak_added_rss_mb", statistics.median(memory[True]), "MiB", peer="kd without attention",
         ratio=round(statistics.median(memory[True]) / statistics.median(memory[False]), 4), side="kd with attention")
    emit("kd_step_peak_added_rss_mb", statistics.median(memory[False]), "MiB", side="kd without attention")


if __name__ == "__main__":
    main()
