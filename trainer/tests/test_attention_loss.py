"""The attention-map loss (docs/methods.md, KD + DAE §2) against a float64 reference that takes the full maps from
the models' own eager attention (output_attentions) and applies the formula to whole [B, H, T, T] tensors."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from transformers import AttentionInterface, LlamaConfig, LlamaForCausalLM
from transformers.masking_utils import AttentionMaskInterface, eager_mask

from distill.attention_loss import AttentionCapture, attention_kl, layer_map
from distill.contract import JobError
from distill.models import pruned_layers

B, T = 3, 13


def tiny(layers: int, heads: int, kv_heads: int, seed: int) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=40, hidden_size=48, head_dim=8, intermediate_size=48, num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=64,
                         attn_implementation="sdpa")
    return LlamaForCausalLM(config).to(torch.float64)


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 40, (B, T), generator=g)
    attention = torch.ones(B, T, dtype=torch.long)
    attention[1, -4:] = 0  # right padding, as collate makes it
    answer = torch.zeros(B, T, dtype=torch.bool)
    answer[0, 5:] = True
    answer[1, 3:9] = True
    answer[2, [2, 3, 7, 8, 12]] = True  # two answer turns with a prompt between them
    return ids, attention, answer


def float64_eager(module, query, key, value, attention_mask, scaling, **kwargs):
    """transformers' eager attention, except that its softmax stays in the input's precision (eager's own
    softmaxes in float32, which would make the reference no better than the code under test)."""
    repeat = query.shape[1] // key.shape[1]
    key, value = key.repeat_interleave(repeat, 1), value.repeat_interleave(repeat, 1)
    weights = torch.softmax(query @ key.transpose(-1, -2) * scaling + attention_mask, dim=-1)
    return (weights @ value).transpose(1, 2).contiguous(), weights


AttentionInterface.register("float64_eager", float64_eager)
AttentionMaskInterface.register("float64_eager", eager_mask)


def reference(teacher, student, pairs, ids, attention, answer) -> torch.Tensor:
    """Σ_pairs Σ_rows Σ_groups KL(A_t ‖ A_s) / (rows · groups · pairs), heads averaged in gcd-sized groups, from
    the full [B, H, T, T] maps of a float64 eager forward."""
    def maps(model):
        eager = copy.deepcopy(model)
        eager.set_attn_implementation("float64_eager")
        eager.load_state_dict(model.state_dict())
        return eager, lambda: eager(input_ids=ids, attention_mask=attention, output_attentions=True).attentions

    t_model, t_maps = maps(teacher)
    s_model, s_maps = maps(student)
    with torch.no_grad():
        t_att = t_maps()
    s_att = s_maps()
    groups = math.gcd(t_att[0].shape[1], s_att[0].shape[1])

    def grouped(a):
        return a.view(B, groups, -1, T, T).mean(2)

    total = 0.0
    for t, s in pairs:
        p, q = grouped(t_att[t]), grouped(s_att[s])
        kl = (p * (p.clamp_min(1e-300).log() - q.clamp_min(1e-300).log())).sum(-1)  # [B, G, T]
        total = total + kl.permute(0, 2, 1)[answer].sum()
    return total / (int(answer.sum()) * groups * len(pairs)), s_model


def ours(teacher, student, pairs, ids, attention, answer, chunk_size=4):
    with AttentionCapture(teacher, [t for t, _ in pairs]) as t_cap, torch.no_grad():
        teacher(input_ids=ids, attention_mask=attention)
    with AttentionCapture(student, [s for _, s in pairs]) as s_cap:
        student(input_ids=ids, attention_mask=attention)
    return attention_kl([(t_cap.layers[t], s_cap.layers[s]) for t, s in pairs], attention, answer, chunk_size)


def grads(model) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("student_heads,student_kv", [(4, 2), (4, 4), (2, 1), (3, 1)],
                         ids=["same-heads-gqa", "same-heads-mha", "half-heads", "coprime-3-of-4"])
def test_value_and_gradients_match_the_float64_eager_reference(student_heads, student_kv, batch):
    ids, attention, answer = batch
    teacher = tiny(4, 4, 2, seed=0).eval().requires_grad_(False)
    student = tiny(2, student_heads, student_kv, seed=1)
    pairs = [(1, 0), (3, 1)]

    loss = ours(teacher, student, pairs, ids, attention, answer)
    loss.backward()
    expected, eager_student = reference(teacher, student, pairs, ids, attention, answer)
    expected.backward()

    assert loss.dtype == torch.float64 and loss.item() > 0
    torch.testing.assert_close(loss, expected, rtol=1e-9, atol=1e-12)
    got, want = grads(student), grads(eager_student)
    assert set(got) == set(want) and any(g.abs().sum() > 0 for g in got.values())
    for name in want:
        torch.testing.assert_close(got[name], want[name], rtol=1e-7, atol=1e-10, msg=name)


def test_chunk_size_changes_neither_value_nor_gradients(batch):
    ids, attention, answer = batch
    teacher = tiny(3, 4, 2, seed=0).eval().requires_grad_(False)
    student = tiny(3, 4, 2, seed=1).float()
    teacher = teacher.float()
    results = []
    for chunk_size in (1, 3, T):
        student.zero_grad()
        loss = ours(teacher, student, [(0, 0), (1, 1), (2, 2)], ids, attention, answer, chunk_size=chunk_size)
        loss.backward()
        results.append((loss.detach(), grads(student)))
    for loss, g in results[1:]:
        torch.testing.assert_close(loss, results[0][0])
        for name in g:
            torch.testing.assert_close(g[name], results[0][1][name], msg=name)


def test_identical_models_give_zero_and_a_batch_without_answers_a_zero_with_a_graph(batch):
    ids, attention, answer = batch
    model = tiny(2, 4, 2, seed=0)
    assert ours(model, model, [(0, 0), (1, 1)], ids, attention, answer).item() == pytest.approx(0, abs=1e-12)
    nothing = ours(model, model, [(0, 0)], ids, attention, torch.zeros_like(answer))
    nothing.backward()  # a no-op, not an error
    assert nothing.item() == 0


def test_gradient_checkpointing_student_gets_the_same_gradients(batch):
    ids, attention, answer = batch
    teacher = tiny(2, 4, 2, seed=0).eval().requires_grad_(False)
    student = tiny(2, 4, 2, seed=1).train()
    plain = ours(teacher, student, [(0, 0), (1, 1)], ids, attention, answer)
    plain.backward()
    want = grads(student)
    student.zero_grad()
    student.gradient_checkpointing_enable()
    checkpointed = ours(teacher, student, [(0, 0), (1, 1)], ids, attention, answer)
    checkpointed.backward()
    torch.testing.assert_close(checkpointed, plain)
    for name, g in grads(student).items():
        torch.testing.assert_close(g, want[name], msg=name)


def test_capture_leaves_the_models_output_unchanged(batch):
    ids, attention, _ = batch
    model = tiny(2, 4, 2, seed=0)
    before = model(input_ids=ids, attention_mask=attention).logits
    with AttentionCapture(model, [1]) as capture:
        during = model(input_ids=ids, attention_mask=attention).logits
    torch.testing.assert_close(during, before)
    assert list(capture.layers) == [1] and capture.layers[1].query.shape == (B, 4, T, 8)
    assert capture.layers[1].key.shape == (B, 2, T, 8)


def test_layer_map_defaults_and_checks():
    pruned = {"source": "pruned", "num_layers": 3}
    assert layer_map(None, pruned, 3, 30, pruned_layers) == [(0, 0), (14, 1), (29, 2)]
    chosen = {"source": "pruned", "num_layers": 2, "layers": [4, 9]}
    assert layer_map(None, chosen, 2, 30, pruned_layers) == [(4, 0), (9, 1)]
    assert layer_map(None, {"source": "embedded"}, 30, 30, pruned_layers)[:2] == [(0, 0), (1, 1)]
    explicit = [{"teacher": 29, "student": 1}]
    assert layer_map(explicit, pruned, 3, 30, pruned_layers) == [(29, 1)]
    with pytest.raises(JobError, match="needs attention.layer_map"):
        layer_map(None, {"source": "dir", "path": "x"}, 6, 30, pruned_layers)
    with pytest.raises(JobError, match="outside the teacher's 30"):
        layer_map([{"teacher": 30, "student": 0}], pruned, 3, 30, pruned_layers)
    with pytest.raises(JobError, match="more than once"):
        layer_map([{"teacher": 1, "student": 0}, {"teacher": 2, "student": 0}], pruned, 3, 30, pruned_layers)
