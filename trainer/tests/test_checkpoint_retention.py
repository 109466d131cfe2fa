"""Disk stays bounded: a run keeps its newest keep_checkpoints checkpoints plus the best-evaluated one, and the
final student's weights are stored once (the last checkpoint's weights file is a hard link to the final model's)."""

from __future__ import annotations

import torch
from conftest import alpaca_rows, read_events, run_cli, small_train_job
from torch import nn
from transformers import AutoModelForCausalLM

from distill import checkpoint

TRAIN = alpaca_rows(8)
EVAL = alpaca_rows(2, offset=900)


def test_a_run_keeps_the_last_n_checkpoints_plus_the_best_evaluated_and_stores_the_final_weights_once(
        make_run_dir):
    # A checkpoint and an eval after each of 4 steps, the newest one kept; a learning rate high enough that the
    # held-out loss jumps about, so the best may be an older checkpoint (the test below makes sure of that case).
    job = small_train_job(checkpoint_every=1, keep_checkpoints=1, max_length=64, max_prompt_length=32,
                          optim={"lr": 3e-3, "batch_size": 2, "grad_accum": 1},
                          eval={"every": 1, "max_new_tokens": 1, "num_prompts": 1})
    run_dir = make_run_dir(job, TRAIN, EVAL)

    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]

    events = read_events(run_dir)
    assert [c["step"] for c in events if c["type"] == "checkpoint"] == [1, 2, 3, 4, 4]
    losses = {e["step"]: e["eval_loss"] for e in events if e["type"] == "eval"}
    best_step = min(losses, key=losses.get)
    kept = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert kept == sorted({"best.json", f"step-{best_step:06d}", "step-000004"})
    assert checkpoint.best(run_dir) == {"step": best_step, "eval_loss": losses[best_step]}

    last_weights = run_dir / "checkpoints" / "step-000004" / checkpoint.WEIGHTS
    final_weights = run_dir / "model" / checkpoint.WEIGHTS
    assert last_weights.stat().st_ino == final_weights.stat().st_ino
    # --resume still loads the shared file strictly, and it is the final student.
    student = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    reloaded = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    torch.nn.init.zeros_(reloaded.model.embed_tokens.weight)
    checkpoint.load_weights(last_weights.parent, reloaded, torch.device("cpu"))
    assert all(torch.equal(a, b) for a, b in zip(student.state_dict().values(), reloaded.state_dict().values()))


def test_the_best_checkpoint_outlives_newer_ones_until_a_better_one_is_kept(tmp_path):
    model = nn.Linear(4, 4)
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    roots = [tmp_path]

    def step(n: int, eval_loss: float) -> list[str]:
        checkpoint.save(tmp_path, n, model, optimizer, scheduler, {}, roots, keep=2)
        checkpoint.record_eval(tmp_path, n, eval_loss, roots, keep=2)
        return sorted(p.name for p in checkpoint.checkpoints_dir(tmp_path).glob("step-*"))

    assert step(1, 3.0) == ["step-000001"]
    assert step(2, 1.0) == ["step-000001", "step-000002"]
    assert step(3, 2.0) == ["step-000002", "step-000003"]
    assert step(4, 2.5) == ["step-000002", "step-000003", "step-000004"]  # the best, and the newest two
    assert step(5, 1.5) == ["step-000002", "step-000004", "step-000005"]
    assert step(6, 0.5) == ["step-000005", "step-000006"]  # a better one: the old best goes
    assert checkpoint.best(tmp_path) == {"step": 6, "eval_loss": 0.5}
    assert checkpoint.latest(tmp_path).name == "step-000006"
