"""KD training throughput and peak memory: our trainer (`python -m distill run`) against TRL's GKDTrainer set to
the same objective, in one run.

Same teacher (`--teacher`, a job.json modelRef; default the embedded SmolLM2-135M-Instruct), same student
(`--student`, a studentRef; default its 6-layer pruned copy, built by the same distill.models code on both sides),
same rows (alpaca_en_demo rows whose chat-templated length lies within [`--min-length`, max_length], default
[max_length·3/4, max_length], so neither side truncates and batches carry little padding), same batch size,
same number of optimizer steps, AdamW lr 1e-4 cosine, clip 1.0, fp32 weights (bf16 autocast on CUDA), no
gradient checkpointing on either side. Objective: pure forward KL at T = 1 over the answer tokens. TRL:
GKDConfig(beta=0, lmbda=0, seq_kd=False): in trl/experimental/gkd/gkd_trainer.py generalized_jsd_loss,
beta == 0 computes F.kl_div(student_log_probs, teacher_log_probs, log_target=True) = KL(teacher‖student),
the forward KL; lmbda = 0 never generates on-policy. Ours: loss fkl, kd_weight 1, temperature 1.

Each side runs in its own subprocess, so peak RSS (os.wait4's ru_maxrss: loading included) is its own. The
sides alternate over `--repeats` (ours first in even repeats, TRL first in odd ones), so a change of load on a
shared machine falls on both: one pass of each, one after the other, swung from 1.44× to 0.64× here.
Throughput = non-padding tokens of the steps after `--warmup-steps` / the wall time between the end of step
`warmup` and the end of the last step (both sides' timestamps taken at step end: our metric events, TRL's
on_step_end), so model loading and the first, allocation-heavy steps are left out on both sides.

Prints JSON lines {"metric", "value", "unit", "peer", "ratio"}: one per metric and repeat ("repeat": i, ratio =
ours / TRL's in that repeat), then one per metric with "repeat": "median" (value and peer_value the sides'
medians, ratio the median of the per-repeat ratios). On CUDA it adds peak
GPU memory (torch.cuda.max_memory_allocated) and model FLOPs utilization:
    MFU = (6·N_student + 2·N_teacher) · tokens/s / peak bf16 dense FLOP/s
(N = parameter count with the tied embedding counted once; 6N per token for the student's forward and
backward, 2N for the teacher's forward; attention's sequence-dependent FLOPs are left out).

    .venv/bin/python bench/trainer_throughput.py [--device cpu|cuda] [--batch-size 4] [--max-length 256] [--steps 10]
        [--repeats 3] [--teacher '{"source": "dir", "path": "/models/smol1.7b"}'] [--student '{"source": "pruned",
        "num_layers": 6}'] [--speed '{"compile": true}'] [--pack]   (--speed: our job's speed settings; TRL has
        none. --pack: ours packs each micro-batch's rows, speed.pack; it pays with --min-length 0, where rows of any
        length leave padding to remove)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("DISTILL_SHARED_DATASETS") or REPO.parent / "shared" / "datasets")
TEACHER = {"source": "embedded"}
STUDENT = {"source": "pruned", "num_layers": 6}
SEED = 10
LR = 1e-4
# Dense bf16 peak of the GPUs this bench has run on (spec sheets, without sparsity).
PEAK_BF16_FLOPS = {"H100 80GB HBM3": 989e12, "H100 PCIe": 756e12, "H200": 989e12}


def alpaca_rows(datasets: Path = DATASETS) -> list[dict]:
    records = json.loads((datasets / "alpaca_en_demo.json").read_text())
    return [{"id": f"alpaca-{i}", "messages": [
        {"role": "user", "content": r["instruction"] + (f"\n\n{r['input']}" if r.get("input") else "")},
        {"role": "assistant", "content": r["output"]}]} for i, r in enumerate(records)]


def select_rows(n: int, max_length: int, teacher: dict = TEACHER, min_length: int | None = None) -> list[dict]:
    """The first n rows whose full encoding fits in [min_length, max_length] tokens (default min ¾·max_length)."""
    from distill.data import encode
    from distill.models import load_tokenizer

    tokenizer = load_tokenizer(teacher)
    low = max_length * 3 // 4 if min_length is None else min_length
    chosen = []
    for row in alpaca_rows():
        if low <= len(encode(tokenizer, row["messages"], 10**6, 10**6)["input_ids"]) <= max_length:
            chosen.append(row)
            if len(chosen) == n:
                return chosen
    raise SystemExit(f"only {len(chosen)} alpaca rows are {low}..{max_length} tokens long; {n} needed "
                     "(fewer --steps or a smaller --batch-size)")


def window_rate(points: list[tuple[float, int]], warmup: int) -> float:
    """tokens/s between step `warmup` and the last step from (time at step end, cumulative tokens) per step."""
    (t0, n0), (t1, n1) = points[warmup - 1], points[-1]
    return (n1 - n0) / (t1 - t0)


def run_child(argv: list[str], env: dict) -> tuple[float, str]:
    """Run a process to completion; (its own peak RSS in MiB, its stderr)."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} exited with {proc.returncode}:\n{stderr[-4000:]}")
    return usage.ru_maxrss / 1024, stderr  # Linux reports KiB


