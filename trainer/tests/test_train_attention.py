"""KD with the attention-map loss end to end through `python -m distill run`: the embedded SmolLM2 teacher, its
layer-pruned student, real alpaca rows, on the CPU."""

from __future__ import annotations

import pytest
from conftest import alpaca_rows, plain_plan, read_events, run_cli, small_train_job

TRAIN = alpaca_rows(2)


def _metrics(run_dir) -> list[dict]:
    return [e for e in read_events(run_dir) if e["type"] == "metric"]


def test_kd_with_attention_logs_its_own_falling_loss_inside_the_total(make_run_dir):
    # The same two rows every step (batch 2), so a fall is learning, not a change of rows.
    job = small_train_job(attention={"enabled": True, "weight": 0.5, "chunk_size": 16}, max_length=64,
                          max_prompt_length=32)
    run_dir = make_run_dir(job, TRAIN[:2], plan=plain_plan([r["id"] for r in TRAIN[:2]], epochs=5, kd_weight=0.8))

    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = _metrics(run_dir)
    assert len(metrics) == 5
    attn = [m["attn_loss"] for m in metrics]
    assert all(a > 0 for a in attn) and attn[-1] < attn[0], attn
    for m in metrics:  # total = (1 − α)·CE + α·(KD + w·attention)
        expected = 0.2 * m["ce_loss"] + 0.8 * (m["kd_loss"] + 0.5 * m["attn_loss"])
        assert m["loss"] == pytest.approx(expected, rel=1e-5)


def test_an_explicit_layer_map_is_used_and_a_bad_one_is_refused_naming_it(make_run_dir):
    pairs = [{"teacher": 29, "student": 5}, {"teacher": 3, "student": 0}]
    job = small_train_job(attention={"enabled": True, "layer_map": pairs}, max_length=64, max_prompt_length=32)
    run_dir = make_run_dir(job, TRAIN[:2], plan=plain_plan([r["id"] for r in TRAIN[:2]]), name="good")
    proc = run_cli(run_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _metrics(run_dir)[0]["attn_loss"] > 0

    bad = small_train_job(attention={"enabled": True, "layer_map": [{"teacher": 3, "student": 6}]}, max_length=64)
    run_dir = make_run_dir(bad, TRAIN[:2], plan=plain_plan([r["id"] for r in TRAIN[:2]]), name="bad")
    proc = run_cli(run_dir)
    assert proc.returncode != 0
    assert "attention.layer_map pairs [(3, 6)]" in proc.stderr + (run_dir / "events.jsonl").read_text()
