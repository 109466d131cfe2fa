"""KD + DAE's Domain Alignment from Expert with real models on the CPU: the embedded SmolLM2 teacher as the
domain expert, a 12-layer pruned copy of it as the reference model (so the two targets differ), a 6-layer
pruned student, real alpaca rows. The chained run (KD with the attention loss, then DAE) goes through
`python -m distill run` as the studio starts it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import alpaca_rows, read_events, run_cli, small_train_job
from safetensors.torch import load_file

from distill.contract import with_defaults
from distill.losses import LOSSES
from distill.models import load_teacher, pruned_copy
from distill.train import Distiller, seed_everything

CPU = torch.device("cpu")
ROWS = alpaca_rows(4)
FLAGS = [True, False, True, False]
FLAGGED = [{**row, "is_domain": flag} for row, flag in zip(ROWS, FLAGS)]
# The KD phase runs 2 steps over the 4 rows (batch 2), the DAE phase 2 more; checkpoints at both phase ends
# and at step 3 (checkpoint_every 3), inside the DAE phase.
BOUNDARY, LAST = 2, 4


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory) -> Path:
    """A 12-layer pruned copy of the embedded teacher, saved as a model folder: any model the studio loads."""
    teacher, tokenizer = load_teacher({"source": "embedded"}, CPU)
    folder = tmp_path_factory.mktemp("reference")
    pruned_copy(teacher, list(range(0, 30, 30 // 12))[:12]).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def dae_spec(reference_dir: Path) -> dict:
    return {"expert": {"source": "embedded"}, "reference": {"source": "dir", "path": str(reference_dir)}}


def chain_plan(kd_weight: float = 1.0) -> dict:
    ids = [r["id"] for r in ROWS]
    return {"schema_version": 1, "source": "kd-dae", "stages": [
        {"stage": 1, "phase": "kd", "sample_ids": ids, "epochs": 1, "temperature": 1.0, "kd_weight": kd_weight},
        {"stage": 2, "phase": "dae", "sample_ids": ids, "epochs": 1, "temperature": 1.0, "kd_weight": 1.0}]}


def write_run(run_dir: Path, job: dict, plan: dict, rows: list[dict]) -> Path:
    (run_dir / "data").mkdir(parents=True)
    (run_dir / "job.json").write_text(json.dumps({**job, "eval_data": None}))
    (run_dir / "plan.json").write_text(json.dumps(plan))
    (run_dir / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run_dir


def _types(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def test_each_rows_target_comes_from_the_model_its_flag_names(reference_dir, tmp_path):
    """The DAE loss of every row equals forward KL against the full logits of the model its flag names (and
    differs from the other model's), and the step's loss and gradient are those of forward KL against the
    stacked target: each row's expert or reference logits."""
    seed_everything(10)
    job = with_defaults("job.schema.json", small_train_job(dae=dae_spec(reference_dir), max_length=64,
                                                           max_prompt_length=32))
    model = Distiller(job, tmp_path, CPU)
    model.enter_dae()
    assert model.teacher is None and model.teacher_hidden is None
    model.rows = {r["id"]: r for r in ROWS}
    batch = model.batch(tuple(r["id"] for r in ROWS))
    domain = torch.tensor(FLAGS)

    model.student.zero_grad(set_to_none=True)
    total, _, kd, attn, per_sample = model.losses(batch, 1.0, 1.0, domain=domain)
    total.backward()
    assert attn is None and kd is not None
    dae_grads = {name: p.grad.clone() for name, p in model.student.named_parameters() if p.grad is not None}

    ids, attention = batch["input_ids"], batch["attention_mask"]
    mask = batch["labels_mask"][:, 1:].bool()
    with torch.no_grad():
        expert = model.targets.expert(input_ids=ids, attention_mask=attention).logits[:, :-1]
        reference = model.targets.reference(input_ids=ids, attention_mask=attention).logits[:, :-1]
    model.student.zero_grad(set_to_none=True)
    student = model.student(input_ids=ids, attention_mask=attention).logits[:, :-1]
    fkl = LOSSES["fkl"]
    for row, flag in enumerate(FLAGS):
        own = fkl(student[row:row + 1].detach(), (expert if flag else reference)[row:row + 1], mask[row:row + 1])
        other = fkl(student[row:row + 1].detach(), (reference if flag else expert)[row:row + 1], mask[row:row + 1])
        assert per_sample[row].item() == pytest.approx(own.item(), rel=1e-4), row
        # The other model's target gives a loss well outside that tolerance: the match names the model.
        assert per_sample[row].item() != pytest.approx(other.item(), rel=1e-2), (row, own.item(), other.item())

    stacked = torch.where(domain[:, None, None], expert, reference)
    expected = fkl(student, stacked, mask)
    expected.backward()
    assert total.item() == pytest.approx(expected.item(), rel=1e-4)
    for name, grad in dae_grads.items():
        reference_grad = dict(model.student.named_parameters())[name].grad
        assert torch.allclose(grad, reference_grad, rtol=1e-3, atol=1e-6), name


def test_a_dae_target_model_with_another_tokenizer_is_refused_naming_it(tmp_path):
    # A model folder whose tokenizer differs from the student's: two added tokens change its vocabulary.
    teacher, tokenizer = load_teacher({"source": "embedded"}, CPU)
    other = tmp_path / "other"
    pruned_copy(teacher, [0, 29]).save_pretrained(other)
    tokenizer.add_tokens(["<domain-a>", "<domain-b>"])
    tokenizer.save_pretrained(other)
    job = small_train_job(dae={"expert": {"source": "dir", "path": str(other)}, "reference": {"source": "embedded"}},
                          max_length=48, max_prompt_length=24)
    plan = {**chain_plan(), "stages": chain_plan()["stages"][1:]}
    run_dir = write_run(tmp_path / "run", job, plan, FLAGGED)
    proc = run_cli(run_dir)
    assert proc.returncode == 2, proc.stderr[-3000:]
    (error,) = _types(read_events(run_dir), "error")
    assert error["message"].startswith("dae.expert (dir) has another tokenizer than the student"), error
    assert not _types(read_events(run_dir), "metric")


@pytest.mark.parametrize("case", ["dae_before_kd", "no_dae_spec", "flag_not_boolean"])
def test_a_bad_dae_run_folder_fails_before_any_model_loads(case, reference_dir, tmp_path):
    job = small_train_job(dae=dae_spec(reference_dir))
    plan, rows = chain_plan(), FLAGGED
    if case == "dae_before_kd":
        plan["stages"].reverse()
    elif case == "no_dae_spec":
        del job["dae"]
    else:
        rows = [{**FLAGGED[0], "is_domain": "yes"}, *FLAGGED[1:]]
    proc = run_cli(write_run(tmp_path / case, job, plan, rows))
    assert proc.returncode == 2, proc.stderr[-3000:]
    (error,) = _types(read_events(tmp_path / case), "error")
    expected = {"dae_before_kd": "the kd stages must all come before the dae stages",
                "no_dae_spec": "the plan has dae stages but job.json has no `dae`",
                "flag_not_boolean": "is_domain must be true or false (or absent), but rows ['alpaca-0']"}[case]
    assert expected in error["message"]


def chain_job(reference_dir: Path) -> dict:
    return small_train_job(dae={**dae_spec(reference_dir), "lr": 1e-4}, attention={"enabled": True, "chunk_size": 16},
                           max_length=64, max_prompt_length=32, checkpoint_every=3, keep_checkpoints=10)


@pytest.fixture(scope="module")
def chained_run(reference_dir, tmp_path_factory) -> Path:
    """KD with the attention loss, then DAE from the KD student, in one uninterrupted run."""
    run_dir = write_run(tmp_path_factory.mktemp("chain") / "run", chain_job(reference_dir), chain_plan(kd_weight=0.8),
                        FLAGGED)
    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return run_dir


def test_a_chained_run_does_kd_with_attention_then_dae_with_a_curve_per_group(chained_run):
    events = read_events(chained_run)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    phases = [{k: e[k] for k in e if k not in ("seq", "time", "type")} for e in _types(events, "phase")]
    assert phases == [
        {"phase": "kd", "index": 1, "num_phases": 2, "step": 0, "steps": BOUNDARY, "stage": 1, "num_samples": 4},
        {"phase": "dae", "index": 2, "num_phases": 2, "step": BOUNDARY, "steps": LAST - BOUNDARY, "stage": 2,
         "num_samples": 4, "domain_samples": 2}]
    assert [(s["stage"], s["phase"]) for s in _types(events, "stage")] == [(1, "kd"), (2, "dae")]
    # The teacher is released before the DAE phase's event.
    release = next(i for i, e in enumerate(events) if e["type"] == "log" and e["message"].startswith("DAE phase"))
    assert release < events.index(_types(events, "phase")[1])

    metrics = _types(events, "metric")
    assert [(m["step"], m["phase"]) for m in metrics] == [(1, "kd"), (2, "kd"), (3, "dae"), (4, "dae")]
    for m in metrics[:BOUNDARY]:  # KD: (1 − α)·CE + α·(KD + attention), no groups
        assert m["attn_loss"] > 0 and "group_loss" not in m
        assert m["loss"] == pytest.approx(0.2 * m["ce_loss"] + 0.8 * (m["kd_loss"] + m["attn_loss"]), rel=1e-5)
    # The DAE phase starts a fresh schedule at dae.lr (the KD phase's ran down from optim.lr, 3e-4).
    assert metrics[0]["lr"] == pytest.approx(3e-4) and metrics[BOUNDARY]["lr"] == pytest.approx(1e-4)
    drawn = set()
    for m in metrics[BOUNDARY:]:  # DAE: pure KD to the stacked target, no attention loss, a loss per group
        assert "attn_loss" not in m and m["loss"] == pytest.approx(m["kd_loss"], rel=1e-5)
        assert set(m["group_loss"]) <= {"domain", "other"}
        assert all(v > 0 for v in m["group_loss"].values())
        drawn |= set(m["group_loss"])
    assert drawn == {"domain", "other"}
    assert _types(events, "done")[0]["result"]["steps"] == LAST
    assert (chained_run / "model" / "model.safetensors").exists()


def _stopped_copy(run_dir: Path, to: Path, step: int) -> Path:
    """What `run_dir` would have left had it been stopped right after its checkpoint at `step`: the checkpoints
    up to it and its events up to that checkpoint's event, no final model."""
    shutil.copytree(run_dir, to)
    shutil.rmtree(to / "model")
    for folder in (to / "checkpoints").iterdir():
        if folder.name.startswith("step-") and int(folder.name.removeprefix("step-")) > step:
            shutil.rmtree(folder)
    events = read_events(to)
    cut = next(i for i, e in enumerate(events) if e["type"] == "checkpoint" and e["step"] == step)
    (to / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events[:cut + 1]))
    return to


