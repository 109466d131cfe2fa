"""Training loss per POCL bucket: a real three-stage cumulative curriculum (embedded teacher, 2-layer pruned
student, real alpaca rows) on the CPU, through `python -m distill run`."""

from __future__ import annotations

import pytest
from conftest import alpaca_rows, read_events, run_cli, small_train_job

from distill.bucket_loss import sample_buckets

TRAIN = alpaca_rows(6)


def _cumulative_plan(ids: list[str]) -> dict:
    """As lib/planning/pocl.ts writes it: buckets of 2 (easy → hard), stage s on buckets 1..s."""
    return {"schema_version": 1, "source": "pocl", "stages": [
        {"stage": s, "sample_ids": ids[:2 * s], "epochs": 1, "temperature": 1.0 + 0.5 * (s - 1),
         "kd_weight": 0.7 + 0.15 * (s - 1), "buckets": [{"bucket": b, "samples": 2} for b in range(1, s + 1)]}
        for s in (1, 2, 3)]}


def test_each_step_reports_the_loss_of_exactly_the_buckets_its_stage_trains_on(make_run_dir):
    # One sample per micro-batch and two per step: a step's loss is the mean of its two samples' losses, so
    # its bucket means average back to it, whether both samples came from one bucket or from two.
    job = small_train_job(student={"source": "pruned", "num_layers": 2}, max_length=64, max_prompt_length=32,
                          optim={"lr": 3e-4, "batch_size": 1, "grad_accum": 2})
    run_dir = make_run_dir(job, TRAIN, None, _cumulative_plan([r["id"] for r in TRAIN]))

    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]

    metrics = [e for e in read_events(run_dir) if e["type"] == "metric"]
    assert [m["stage"] for m in metrics] == [1, 2, 2, 3, 3, 3]
    for stage in (1, 2, 3):
        seen = {b for m in metrics if m["stage"] == stage for b in m["bucket_loss"]}
        assert seen == {str(b) for b in range(1, stage + 1)}, (stage, [m["bucket_loss"] for m in metrics])
    for m in metrics:
        values = list(m["bucket_loss"].values())
        assert all(v > 0 for v in values)
        assert sum(values) / len(values) == pytest.approx(m["loss"], rel=1e-4), m


def test_sample_buckets_follow_the_plan_stage_in_order():
    stage = {"sample_ids": list("abcde"), "buckets": [{"bucket": 1, "samples": 2}, {"bucket": 2, "samples": 3}]}
    assert sample_buckets(stage) == [1, 1, 2, 2, 2]
    assert sample_buckets({"sample_ids": list("ab")}) is None
