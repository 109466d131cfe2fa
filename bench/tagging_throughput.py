"""Task-type tagging throughput on this CPU: the embedded tagger (all-MiniLM-L6-v2 + logistic regression) over
the 999 prompts of ../shared/datasets/alpaca_en_demo.json, as the tag job would see them (instruction, newline,
input). The classifier is fitted in a fresh cache first, so the first line is the cold-start cost.
Prints JSON lines {"metric", "value", "unit"}, then the label distribution it found.
Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/tagging_throughput.py [batch_size=64]"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter

import torch

from distill.tagging import examples, heldout, load_tagger


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def main() -> None:
    batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    rows = json.loads((heldout.datasets_dir() / "alpaca_en_demo.json").read_text(encoding="utf-8"))
    prompts = [examples.prompt(r["instruction"], r["input"]) for r in rows]
    os.environ["DISTILL_CACHE"] = tempfile.mkdtemp(prefix="distill-bench-")
    started = time.perf_counter()
    tagger = load_tagger({"source": "embedded"})
    emit("tagger_load_and_fit", round(time.perf_counter() - started, 2), "s", examples=len(examples.load()))
    tagger.tag(prompts[:batch_size], batch_size)  # warm-up: first-call allocations are not throughput
    started = time.perf_counter()
    tags = tagger.tag(prompts, batch_size)
    elapsed = time.perf_counter() - started
    emit("tag_throughput", round(len(prompts) / elapsed, 1), "rows/s", rows=len(prompts), batch_size=batch_size,
         torch_threads=torch.get_num_threads(), tagger=tagger.name)
    for label, n in Counter(label for label, _ in tags).most_common():
        emit("alpaca_label_share", round(100 * n / len(tags), 1), "%", label=label, rows=n)


if __name__ == "__main__":
    main()
