"""Job kind "lengths": count each row's prompt and response tokens with the teacher's tokenizer, so the
studio's length histograms speak in the tokens the models will see rather than characters."""

from __future__ import annotations

import json
import time
from pathlib import Path

from distill import confine
from distill.rows import read_rows
from distill.events import EventWriter
from distill.models import load_tokenizer

PROGRESS_EVERY = 2000


def count_tokens(tokenizer, messages: list[dict]) -> tuple[int, int]:
    """(prompt tokens, response tokens): user and system turns count as prompt, assistant turns as response."""
    prompt = [m["content"] for m in messages if m["role"] != "assistant"]
    response = [m["content"] for m in messages if m["role"] == "assistant"]
    ids = tokenizer(prompt + response, add_special_tokens=False)["input_ids"]
    return sum(map(len, ids[: len(prompt)])), sum(map(len, ids[len(prompt):]))


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    tokenizer = load_tokenizer(job["tokenizer"], base_dir=run_dir)
    rows = read_rows(run_dir / job["data"], need_answer=False)  # a prompt-only row has 0 response tokens
    started = time.monotonic()
    with confine.file(run_dir / job["output"], confine.write_roots(job, run_dir)).open("w") as out:
        for i, row in enumerate(rows, 1):
            prompt_tokens, response_tokens = count_tokens(tokenizer, row["messages"])
            out.write(json.dumps({"id": row["id"], "prompt_tokens": prompt_tokens, "response_tokens": response_tokens}) + "\n")
            if i % PROGRESS_EVERY == 0 or i == len(rows):
                rate = i / max(time.monotonic() - started, 1e-9)
                events.progress(i, len(rows), "rows", eta_s=(len(rows) - i) / rate)
    return {"output": job["output"], "rows": len(rows)}