@pytest.mark.parametrize("step", [BOUNDARY, BOUNDARY + 1], ids=["at_the_phase_boundary", "inside_dae"])
def test_resume_across_the_phase_boundary_equals_the_uninterrupted_run(chained_run, tmp_path, step):
    run_dir = _stopped_copy(chained_run, tmp_path / "stopped", step)
    proc = run_cli(run_dir, "--resume")
    assert proc.returncode == 0, proc.stderr[-3000:]

    events = read_events(run_dir)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    resumed = events[next(i for i, e in enumerate(events) if e["type"] == "log" and "resumed from" in e["message"]):]
    # The run goes on in the DAE phase: its phase event comes again only when the resume starts the phase.
    assert [p["phase"] for p in _types(resumed, "phase")] == (["dae"] if step == BOUNDARY else [])
    assert [m["step"] for m in _types(resumed, "metric")] == list(range(step + 1, LAST + 1))

    straight = {m["step"]: m for m in _types(read_events(chained_run), "metric")}
    for m in _types(resumed, "metric"):
        assert m["loss"] == pytest.approx(straight[m["step"]]["loss"], abs=1e-5)
        assert m["group_loss"] == pytest.approx(straight[m["step"]]["group_loss"], abs=1e-5)
    a = load_file(run_dir / "model" / "model.safetensors")
    b = load_file(chained_run / "model" / "model.safetensors")
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst <= 1e-5, worst
