"""The train job under torchrun with two CPU ranks (gloo): one event log written by rank 0, one model, and
ranks whose weights stay equal (DDP all-reduces every gradient)."""

from __future__ import annotations

import subprocess
import sys

import torch
import pytest
from conftest import alpaca_rows, plain_plan, read_events, small_train_job
from transformers import AutoModelForCausalLM

# `python -m distill` under torchrun, except that each rank saves its student's final weights, flattened, to
# RUN_DIR/rank-N.pt.
PROBE = """
import sys
import torch
from distill import cli, distributed, train

students = []
init, finish = train.Distiller.__init__, distributed.finish

def keep_student(self, *args, **kwargs):
    init(self, *args, **kwargs)
    students.append(self.student)

def save_then_finish():
    weights = torch.cat([p.detach().flatten() for p in students.pop().parameters()])
    torch.save(weights, f"{sys.argv[2]}/rank-{distributed.rank()}.pt")
    finish()

train.Distiller.__init__, distributed.finish = keep_student, save_then_finish
sys.exit(cli.main())
"""


def test_two_ranks_write_one_contiguous_log_and_one_model_and_stay_in_sync(make_run_dir, tmp_path):
    # Batch 3 over two ranks splits 2 + 1 (so the ranks' gradients differ at step 1); the 4th sample's
    # micro-batch of 1 is lent to both ranks. The samples come from two POCL buckets of 2.
    job = small_train_job(max_length=48, max_prompt_length=24, checkpoint_every=1,
                          optim={"lr": 3e-4, "batch_size": 3, "grad_accum": 1})
    rows = alpaca_rows(4)
    plan = plain_plan([r["id"] for r in rows])
    plan["stages"][0]["buckets"] = [{"bucket": 1, "samples": 2}, {"bucket": 2, "samples": 2}]
    run_dir = make_run_dir(job, rows, None, plan)
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                           str(probe), "run", str(run_dir)], capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert torch.equal(torch.load(run_dir / "rank-0.pt"), torch.load(run_dir / "rank-1.pt"))

    events = read_events(run_dir)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    metrics = [m for m in events if m["type"] == "metric"]
    assert [m["step"] for m in metrics] == [1, 2]
    # Bucket losses are summed over both ranks: the 3 samples of step 1 cover both buckets, and step 2's one
    # sample (on both ranks) is its bucket's mean and the step's loss.
    assert set(metrics[0]["bucket_loss"]) == {"1", "2"}
    (last,) = metrics[1]["bucket_loss"].values()
    assert last == pytest.approx(metrics[1]["loss"], rel=1e-4)
    assert [e["type"] for e in events].count("stage") == 1 and events[-1]["type"] == "done"
    assert [(c["step"], c["reason"]) for c in events if c["type"] == "checkpoint"] == [
        (1, "interval"), (2, "stage_end"), (2, "final")]
    assert AutoModelForCausalLM.from_pretrained(run_dir / "model").config.num_hidden_layers == 6
