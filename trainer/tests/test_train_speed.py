"""job.speed on the CPU: batches padded to a multiple keep every loss, and the bf16 student with fp32 master
weights (CUDA's default, forced here by precision "bf16") trains the master and resumes exactly."""

from __future__ import annotations

import os
import shutil

import pytest
import torch
from conftest import alpaca_rows, read_events, run_cli, small_train_job
from safetensors.torch import load_file

from distill.contract import JobError, with_defaults
from distill.speed import Speed
from distill.train import Distiller, make_optimizer

CPU = torch.device("cpu")
TRAIN = alpaca_rows(6)
IDS = ("alpaca-0", "alpaca-1")


def distiller(tmp_path, **speed) -> Distiller:
    job = with_defaults("job.schema.json", small_train_job(max_length=64, max_prompt_length=32, speed=speed))
    model = Distiller(job, tmp_path, CPU)
    model.rows = {r["id"]: r for r in TRAIN}
    return model


def test_padding_to_a_multiple_leaves_every_loss_unchanged(tmp_path):
    model = distiller(tmp_path)
    assert model.speed.pad_multiple == 1  # the CPU default: the longest row
    with torch.no_grad():
        plain_batch = model.batch(IDS)
        plain = model.losses(plain_batch, 2.0, 0.7)
        model.speed.pad_multiple = 48  # rows of 64 tokens at most (max_length) padded to 96
        padded_batch = model.batch(IDS)
        padded = model.losses(padded_batch, 2.0, 0.7)
    assert plain_batch["input_ids"].shape[1] <= 64 < padded_batch["input_ids"].shape[1] == 96
    assert model.tokens(IDS) == int(padded_batch["attention_mask"].sum()) == int(plain_batch["attention_mask"].sum())
    for name, a, b in zip(("total", "ce", "kd", "attn", "per_sample"), plain, padded, strict=True):
        if a is not None:
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)


def test_bf16_student_computes_in_bf16_and_steps_its_fp32_master(tmp_path):
    model = distiller(tmp_path, precision="bf16")
    assert model.teacher.dtype == torch.bfloat16 and model.compute.model.dtype == torch.bfloat16
    assert model.student.dtype == torch.float32 and model.compute.master is model.student
    batch = model.batch(IDS)

    # The fp32 student's own gradient, for reference (the same bf16 teacher on both sides).
    reference_loss = model.losses(batch, 1.0, 1.0, train=False)[0]
    reference_loss.backward()
    reference = [p.grad.clone() for p in model.student.parameters()]
    model.student.zero_grad(set_to_none=True)

    loss = model.losses(batch, 1.0, 1.0)[0]
    assert loss.item() == pytest.approx(reference_loss.item(), rel=2e-2)
    loss.backward()
    model.compute.grads_to_master()
    assert all(p.grad is None for p in model.compute.model.parameters())
    grads = [p.grad for p in model.student.parameters()]
    assert all(g.dtype == torch.float32 for g in grads)
    flat, flat_reference = torch.cat([g.flatten() for g in grads]), torch.cat([g.flatten() for g in reference])
    assert torch.nn.functional.cosine_similarity(flat, flat_reference, dim=0) > 0.99

    before = [p.detach().clone() for p in model.student.parameters()]
    optimizer, _ = make_optimizer(model.student, model.job["optim"], 10)
    optimizer.step()
    model.compute.weights_from_master()
    assert all(not torch.equal(p, b) for p, b in zip(model.student.parameters(), before) if p.dim() >= 2)
    for master, copy_ in zip(model.student.parameters(), model.compute.model.parameters(), strict=True):
        assert torch.equal(copy_, master.detach().to(torch.bfloat16))


def test_fsdp_computes_in_bf16_without_the_student_copy_and_refuses_compile():
    speed = with_defaults("job.schema.json", small_train_job(speed={"precision": "bf16"}))["speed"]
    assert Speed(speed, CPU, sharded=False).student_copy
    assert Speed(speed, CPU, sharded=True).bf16 and not Speed(speed, CPU, sharded=True).student_copy
    with pytest.raises(JobError, match="cannot be combined with job.distributed.strategy 'fsdp'"):
        Speed({**speed, "compile": True}, CPU, sharded=True)


@pytest.mark.skipif(not os.environ.get("DISTILL_BF16_RESUME"), reason="two CLI runs (~2 min of CPU): set DISTILL_BF16_RESUME=1")
def test_bf16_run_resumed_from_a_checkpoint_equals_the_uninterrupted_run(make_run_dir):
    ids = [r["id"] for r in TRAIN]
    plan = {"schema_version": 1, "source": "test", "stages": [
        {"stage": 1, "sample_ids": ids[:4], "epochs": 1, "temperature": 1.0, "kd_weight": 0.7},
        {"stage": 2, "sample_ids": ids[2:6], "epochs": 1, "temperature": 2.0, "kd_weight": 1.0}]}
    job = small_train_job(loss={"name": "srkl"}, checkpoint_every=1, keep_checkpoints=10, max_length=64,
                          max_prompt_length=32, speed={"precision": "bf16"})
    straight_dir = make_run_dir(job, TRAIN, None, plan, name="straight")
    straight = run_cli(straight_dir)
    assert straight.returncode == 0, straight.stderr[-3000:]

    # A run that stopped after step 1 (mid-stage: the optimizer's state and the schedule are restored).
    resumed_dir = make_run_dir(job, TRAIN, None, plan, name="resumed")
    shutil.copytree(straight_dir / "checkpoints" / "step-000001", resumed_dir / "checkpoints" / "step-000001")
    resumed = run_cli(resumed_dir, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    a = load_file(straight_dir / "model" / "model.safetensors")
    b = load_file(resumed_dir / "model" / "model.safetensors")
    assert a.keys() == b.keys() and all(t.dtype == torch.float32 for t in b.values())
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst <= 1e-5, worst
    losses = lambda d: {m["step"]: m["loss"] for m in read_events(d) if m["type"] == "metric"}  # noqa: E731
    assert set(losses(resumed_dir)) == {2, 3, 4}
    assert [losses(resumed_dir)[s] for s in (2, 3, 4)] == pytest.approx([losses(straight_dir)[s] for s in (2, 3, 4)],
                                                                        abs=1e-5)