# ---- our side: the real trainer CLI on a run folder --------------------------------------------------------

def write_run(run_dir: Path, job: dict, rows: list[dict], plan: dict | None = None) -> Path:
    """A run folder: job.json, the rows as data/train.jsonl and, for a train job, plan.json."""
    (run_dir / "data").mkdir(parents=True, exist_ok=True)
    (run_dir / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run_dir / "job.json").write_text(json.dumps(job))
    if plan:
        (run_dir / "plan.json").write_text(json.dumps(plan))
    return run_dir


def read_events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def run_train(run_dir: Path, job: dict, rows: list[dict], args, env: dict) -> tuple[dict, list[dict]]:
    """A train job over `rows` in one stage of pure KD at T = 1, in its own `python -m distill run` process:
    ({tokens_per_s after args.warmup_steps, peak_rss_mb, peak_gpu_mb}, its metric events)."""
    plan = {"schema_version": 1, "source": "plain", "stages": [
        {"stage": 1, "sample_ids": [r["id"] for r in rows], "epochs": 1, "temperature": 1.0, "kd_weight": 1.0}]}
    write_run(run_dir, job, rows, plan)
    rss, _ = run_child([sys.executable, "-m", "distill", "run", str(run_dir)], env)
    metrics = [e for e in read_events(run_dir) if e["type"] == "metric"]
    return {"tokens_per_s": window_rate([(e["time"], e["tokens_seen"]) for e in metrics], args.warmup_steps),
            "peak_rss_mb": rss, "peak_gpu_mb": metrics[-1]["peak_mem_mb"] if args.device == "cuda" else None}, metrics


def ours(work: Path, rows: list[dict], args, env: dict) -> dict:
    job = {"schema_version": 1, "id": "bench-ours", "kind": "train", "created_at": "2026-01-01T00:00:00Z",
           "seed": SEED, "device": args.device, "teacher": args.teacher, "student": args.student,
           "train_data": "data/train.jsonl", "eval_data": None, "plan": "plan.json",
           "loss": {"name": "fkl", "chunk_size": args.chunk_size},
           "optim": {"lr": LR, "weight_decay": 0.01, "warmup_ratio": 0, "grad_clip": 1.0,
                     "batch_size": args.batch_size, "grad_accum": 1, "per_stage": "fresh"},
           "max_length": args.max_length, "max_prompt_length": args.max_length, "gradient_checkpointing": False,
           "checkpoint_every": 0, "eval": {"every": 0, "max_new_tokens": 1, "num_prompts": 0}, "output_dir": "model",
           **({"speed": args.speed} if args.speed else {})}
    result, metrics = run_train(work / "ours", job, rows, args, env)
    return {**result, "steps": len(metrics), "mean_loss": sum(e["loss"] for e in metrics) / len(metrics)}


# ---- TRL's side: GKDTrainer in a child process (`trainer_throughput.py --trl-child WORK`) -------------------

