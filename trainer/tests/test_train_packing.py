"""job.speed.pack on tiny models: packed rows give each row the hidden states, logits, losses and gradients it has in
the padded batch, a packed run follows the unpacked run's loss curve and resumes exactly, and packing is refused
with the attention-map loss."""

from __future__ import annotations

import shutil

import pytest
import torch
from conftest import alpaca_rows, plain_plan, read_events, small_train_job, write_run_dir
from safetensors.torch import load_file
from transformers import LlamaConfig, LlamaForCausalLM

from distill import cli
from distill.contract import JobError, with_defaults
from distill.data import encode
from distill.packing import Packer, first_fit, hidden_states, pack
from distill.train import Distiller

CPU = torch.device("cpu")
MAX_LENGTH, MAX_PROMPT = 64, 24


def test_pack_lays_rows_end_to_end_with_positions_restarting_at_each_row():
    rows = [[11, 12, 13], [21, 22, 23, 24, 25], [31, 32], [41]]
    packed = pack(rows, width=5, pad_id=0, max_tokens=6, pad_multiple=4)
    # First fit, longest first: [row 1, row 3], [row 0, row 2], padded to 8 (6 rounded up to a multiple of 4).
    assert packed.input_ids.tolist() == [[21, 22, 23, 24, 25, 41, 0, 0], [11, 12, 13, 31, 32, 0, 0, 0]]
    assert packed.position_ids.tolist() == [[0, 1, 2, 3, 4, 0, 0, 1], [0, 1, 2, 0, 1, 0, 1, 2]]
    flat = packed.input_ids.flatten()
    for i, row in enumerate(rows):
        assert flat[packed.index[i, :len(row)]].tolist() == row
    assert first_fit([9, 3], max_tokens=4) == [[0], [1]]  # a row longer than max_tokens is a sequence by itself
    assert pack(rows, 5, 0, max_tokens=None).input_ids.shape == (1, 11)  # flash attention: one sequence


def test_max_tokens_bounds_a_sequence_except_under_flash_attention():
    lm = LlamaForCausalLM(LlamaConfig(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                      num_attention_heads=2))
    job = with_defaults("job.schema.json", small_train_job(speed={"pack": {"enabled": True}}))
    assert Packer(job, [lm]).max_tokens == job["max_length"]  # null: the job's max_length
    job["speed"]["pack"]["max_tokens"] = 300
    assert Packer(job, [lm]).max_tokens == 300
    # transformers finds packed rows' bounds for flash attention only in a batch of one sequence.
    lm.config._attn_implementation = "flash_attention_2"
    assert Packer(job, [lm]).max_tokens is None


def _rows(tokenizer, n: int) -> list[dict]:
    """Rows of different lengths under MAX_LENGTH, each with answer tokens, so a padded batch of them is mostly
    padding and packs into one sequence."""
    rows, lengths = [], set()
    for row in alpaca_rows(200):
        encoded = encode(tokenizer, row["messages"], MAX_LENGTH, MAX_PROMPT)
        length = len(encoded["input_ids"])
        if length < MAX_LENGTH * 3 // 4 and sum(encoded["labels_mask"]) > 2 and length not in lengths:
            rows.append(row)
            lengths.add(length)
        if len(rows) == n:
            return rows
    raise AssertionError("too few short rows")


def _job(path, **overrides) -> dict:
    return small_train_job(teacher={"source": "dir", "path": str(path)}, student={"source": "pruned", "num_layers": 2},
                           max_length=MAX_LENGTH, max_prompt_length=MAX_PROMPT, **overrides)


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_a_packed_micro_batch_gives_each_row_its_padded_logits_losses_and_gradients(tiny_teacher, tmp_path, attention):
    path, tokenizer = tiny_teacher
    rows = _rows(tokenizer, 4)
    model = Distiller(with_defaults("job.schema.json", _job(path, speed={"pack": {"enabled": True,
                                                                                   "max_tokens": 4 * MAX_LENGTH}})),
                      tmp_path, CPU)
    for lm in (model.student, model.teacher):
        lm.set_attn_implementation(attention)
    model.rows = {r["id"]: r for r in rows}
    ids = tuple(r["id"] for r in rows)
    batch = model.batch(ids)
    padded = {k: v for k, v in batch.items() if k != "packed"}
    assert batch["packed"].input_ids.shape[0] == 1 < len(ids)  # all four rows in one sequence
    assert batch["packed"].input_ids.numel() == model.tokens(ids) < batch["input_ids"].numel()

    real = batch["attention_mask"].bool()
    head = model.student.get_output_embeddings().weight
    with torch.no_grad():
        for lm in (model.student_hidden, model.teacher_hidden):
            logits = [hidden_states(lm, b)[real] @ head.T for b in (batch, padded)]
            torch.testing.assert_close(logits[0], logits[1], rtol=1e-5, atol=1e-5)

    grads = []
    for b in (batch, padded):
        model.student.zero_grad(set_to_none=True)
        parts = model.losses(b, 2.0, 0.7)
        parts[0].backward()
        grads.append([p.grad.clone() for p in model.student.parameters()])
        if b is batch:
            packed_parts = parts
    for name, a, b in zip(("total", "ce", "kd", "attn", "per_sample"), packed_parts, parts, strict=True):
        if a is not None:
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_packing_is_refused_with_the_attention_loss(tiny_teacher, tmp_path):
    path, _ = tiny_teacher
    job = with_defaults("job.schema.json", _job(path, speed={"pack": {"enabled": True}}, attention={"enabled": True}))
    with pytest.raises(JobError, match="speed.pack cannot be combined with attention.enabled"):
        Distiller(job, tmp_path, CPU)


