"""Difficulty scoring throughput on this CPU: a real `python -m distill run` score job per scorer (POCL's
measurer: greedy answer + ROUGE-L + CE with the embedded 6-layer pruned student; mfd_ce: student and teacher CE)
over the first N rows of ../shared/datasets/alpaca_en_demo.json. Rows/s runs from the first progress event to
the last (model loading excluded; it is printed apart as the time to that first event).
Prints JSON lines {"metric", "value", "unit"}.
Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/scoring_throughput.py [rows=64] [max_new_tokens=32]"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from distill.tagging import heldout


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def messages(row: dict) -> list[dict]:
    prompt = row["instruction"] + (f"\n{row['input']}" if row["input"] else "")
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": row["output"]}]


def score(scorer: str, rows: list[dict], max_new_tokens: int) -> None:
    run_dir = Path(tempfile.mkdtemp(prefix=f"distill-bench-{scorer}-"))
    (run_dir / "data").mkdir()
    (run_dir / "data" / "rows.jsonl").write_text(
        "".join(json.dumps({"id": f"r{i}", "messages": messages(r)}) + "\n" for i, r in enumerate(rows)))
    job = {"schema_version": 1, "id": f"bench-score-{scorer}", "kind": "score", "created_at": "2026-01-01T00:00:00Z",
           "seed": 0, "device": "cpu", "scorer": scorer, "teacher": {"source": "embedded"},
           "student": {"source": "pruned", "num_layers": 6}, "data": "data/rows.jsonl",
           "max_new_tokens": max_new_tokens, "max_prompt_length": 192, "max_length": 384, "batch_size": 8,
           "output": "scores.jsonl"}
    (run_dir / "job.json").write_text(json.dumps(job))
    started = time.time()
    proc = subprocess.run([sys.executable, "-m", "distill", "run", str(run_dir)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{scorer} job failed: {proc.stderr[-2000:]}")
    progress = [e for e in map(json.loads, (run_dir / "events.jsonl").read_text().splitlines())
                if e["type"] == "progress" and e.get("unit") == "rows"]
    first, last = progress[0], progress[-1]
    emit(f"score_{scorer}_startup", round(first["time"] - started, 1), "s", note="process start to first batch done")
    emit(f"score_{scorer}_throughput", round((last["current"] - first["current"]) / (last["time"] - first["time"]), 2),
         "rows/s", rows=len(rows), batch_size=job["batch_size"], max_new_tokens=max_new_tokens)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    max_new_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    rows = json.loads((heldout.datasets_dir() / "alpaca_en_demo.json").read_text(encoding="utf-8"))[:n]
    for scorer in ("pocl", "mfd_ce"):
        score(scorer, rows, max_new_tokens)


if __name__ == "__main__":
    main()
