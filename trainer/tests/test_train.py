"""The train job end to end through `python -m distill run`: real embedded teacher, a 6-layer pruned student,
real alpaca rows, on the CPU."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
import torch
from conftest import alpaca_rows, distill_cli, plain_plan, read_events, run_cli, small_train_job, write_run_dir
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from distill import checkpoint
from distill.data import prompt_ids
from distill.models import load_student, load_teacher

CPU = torch.device("cpu")
TRAIN = alpaca_rows(8)
EVAL = alpaca_rows(4, offset=900)


def _types(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def test_twenty_steps_lower_the_kd_loss_and_leave_a_loadable_student(make_run_dir):
    # 8 samples × 5 epochs at batch 2: the loss is measured on the same samples again and again, so its fall is
    # learning, not a change of samples.
    job = small_train_job(checkpoint_every=10, eval={"every": 10, "max_new_tokens": 8, "num_prompts": 2})
    run_dir = make_run_dir(job, TRAIN, EVAL, plain_plan([r["id"] for r in TRAIN], epochs=5, kd_weight=0.5))

    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]

    events = read_events(run_dir)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    metrics = _types(events, "metric")
    assert [m["step"] for m in metrics] == list(range(1, 21))
    assert not any("bucket_loss" in m for m in metrics)  # a plain plan has no buckets
    kd = [m["kd_loss"] for m in metrics]
    assert sum(kd[-5:]) / 5 < sum(kd[:5]) / 5, kd
    assert all(m["tokens_per_s"] > 0 and m["peak_mem_mb"] > 0 and m["kd_weight"] == 0.5 for m in metrics)
    seen = [m["tokens_seen"] for m in metrics]
    assert seen == sorted(seen) and seen[0] > 0

    (stage,) = _types(events, "stage")
    assert (stage["stage"], stage["num_stages"], stage["steps"], stage["num_samples"]) == (1, 1, 20, 8)
    assert [e["current"] for e in _types(events, "progress")][-1] == 20
    assert [(c["step"], c["reason"]) for c in _types(events, "checkpoint")] == [
        (10, "interval"), (20, "stage_end"), (20, "final")]
    evals = _types(events, "eval")
    assert [e["step"] for e in evals] == [10, 20]
    assert all(0 <= e["rouge_l"] <= 1 and e["eval_loss"] > 0 for e in evals)

    done = events[-1]
    assert done["type"] == "done"
    assert done["result"]["output_dir"] == "model" and done["result"]["steps"] == 20
    assert done["result"]["rouge_l"] == evals[-1]["rouge_l"] and done["result"]["tokens_per_s"] > 0
    assert done["result"]["tokens_seen"] == seen[-1]

    student = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    assert student.config.num_hidden_layers == 6
    _, tokenizer = load_teacher({"source": "embedded"}, CPU)
    prompt = torch.tensor([prompt_ids(tokenizer, TRAIN[0]["messages"], 64)])
    assert student.generate(prompt, max_new_tokens=4, do_sample=False).shape[1] > prompt.shape[1]


def _resume_job() -> tuple[dict, dict]:
    # Two stages (3 and 2 steps) with a fresh optimizer each: a stop after step 1 or 2 resumes mid-stage (optimizer
    # and schedule state restored), then crosses a stage boundary; 64 tokens keep the three runs short.
    ids = [r["id"] for r in TRAIN]
    plan = {"schema_version": 1, "source": "test", "stages": [
        {"stage": 1, "sample_ids": ids[:6], "epochs": 1, "temperature": 1.0, "kd_weight": 0.7},
        {"stage": 2, "sample_ids": ids[2:6], "epochs": 1, "temperature": 2.0, "kd_weight": 1.0}]}
    return small_train_job(loss={"name": "srkl"}, checkpoint_every=1, max_length=64, max_prompt_length=32), plan


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory):
    """A run sent SIGTERM once its first step is logged; what it left, read before anything resumes it."""
    job, plan = _resume_job()
    run_dir = write_run_dir(tmp_path_factory.mktemp("stopped"), job, TRAIN, None, plan)
    proc = subprocess.Popen(distill_cli(run_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 3600
    while not _types(read_events(run_dir), "metric") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=3600)
    return {"run_dir": run_dir, "returncode": proc.returncode, "stderr": stderr, "events": read_events(run_dir),
            "latest": checkpoint.latest(run_dir)}


def test_sigterm_finishes_the_step_checkpoints_and_exits_143(stopped_run):
    assert stopped_run["returncode"] == 143, stopped_run["stderr"][-3000:]
    events = stopped_run["events"]
    assert not _types(events, "done") and not _types(events, "error")
    stopped_at = _types(events, "metric")[-1]["step"]
    assert 1 <= stopped_at < 5
    assert _types(events, "checkpoint")[-1] | {"seq": 0, "time": 0} == {
        "seq": 0, "time": 0, "type": "checkpoint", "step": stopped_at, "stage": _types(events, "metric")[-1]["stage"],
        "path": f"checkpoints/step-{stopped_at:06d}", "reason": "signal"}
    assert f"stopped by SIGTERM at step {stopped_at}; resume with --resume" in [e["message"] for e in _types(events, "log")]

    folder = stopped_run["latest"]
    assert folder == stopped_run["run_dir"] / "checkpoints" / f"step-{stopped_at:06d}"
    assert checkpoint.read_position(folder)["step"] == stopped_at
    state = checkpoint.load_state(folder)
    assert state["optimizer"]["state"] and "rng" in state
    # The weights load into the student the job describes, and they are trained ones, not the initial copy.
    teacher, _ = load_teacher({"source": "embedded"}, CPU)
    student = load_student({"source": "pruned", "num_layers": 6}, teacher, {"source": "embedded"}, CPU)
    initial = student.model.layers[0].mlp.up_proj.weight.clone()
    checkpoint.load_weights(folder, student, CPU)
    assert not torch.equal(student.model.layers[0].mlp.up_proj.weight, initial)


def test_resume_after_sigterm_equals_an_uninterrupted_run(stopped_run, make_run_dir):
    run_dir = stopped_run["run_dir"]
    resumed = run_cli(run_dir, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    events = read_events(run_dir)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [m["step"] for m in _types(events, "metric")] == list(range(1, 6))
    assert events[-1]["type"] == "done"

    job, plan = _resume_job()
    straight_dir = make_run_dir(job, TRAIN, None, plan, name="straight")
    straight = run_cli(straight_dir)
    assert straight.returncode == 0, straight.stderr[-3000:]

    a = load_file(run_dir / "model" / "model.safetensors")
    b = load_file(straight_dir / "model" / "model.safetensors")
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst <= 1e-5, worst
    losses = lambda d: [m["loss"] for m in _types(read_events(d), "metric")]  # noqa: E731
    assert losses(run_dir) == pytest.approx(losses(straight_dir), abs=1e-5)


def test_vocabulary_mismatch_fails_at_once_naming_both_sizes(make_run_dir):
    job = small_train_job(student={"source": "init", "config": {"vocab_size": 1000, "num_hidden_layers": 2}})
    run_dir = make_run_dir(job, TRAIN[:2])
    proc = run_cli(run_dir)
    assert proc.returncode == 2
    (error,) = _types(read_events(run_dir), "error")
    assert "49152" in error["message"] and "1000" in error["message"] and "vocabulary" in error["message"]
    assert not _types(read_events(run_dir), "metric")