@pytest.fixture(scope="module")
def runs(tiny_teacher, tmp_path_factory):
    """(unpacked, packed, packed resumed from its step-3 checkpoint, mid-stage): 4 steps of 2 micro-batches of 3
    rows, a POCL plan of two stages with buckets, eval after every 2 steps."""
    path, tokenizer = tiny_teacher
    rows = _rows(tokenizer, 14)
    train, held_out = rows[:12], rows[12:]
    ids = [r["id"] for r in train]
    plan = {"schema_version": 1, "source": "pocl", "stages": [
        {"stage": 1, "sample_ids": ids[:6], "epochs": 2, "temperature": 1.0, "kd_weight": 0.5,
         "buckets": [{"bucket": 1, "samples": 6}]},
        {"stage": 2, "sample_ids": ids, "epochs": 1, "temperature": 2.0, "kd_weight": 1.0,
         "buckets": [{"bucket": 1, "samples": 6}, {"bucket": 2, "samples": 6}]}]}
    root = tmp_path_factory.mktemp("packing")
    made = []
    for name, pack_ in (("unpacked", False), ("packed", True)):
        job = _job(path, optim={"lr": 1e-2, "batch_size": 3, "grad_accum": 2}, checkpoint_every=1,
                   keep_checkpoints=4, eval={"every": 2, "max_new_tokens": 4, "num_prompts": 0},
                   speed={"pack": {"enabled": pack_}})
        made.append(write_run_dir(root / name, job, train, held_out, plan))
        assert cli.run(made[-1], resume=False) == 0
    resumed = root / "resumed"
    shutil.copytree(made[1], resumed)
    for later in ("checkpoints/step-000004", "model"):
        shutil.rmtree(resumed / later)
    assert cli.run(resumed, resume=True) == 0
    return (*made, resumed)


def _metrics(run, *fields) -> list:
    """The fields' values, flattened over the events that have them all (a dict field by its sorted keys)."""
    values = [e[f] for e in read_events(run) if all(f in e for f in fields) for f in fields]
    return [x for v in values for x in ([v[k] for k in sorted(v)] if isinstance(v, dict) else [v])]


def test_a_packed_run_follows_the_unpacked_runs_loss_curve(runs):
    unpacked, packed, _ = runs
    fields = ("step", "loss", "ce_loss", "kd_loss", "grad_norm")
    assert len(_metrics(unpacked, *fields)) == 4 * len(fields)
    assert _metrics(packed, *fields) == pytest.approx(_metrics(unpacked, *fields), rel=1e-4, abs=1e-6)
    assert _metrics(packed, "step", "bucket_loss") == pytest.approx(_metrics(unpacked, "step", "bucket_loss"),
                                                                    rel=1e-4, abs=1e-6)
    assert _metrics(packed, "step", "eval_loss") == pytest.approx(_metrics(unpacked, "step", "eval_loss"), rel=1e-4)
    assert _metrics(packed, "tokens_seen") == _metrics(unpacked, "tokens_seen")  # no padding counted on either side


def test_a_resumed_packed_run_equals_the_uninterrupted_one(runs):
    _, packed, resumed = runs
    a, b = load_file(packed / "model/model.safetensors"), load_file(resumed / "model/model.safetensors")
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-6
    # The copied run folder's events.jsonl holds the first run's events, then the resumed run's.
    assert "resumed from checkpoints/step-000003 at step 3" in [e.get("message") for e in read_events(resumed)]
    assert _metrics(resumed, "step", "loss")[-2:] == pytest.approx(_metrics(packed, "step", "loss")[-2:], abs=1e-6)
    assert _metrics(resumed, "step", "loss")[-2] == 4
