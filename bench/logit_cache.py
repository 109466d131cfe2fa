"""The teacher-logit cache (docs/logit-cache.md): a train job distilling from the cache against the same job
running the live teacher, the cache's size, and how far the sparse loss lies from the dense one.

Setup, once: rows as bench/trainer_throughput.py picks them (alpaca rows whose chat-templated length lies in
[max_length·3/4, max_length]); the embedded SmolLM2-135M-Instruct teacher; its 6-layer pruned student saved as a
model folder (a "dir" student, so the cached side never loads the teacher: a pruned student would be derived
from it); a teacher_cache job over the rows (its tokens/s is reported too).

Then `--repeats` rounds of the two train jobs, each in its own `python -m distill run` process, the order
swapped every round (live first, then cached first, ...): tokens/s over the steps after `--warmup-steps` (as
trainer_throughput.py measures it) and the process's peak RSS (loading included). Ratio = cached / live per
round; the median of the rounds is reported. Then bytes per stored answer token, and the relative shortfall
(dense − sparse) / dense of the KD loss on the real pair's first batch for each loss, k = 16, 64, 256 and
T = 1, 2.

Prints JSON lines {"metric", "value", "unit"} (with "peer" and "ratio" for the compared pair).

    .venv/bin/python bench/logit_cache.py [--device cpu|cuda] [--batch-size 4] [--max-length 256] [--steps 8]
        [--repeats 3] [--top-k 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trainer_throughput import TEACHER, emit, read_events, run_child, run_train, select_rows, write_run  # noqa: E402

STUDENT = {"source": "pruned", "num_layers": 6}
GAP_KS = (16, 64, 256)
GAP_TEMPERATURES = (1.0, 2.0)


def save_student(folder: Path) -> None:
    import torch

    from distill.models import load_student, load_teacher

    teacher, tokenizer = load_teacher(TEACHER, torch.device("cpu"))
    load_student(STUDENT, teacher, TEACHER, torch.device("cpu")).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def build_cache(work: Path, rows: list[dict], args, env: dict) -> tuple[Path, dict, float]:
    job = {"schema_version": 1, "id": "bench-cache", "kind": "teacher_cache", "created_at": "2026-01-01T00:00:00Z",
           "device": args.device, "teacher": TEACHER, "max_length": args.max_length,
           "max_prompt_length": args.max_length, "top_k": args.top_k, "batch_size": args.batch_size}
    run_dir = write_run(work / "cache", job, rows)
    started = time.monotonic()
    run_child([sys.executable, "-m", "distill", "run", str(run_dir)], env)
    seconds = time.monotonic() - started
    return run_dir / "teacher-cache", read_events(run_dir)[-1]["result"], seconds


def train(work: Path, name: str, rows: list[dict], student: Path, cache: Path | None, args, env: dict) -> dict:
    job = {"schema_version": 1, "id": f"bench-{name}", "kind": "train", "created_at": "2026-01-01T00:00:00Z",
           "seed": 10, "device": args.device, "teacher": TEACHER, "student": {"source": "dir", "path": str(student)},
           "train_data": "data/train.jsonl", "eval_data": None, "plan": "plan.json", "loss": {"name": "fkl"},
           "optim": {"lr": 1e-4, "batch_size": args.batch_size, "grad_accum": 1},
           "max_length": args.max_length, "max_prompt_length": args.max_length, "checkpoint_every": 0,
           "eval": {"every": 0, "max_new_tokens": 1, "num_prompts": 0}, "output_dir": "model",
           "teacher_cache": str(cache) if cache else None}
    result, metrics = run_train(work / name, job, rows, args, env)
    return {**result, "kd_loss": metrics[0]["kd_loss"]}


def loss_gaps(rows: list[dict], args) -> None:
    """(dense − sparse) / dense of each loss on one batch of the rows, teacher and pruned student as loaded."""
    import torch

    from distill.data import collate, encode
    from distill.logit_cache import topk_of
    from distill.losses import DIVERGENCES, head_distill
    from distill.models import HiddenStates, load_student, load_teacher
    from distill.sparse_kd import sparse_head_distill

    cpu = torch.device("cpu")
    teacher, tokenizer = load_teacher(TEACHER, cpu)
    student = load_student(STUDENT, teacher, TEACHER, cpu)
    batch = collate([encode(tokenizer, r["messages"], args.max_length, args.max_length) for r in rows[:args.batch_size]],
                    tokenizer.pad_token_id)
    mask, targets = batch["labels_mask"][:, 1:].bool(), batch["input_ids"][:, 1:]
    with torch.no_grad():
        teacher_hidden = HiddenStates(teacher)(batch["input_ids"], batch["attention_mask"])[:, :-1]
        student_hidden = HiddenStates(student)(batch["input_ids"], batch["attention_mask"])[:, :-1]
        teacher_head, student_head = teacher.get_output_embeddings().weight, student.get_output_embeddings().weight
        stored = {k: topk_of(teacher_hidden[mask] @ teacher_head.T, k) for k in GAP_KS}
        for name in DIVERGENCES:
            for temperature in GAP_TEMPERATURES:
                dense = float(head_distill(name, student_hidden, student_head, teacher_hidden, teacher_head, targets,
                                           mask, temperature=temperature)[2])
                for k, (ids, logprobs, log_tail) in stored.items():
                    sparse = float(sparse_head_distill(name, student_hidden, student_head, ids,
                                                       logprobs.to(torch.bfloat16).float(), log_tail, targets, mask,
                                                       temperature=temperature)[2])
                    emit(f"sparse_kd_shortfall_{name}_T{temperature:g}_k{k}", round(100 * (dense - sparse) / dense, 2),
                         "%", dense=round(dense, 4), sparse=round(sparse, 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top-k", type=int, default=64)
    args = parser.parse_args()
    rows = select_rows(args.steps * args.batch_size, args.max_length)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-logit-cache-") as tmp:
        work = Path(tmp)
        save_student(work / "student")
        cache, built, seconds = build_cache(work, rows, args, env)
        emit("cache_build_tokens_per_s", round(built["tokens"] / seconds, 1), "answer tokens/s",
             note="whole job: teacher load and writing included")
        emit("cache_bytes_per_token", round(built["bytes_per_token"], 1), "B", top_k=args.top_k, values=built["values"])
        rounds = []
        for r in range(args.repeats):
            order = ("live", "cached") if r % 2 == 0 else ("cached", "live")
            result = {side: train(work / f"round{r}", side, rows, work / "student", cache if side == "cached" else None,
                                  args, env) for side in order}
            rounds.append(result)
        for metric, unit in (("tokens_per_s", "tokens/s"), ("peak_rss_mb", "MiB"), ("peak_gpu_mb", "MiB")):
            if rounds[0]["cached"][metric] is None:
                continue
            cached = statistics.median(r["cached"][metric] for r in rounds)
            ratio = statistics.median(r["cached"][metric] / r["live"][metric] for r in rounds)
            emit(f"cached_{metric}", round(cached, 1), unit, peer="live teacher", ratio=round(ratio, 3),
                 live=round(statistics.median(r["live"][metric] for r in rounds), 1))
        emit("first_step_kd_loss", rounds[0]["cached"]["kd_loss"], "nats", peer="live teacher",
             ratio=round(rounds[0]["cached"]["kd_loss"] / rounds[0]["live"]["kd_loss"], 4))
    loss_gaps(rows, args)


if __name__ == "__main__":
    main()
