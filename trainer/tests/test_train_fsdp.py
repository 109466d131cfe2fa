"""The train job under FSDP (job.distributed.strategy "fsdp") with two CPU ranks over gloo, on tiny models: the same
losses, evaluations, checkpoints and final weights as one process, within float tolerance, and a checkpoint one
process wrote resumes under FSDP to the same end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import alpaca_rows, plain_plan, read_events, small_train_job, write_run_dir
from safetensors.torch import load_file

from distill import checkpoint, cli
from distill.data import encode

MAX_LENGTH, MAX_PROMPT = 40, 16


def _even_rows(tokenizer, n: int, offset: int) -> list[dict]:
    """Rows whose answers fill the window past a full prompt, so every row has the same number of answer tokens:
    then the mean of two ranks' per-row means is one process's mean over both rows, and the runs compare."""
    rows = []
    for row in alpaca_rows(200, offset):
        encoded = encode(tokenizer, row["messages"], MAX_LENGTH, MAX_PROMPT)
        if len(encoded["input_ids"]) == MAX_LENGTH and sum(encoded["labels_mask"]) == MAX_LENGTH - MAX_PROMPT:
            rows.append(row)
        if len(rows) == n:
            return rows
    raise AssertionError("too few long rows")


@pytest.fixture(scope="module")
def runs(tiny_teacher, tmp_path_factory):
    """(one process, FSDP, FSDP resumed from one process's first checkpoint): the same job, the FSDP runs with
    activation checkpointing and the teacher sharded, 2 micro-batches per step (gradient sync on the last only),
    eval and generation after each step."""
    path, tokenizer = tiny_teacher
    train, held_out = _even_rows(tokenizer, 8, 0), _even_rows(tokenizer, 2, 900)
    job = small_train_job(teacher={"source": "dir", "path": str(path)}, student={"source": "pruned", "num_layers": 2},
                          max_length=MAX_LENGTH, max_prompt_length=MAX_PROMPT, checkpoint_every=1,
                          keep_checkpoints=4, gradient_checkpointing=True,
                          optim={"lr": 1e-2, "batch_size": 2, "grad_accum": 2},
                          eval={"every": 1, "max_new_tokens": 4, "num_prompts": 2},
                          distributed={"strategy": "fsdp", "teacher": "shard"})
    plan = plain_plan([r["id"] for r in train], epochs=1, kd_weight=0.5)
    root = tmp_path_factory.mktemp("fsdp")
    single = write_run_dir(root / "single", job, train, held_out, plan)
    sharded = write_run_dir(root / "sharded", job, train, held_out, plan)
    assert cli.run(single, resume=False) == 0  # in this process: torch and transformers are imported already
    resumed = root / "resumed"
    shutil.copytree(single, resumed)
    for later in ("checkpoints/step-000002", "model"):
        shutil.rmtree(resumed / later)
    (resumed / "checkpoints" / checkpoint.BEST).unlink(missing_ok=True)
    for run, args in ((sharded, ()), (resumed, ("--resume",))):
        # --standalone: a free port, so a DDP test running beside this one never joins it.
        proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                               "-m", "distill", "run", str(run), *args], capture_output=True, text=True, timeout=900,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert proc.returncode == 0, proc.stderr[-3000:]
    return single, sharded, resumed


def _of(events: list[dict], kind: str, *fields: str) -> list:
    return [e[f] for e in events if e["type"] == kind for f in fields]


def test_fsdp_on_two_ranks_matches_one_process(runs):
    single, sharded, _ = runs
    one, two = read_events(single), read_events(sharded)
    assert [e["seq"] for e in two] == list(range(1, len(two) + 1))
    one, two = ([e for e in events if e["type"] != "heartbeat"] for events in (one, two))  # timed, not stepped
    assert [e["type"] for e in two] == [e["type"] for e in one]
    for fields in (("loss", "ce_loss", "kd_loss", "grad_norm"), ("eval_loss",)):
        kind = "metric" if len(fields) > 1 else "eval"
        assert _of(two, kind, *fields) == pytest.approx(_of(one, kind, *fields), rel=1e-4, abs=1e-6)
    assert _of(two, "eval", "rouge_l") == _of(one, "eval", "rouge_l")  # greedy answers: the same tokens
    assert _of(two, "checkpoint", "step", "path", "reason") == _of(one, "checkpoint", "step", "path", "reason")
    # A checkpoint and the final model in one process's format: the same tensor names and values.
    for name in ("checkpoints/step-000001/model.safetensors", "model/model.safetensors"):
        a, b = load_file(single / name), load_file(sharded / name)
        assert a.keys() == b.keys()
        for key in a:
            torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5)
    moments = [torch.load(run / "checkpoints/step-000001" / checkpoint.STATE, weights_only=True)["optimizer"]
               for run in (single, sharded)]
    assert moments[1]["param_groups"] == moments[0]["param_groups"]
    torch.testing.assert_close(moments[1]["state"], moments[0]["state"], rtol=1e-4, atol=1e-6)


def test_a_checkpoint_one_process_wrote_resumes_under_fsdp_to_the_same_end(runs):
    single, _, resumed = runs
    a, b = load_file(single / "model/model.safetensors"), load_file(resumed / "model/model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5)
    events = read_events(resumed)
    assert "resumed from checkpoints/step-000001 at step 1" in [e.get("message") for e in events]
    assert events[-1]["type"] == "done"