def trl_child(work: Path, args) -> None:
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl.experimental.gkd import GKDConfig, GKDTrainer

    from distill.models import load_student, load_teacher, resolve_device

    device = resolve_device(args.device)
    torch.manual_seed(SEED)
    teacher, tokenizer = load_teacher(args.teacher, device)
    student = load_student(args.student, teacher, args.teacher, device)
    rows = [json.loads(line) for line in (work / "rows.jsonl").read_text().splitlines()]
    points: list[tuple[float, int]] = []
    seen = [0]

    class CountingGKD(GKDTrainer):
        def compute_loss(self, model, inputs, *a, **kw):
            seen[0] += int(inputs["attention_mask"].sum())
            return super().compute_loss(model, inputs, *a, **kw)

    class StepClock(TrainerCallback):
        def on_step_end(self, *a, **kw):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            points.append((time.time(), seen[0]))

    config = GKDConfig(
        output_dir=str(work / "trl"), per_device_train_batch_size=args.batch_size, gradient_accumulation_steps=1,
        max_steps=len(rows) // args.batch_size, learning_rate=LR, lr_scheduler_type="cosine", warmup_steps=0,
        weight_decay=0.01, max_grad_norm=1.0, seed=SEED, max_length=args.max_length,
        lmbda=0.0, beta=0.0, seq_kd=False, temperature=1.0,
        # TRL's own defaults differ (gradient checkpointing on, bf16 on): set to what our job does.
        gradient_checkpointing=False, bf16=device.type == "cuda", use_cpu=device.type == "cpu",
        save_strategy="no", report_to="none", logging_steps=1, disable_tqdm=True, dataloader_num_workers=0)
    trainer = CountingGKD(model=student, teacher_model=teacher, args=config, processing_class=tokenizer,
                          train_dataset=Dataset.from_list(rows), callbacks=[StepClock()])
    result = trainer.train()
    (work / "trl.json").write_text(json.dumps({
        "tokens_per_s": window_rate(points, args.warmup_steps), "steps": len(points),
        "mean_loss": result.training_loss,
        "peak_gpu_mb": torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None}))


