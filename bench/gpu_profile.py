"""Where a KD step's time goes, before and after job.speed: our Distiller on the LARGE pair (or any teacher and
student folders), one optimizer step as run_job takes it, timed for speed.precision "fp32" (the trainer before
issue 16: fp32 weights under bf16 autocast, unfused AdamW, shapes padded to the longest row) and "auto" (bf16 teacher,
bf16 student copy with fp32 master weights, fused AdamW, shapes padded to multiples of 64), then a torch.profiler
table of 3 steps of the faster one. Replaces gpu-kit's profile_step.py, which predates Distiller.losses' 5 outputs.

    python bench/gpu_profile.py --teacher DIR --student DIR --datasets DIR --out DIR [--batch-size 32] [--device cuda]

Prints and writes (OUT/profile_summary.jsonl) one line per configuration: tokens/s (non-padding), answer share,
MFU on a known GPU, step seconds, peak GPU MiB; OUT/profile_cpu.txt and OUT/profile_cuda.txt hold the tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trainer_throughput import alpaca_rows, model_flops_per_token, peak_bf16_flops  # noqa: E402

from distill.contract import with_defaults  # noqa: E402
from distill.train import Distiller, make_optimizer  # noqa: E402


def job_for(args, precision: str) -> dict:
    return with_defaults("job.schema.json", {
        "schema_version": 1, "id": "profile", "kind": "train", "created_at": "2026-11-29T00:00:00Z", "seed": 10,
        "device": args.device, "teacher": {"source": "dir", "path": str(args.teacher)},
        "student": {"source": "dir", "path": str(args.student)}, "eval_data": None,
        "loss": {"name": "fkl", "chunk_size": 128}, "optim": {"lr": 1e-4, "batch_size": args.batch_size},
        "max_length": args.max_length, "max_prompt_length": args.max_length // 2, "checkpoint_every": 0,
        "eval": {"every": 0}, "speed": {"precision": precision}})


class Stepper:
    """One optimizer step as run_job takes it (one micro-batch, no events)."""

    def __init__(self, args, precision: str, rows: list[dict]):
        self.device = torch.device(args.device)
        self.model = Distiller(job_for(args, precision), Path("."), self.device)
        self.model.rows = {r["id"]: r for r in rows}
        self.ids = [r["id"] for r in rows]
        self.optimizer, _ = make_optimizer(self.model.student, self.model.job["optim"], 1000,
                                           fused=self.model.speed.fused_adamw)
        self.batch_size, self.next = args.batch_size, 0
        per_token = model_flops_per_token(self.model.student, self.model.teacher)
        peak = peak_bf16_flops(torch.cuda.get_device_name()) if self.device.type == "cuda" else None
        self.mfu_per_token_s = per_token / peak if peak else None  # MFU = this · tokens/s

    def step(self) -> tuple[int, int]:
        ids = tuple(self.ids[self.next:self.next + self.batch_size])
        self.next = (self.next + self.batch_size) % (len(self.ids) - self.batch_size)
        model = self.model
        batch = model.batch(ids)
        loss = model.losses(batch, 1.0, 1.0)[0]
        loss.backward()
        model.compute.grads_to_master()
        torch.nn.utils.clip_grad_norm_(model.student.parameters(), 1.0)
        self.optimizer.step()
        model.compute.weights_from_master()
        self.optimizer.zero_grad(set_to_none=True)
        return model.tokens(ids), sum(sum(model._encoded[i]["labels_mask"]) for i in ids)

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def measure(self, label: str, steps: int, warmup: int) -> dict:
        for _ in range(warmup):
            self.step()
        self.sync()
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        start, tokens, answers = time.perf_counter(), 0, 0
        for _ in range(steps):
            t, a = self.step()
            tokens, answers = tokens + t, answers + a
        self.sync()
        seconds = time.perf_counter() - start
        result = {"label": label, "batch": self.batch_size, "tokens_per_s": round(tokens / seconds),
                  "answer_share": round(answers / tokens, 3), "step_s": round(seconds / steps, 4),
                  "mfu": round(self.mfu_per_token_s * tokens / seconds, 4) if self.mfu_per_token_s else None,
                  "peak_gpu_mib": round(torch.cuda.max_memory_allocated(self.device) / 2**20)
                  if self.device.type == "cuda" else None}
        print(json.dumps(result), flush=True)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--student", type=Path, required=True)
    parser.add_argument("--datasets", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup-steps", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = alpaca_rows(args.datasets)

    results = []
    for precision in ("fp32", "auto"):
        stepper = Stepper(args, precision, rows)
        results.append(stepper.measure(f"speed.precision {precision}", args.steps, args.warmup_steps))
        if precision == "auto":
            from torch.profiler import ProfilerActivity, profile

            activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device == "cuda" else [])
            with profile(activities=activities) as prof:
                for _ in range(3):
                    stepper.step()
                stepper.sync()
            table = prof.key_averages()
            (args.out / "profile_cpu.txt").write_text(table.table(sort_by="cpu_time_total", row_limit=30))
            if args.device == "cuda":
                (args.out / "profile_cuda.txt").write_text(table.table(sort_by="cuda_time_total", row_limit=30))
            print(table.table(sort_by="self_cpu_time_total", row_limit=12), flush=True)
        del stepper
        if args.device == "cuda":
            torch.cuda.empty_cache()
    (args.out / "profile_summary.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))


if __name__ == "__main__":
    main()
