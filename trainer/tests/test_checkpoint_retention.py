"""Disk stays bounded: a run keeps its newest keep_checkpoints checkpoints plus the best-evaluated one, and the
final student's weights are stored once (the last checkpoint's weights file is a hard link to the final model's)."""

from __future__ import annotations

import torch
from conftest import alpaca_rows, plain_plan, read_events, run_cli, small_train_job
from transformers import AutoModelForCausalLM

from distill import checkpoint

TRAIN = alpaca_rows(8)
EVAL = alpaca_rows(2, offset=900)


def test_a_run_keeps_the_last_n_checkpoints_plus_the_best_evaluated_and_stores_the_final_weights_once(
        make_run_dir):
    # A checkpoint and an eval after each of 8 steps; a learning rate high enough that the held-out loss rises
    # again, so the best checkpoint is an early one the newest two do not include.
    job = small_train_job(checkpoint_every=1, keep_checkpoints=2, max_length=64, max_prompt_length=32,
                          optim={"lr": 3e-3, "batch_size": 2, "grad_accum": 1},
                          eval={"every": 1, "max_new_tokens": 2, "num_prompts": 1})
    run_dir = make_run_dir(job, TRAIN, EVAL, plain_plan([r["id"] for r in TRAIN], epochs=2))

    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]

    events = read_events(run_dir)
    assert [c["step"] for c in events if c["type"] == "checkpoint"] == [*range(1, 9), 8]
    losses = {e["step"]: e["eval_loss"] for e in events if e["type"] == "eval"}
    best_step = min(losses, key=losses.get)
    assert best_step < 7, f"the case needs a best checkpoint older than the newest two: {losses}"
    kept = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert kept == ["best.json", f"step-{best_step:06d}", "step-000007", "step-000008"]
    assert checkpoint.best(run_dir) == {"step": best_step, "eval_loss": losses[best_step]}

    last_weights = run_dir / "checkpoints" / "step-000008" / checkpoint.WEIGHTS
    final_weights = run_dir / "model" / checkpoint.WEIGHTS
    assert last_weights.stat().st_ino == final_weights.stat().st_ino
    # --resume still loads the shared file strictly, and it is the final student.
    student = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    reloaded = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    torch.nn.init.zeros_(reloaded.model.embed_tokens.weight)
    checkpoint.load_weights(last_weights.parent, reloaded, torch.device("cpu"))
    assert all(torch.equal(a, b) for a, b in zip(student.state_dict().values(), reloaded.state_dict().values()))