def trl(work: Path, rows: list[dict], args, env: dict) -> dict:
    (work / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    argv = [sys.executable, __file__, "--trl-child", str(work), "--device", args.device, "--batch-size",
            str(args.batch_size), "--max-length", str(args.max_length), "--warmup-steps", str(args.warmup_steps),
            "--teacher", json.dumps(args.teacher), "--student", json.dumps(args.student)]
    rss, _ = run_child(argv, env)
    return {**json.loads((work / "trl.json").read_text()), "peak_rss_mb": rss}


# ---- report ------------------------------------------------------------------------------------------------

def flops_per_token(teacher_ref: dict, student_ref: dict) -> float:
    import torch

    from distill.models import load_student, load_teacher

    teacher, _ = load_teacher(teacher_ref, torch.device("cpu"))
    return model_flops_per_token(load_student(student_ref, teacher, teacher_ref, torch.device("cpu")), teacher)


def model_flops_per_token(student, teacher) -> float:
    """6N for the student's forward and backward, 2N for the teacher's forward (parameters() yields a tied
    embedding once)."""
    return 6 * sum(p.numel() for p in student.parameters()) + 2 * sum(p.numel() for p in teacher.parameters())


def peak_bf16_flops(gpu_name: str) -> float | None:
    return next((v for k, v in PEAK_BF16_FLOPS.items() if k in gpu_name), None)


def emit(metric: str, value, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def json_arg(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not JSON: {e}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    # gpu-kit's run.sh names its random-init models in BENCH_TEACHER and BENCH_STUDENT (bench/gpu_check.sh).
    parser.add_argument("--teacher", type=json_arg, default=os.environ.get("BENCH_TEACHER") or json.dumps(TEACHER),
                        help="job.json modelRef, JSON (default: $BENCH_TEACHER, else the embedded model)")
    parser.add_argument("--student", type=json_arg, default=os.environ.get("BENCH_STUDENT") or json.dumps(STUDENT),
                        help="job.json studentRef, JSON (default: $BENCH_STUDENT, else its 6-layer pruned copy)")
    parser.add_argument("--speed", type=json_arg, default=None, help="our job's speed settings, JSON")
    parser.add_argument("--pack", action="store_true", help="ours packs each micro-batch's rows (speed.pack)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--min-length", type=int, default=None, help="shortest row taken (default ¾·max-length)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS") or 3),
                        help="passes of each side, alternating (default: $BENCH_REPEATS, else 3)")
    parser.add_argument("--trl-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trl_child:
        return trl_child(args.trl_child, args)
    if not 1 <= args.warmup_steps < args.steps:
        raise SystemExit("--warmup-steps must be at least 1 and below --steps")
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    if args.pack:
        args.speed = {**(args.speed or {}), "pack": {"enabled": True}}

    paths = [str(REPO / "trainer"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(paths)}
    rows = select_rows(args.steps * args.batch_size, args.max_length, args.teacher, args.min_length)
    per_token = flops_per_token(args.teacher, args.student) if args.device == "cuda" else None
    pairs = []
    for repeat in range(args.repeats):
        sides = {}
        order = ("ours", "trl") if repeat % 2 == 0 else ("trl", "ours")
        for side in order:
            with tempfile.TemporaryDirectory(prefix="bench-trainer-") as tmp:
                sides[side] = (ours if side == "ours" else trl)(Path(tmp), rows, args, env)
        pairs.append((sides["ours"], sides["trl"]))
        report(*pairs[-1], args, per_token, repeat=repeat, order=",".join(order))
    report_medians(pairs, args)


def setting(args) -> dict:
    return {"device": args.device, "batch_size": args.batch_size, "max_length": args.max_length,
            "steps": args.steps, "warmup_steps": args.warmup_steps, "teacher": args.teacher, "student": args.student,
            **({"speed": args.speed} if args.speed else {})}


# (metric, key in a side's result, unit, digits); peak GPU memory and MFU exist on CUDA only.
METRICS = [("kd_train_tokens_per_s", "tokens_per_s", "tokens/s", 1), ("kd_train_peak_rss", "peak_rss_mb", "MiB", 0),
           ("kd_train_peak_gpu_mem", "peak_gpu_mb", "MiB", 0), ("kd_train_mfu", "mfu", "fraction", 4),
           # Not a target: a check that both sides minimise the same objective on the same rows.
           ("kd_train_mean_loss", "mean_loss", "nats", 4)]


def report(mine: dict, peer: dict, args, per_token: float | None, **extra) -> None:
    """One repeat's lines; adds "mfu" to both sides' results on a GPU whose peak is known."""
    if mine["steps"] != peer["steps"]:
        raise SystemExit(f"step counts differ: ours {mine['steps']}, TRL {peer['steps']}")
    if args.device == "cuda":
        import torch

        name = torch.cuda.get_device_name()
        peak = peak_bf16_flops(name)
        if peak is not None:
            mine["mfu"], peer["mfu"] = (per_token * r["tokens_per_s"] / peak for r in (mine, peer))
            extra.update(gpu=name, peak_flops=peak, flops_per_token=per_token)
    for metric, key, unit, digits in METRICS:
        if mine.get(key) is not None and peer.get(key) is not None:
            emit(metric, round(mine[key], digits), unit, peer="trl_gkd", ratio=round(mine[key] / peer[key], 3),
                 peer_value=round(peer[key], digits), **extra, **setting(args))


def report_medians(pairs: list[tuple[dict, dict]], args) -> None:
    for metric, key, unit, digits in METRICS:
        got = [(m[key], p[key]) for m, p in pairs if m.get(key) is not None and p.get(key) is not None]
        if got:
            emit(metric, round(statistics.median(m for m, _ in got), digits), unit, peer="trl_gkd",
                 ratio=round(statistics.median(m / p for m, p in got), 3), repeat="median",
                 peer_value=round(statistics.median(p for _, p in got), digits),
                 per_repeat_ratios=[round(m / p, 3) for m, p in got], **setting(args))


if __name__ == "__main__":
    main()
