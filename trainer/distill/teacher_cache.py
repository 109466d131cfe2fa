"""Job kind "teacher_cache": run the teacher once over a run folder's rows and store its top-k log-probabilities and
tail mass for every answer token (distill.logit_cache), so that train jobs with this teacher and data distil from
the cache instead of running it (their `teacher_cache` option).

The rows are encoded exactly as a train job with the same max_length and max_prompt_length encodes them, and the
teacher runs as it does there (its last hidden states, then the output layer on the answer positions only, under
bf16 autocast on CUDA). The cache is written into <output>.partial and renamed to <output> when complete, so a
stopped job never leaves a cache that looks whole.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from distill import confine
from distill.contract import JobError
from distill.data import collate, encode
from distill.events import EventWriter
from distill.logit_cache import CacheWriter, cache_key, topk_of
from distill.models import HiddenStates, check_linear_head, load_teacher, resolve_device, vocab_size
from distill.rows import read_rows


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    device = resolve_device(job["device"])
    rows = read_rows(run_dir / job["data"])
    roots = confine.write_roots(job, run_dir)
    output = run_dir / job["output"]
    confine.check(output, roots)  # fail before the teacher runs, not at the end
    teacher, tokenizer = load_teacher(job["teacher"], device, run_dir)
    check_linear_head(teacher)
    if job["top_k"] >= vocab_size(teacher):
        raise JobError(f"top_k {job['top_k']} must be below the teacher's vocabulary of {vocab_size(teacher)} tokens")
    hidden_states, head = HiddenStates(teacher), teacher.get_output_embeddings().weight
    key = cache_key(job["teacher"], run_dir, tokenizer, job["max_length"], job["max_prompt_length"])
    encoded = {r["id"]: encode(tokenizer, r["messages"], job["max_length"], job["max_prompt_length"]) for r in rows}
    # Longest first: batches of similar length carry little padding, and a too-long batch fails at once.
    order = sorted(rows, key=lambda r: -len(encoded[r["id"]]["input_ids"]))
    events.log(f"teacher {job['teacher']['source']} over {len(rows)} rows: top {job['top_k']} log-probabilities "
               f"({job['values']}) and the tail mass per answer token, on {device}")
    partial = output.with_name(f"{output.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # a stopped attempt's leftovers
    with confine.writing_into(partial, roots) as folder:
        writer = CacheWriter(folder, key, job["top_k"], job["values"], vocab_size(teacher), job["shard_tokens"])
        for start in range(0, len(order), job["batch_size"]):
            batch_rows = order[start:start + job["batch_size"]]
            batch = {k: v.to(device) for k, v in collate([encoded[r["id"]] for r in batch_rows],
                                                           tokenizer.pad_token_id).items()}
            mask = batch["labels_mask"][:, 1:].bool()
            with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                hidden = hidden_states(batch["input_ids"], batch["attention_mask"])[:, :-1]
                for b, row in enumerate(batch_rows):
                    answer = hidden[b][mask[b]]
                    parts = [topk_of(answer[i:i + job["chunk_size"]] @ head.T, job["top_k"])
                             for i in range(0, max(answer.shape[0], 1), job["chunk_size"])]
                    writer.add(row, *(torch.cat(column) for column in zip(*parts)))
            events.progress(min(start + job["batch_size"], len(order)), len(order), "rows")
        manifest = writer.close()
    shutil.rmtree(confine.check(output, roots), ignore_errors=True)
    partial.rename(output)
    stored = sum(f.stat().st_size for f in output.iterdir() if f.name.endswith(".npy"))
    return {"output": job["output"], "rows": len(rows), "tokens": manifest["tokens"], "top_k": job["top_k"],
            "values": job["values"], "bytes": stored,
            "bytes_per_token": stored / manifest["tokens"] if manifest["tokens"] else None}
