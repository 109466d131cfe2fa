"""The KD losses against float64 references written straight from their formulas (docs/methods.md, POCL §6)."""

from __future__ import annotations

import math

import pytest
import torch

from distill.losses import LOSS_PARAMS, LOSSES, head_distill, mix

B, T, V = 3, 7, 11
PARAMS = {"fkl": {}, "rkl": {}, "jsd": {"beta": 0.1}, "tvd": {}, "skl": {"skew": 0.1}, "srkl": {"skew": 0.1}}


def _kl(a, b):
    return (a * (a.log() - b.log())).sum(-1)


def reference(name: str, student, teacher, mask, temperature, beta=0.1, skew=0.1):
    """Probabilities (not log-probabilities), one token at a time: the plainest reading of each formula."""
    p = torch.softmax(teacher.double() / temperature, -1)
    q = torch.softmax(student.double() / temperature, -1)
    per_token = {
        "fkl": lambda: _kl(p, q),
        "rkl": lambda: _kl(q, p),
        "jsd": lambda: beta * _kl(p, beta * p + (1 - beta) * q) + (1 - beta) * _kl(q, beta * p + (1 - beta) * q),
        "tvd": lambda: 0.5 * (p - q).abs().sum(-1),
        "skl": lambda: _kl(p, skew * p + (1 - skew) * q),
        "srkl": lambda: _kl(q, (1 - skew) * p + skew * q),
    }[name]()
    return temperature**2 * per_token[mask].mean()


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    student = torch.randn(B, T, V, generator=g, dtype=torch.float64) * 2
    teacher = torch.randn(B, T, V, generator=g, dtype=torch.float64) * 2
    mask = torch.rand(B, T, generator=g) > 0.4
    mask[0, :2] = False  # a prompt
    mask[1, 3] = False  # a hole inside the response
    mask[2, -2:] = False  # padding
    return student, teacher, mask


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_matches_the_formula(name, temperature, batch):
    student, teacher, mask = batch
    got = LOSSES[name](student, teacher, mask, temperature=temperature, **PARAMS[name])
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, reference(name, student, teacher, mask, temperature, **PARAMS[name]))


@pytest.mark.parametrize("name", list(LOSSES))
def test_chunked_equals_unchunked(name, batch):
    student, teacher, mask = (x.float() if x.is_floating_point() else x for x in batch)
    student.requires_grad_(True)
    whole = LOSSES[name](student, teacher, mask, chunk_size=T, **PARAMS[name])
    (grad_whole,) = torch.autograd.grad(whole, student)
    for chunk_size in (1, 3):
        chunked = LOSSES[name](student, teacher, mask, chunk_size=chunk_size, **PARAMS[name])
        (grad_chunked,) = torch.autograd.grad(chunked, student)
        torch.testing.assert_close(chunked, whole)
        torch.testing.assert_close(grad_chunked, grad_whole)


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradients_match_finite_differences(name):
    g = torch.Generator().manual_seed(1)
    student = torch.randn(2, 5, 6, generator=g, dtype=torch.float64, requires_grad=True)
    teacher = torch.randn(2, 5, 6, generator=g, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[0, 1, 1, 0, 1], [1, 1, 1, 1, 0]], dtype=torch.bool)
    assert torch.autograd.gradcheck(
        lambda s, t: LOSSES[name](s, t, mask, temperature=1.5, chunk_size=2, **PARAMS[name]), (student, teacher))


@pytest.mark.parametrize("name", list(LOSSES))
def test_identical_distributions_give_zero(name, batch):
    student, _, mask = batch
    got = LOSSES[name](student, student.clone(), mask, temperature=2.0, **PARAMS[name])
    torch.testing.assert_close(got, torch.zeros((), dtype=torch.float64))


@pytest.mark.parametrize("name", list(LOSSES))
def test_all_masked_is_zero_and_backward_is_a_no_op(name, batch):
    student, teacher, _ = batch
    student = student.clone().requires_grad_(True)
    loss = LOSSES[name](student, teacher, torch.zeros(B, T, dtype=torch.bool), **PARAMS[name])
    loss.backward()
    assert loss.item() == 0.0
    assert torch.count_nonzero(student.grad) == 0


def test_masked_tokens_do_not_matter(batch):
    student, teacher, mask = batch
    scrambled = student.clone()
    scrambled[~mask] = 1e3
    for name, fn in LOSSES.items():
        torch.testing.assert_close(fn(scrambled, teacher, mask, **PARAMS[name]), fn(student, teacher, mask, **PARAMS[name]))


def test_skew_zero_reduces_to_plain_kl_and_jsd_endpoints_vanish(batch):
    student, teacher, mask = batch
    torch.testing.assert_close(LOSSES["skl"](student, teacher, mask, skew=0.0), LOSSES["fkl"](student, teacher, mask))
    torch.testing.assert_close(LOSSES["srkl"](student, teacher, mask, skew=0.0), LOSSES["rkl"](student, teacher, mask))
    for beta in (0.0, 1.0):
        assert LOSSES["jsd"](student, teacher, mask, beta=beta).item() == pytest.approx(0.0, abs=1e-12)


def test_unknown_or_out_of_range_parameters_raise(batch):
    student, teacher, mask = batch
    with pytest.raises(TypeError, match="beta"):
        LOSSES["fkl"](student, teacher, mask, beta=0.5)
    with pytest.raises(TypeError, match="skew"):
        LOSSES["jsd"](student, teacher, mask, skew=0.5)
    with pytest.raises(ValueError, match="skew must lie in"):
        LOSSES["skl"](student, teacher, mask, skew=1.5)
    with pytest.raises(ValueError, match="temperature"):
        LOSSES["tvd"](student, teacher, mask, temperature=0)
    with pytest.raises(ValueError, match="differ in shape"):
        LOSSES["rkl"](student, teacher[..., :-1], mask)
    assert set(LOSS_PARAMS) <= set(LOSSES)


def test_low_precision_logits_are_reduced_in_float32(batch):
    student, teacher, mask = batch
    got = LOSSES["fkl"](student.bfloat16(), teacher.bfloat16(), mask)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got.double(), reference("fkl", student.bfloat16(), teacher.bfloat16(), mask, 1.0),
                               rtol=1e-4, atol=1e-5)


def test_mix_weights_ce_and_kd():
    ce, kd = torch.tensor(2.0), torch.tensor(4.0)
    assert mix(ce, kd, 0.0).item() == 2.0
    assert mix(ce, kd, 1.0).item() == 4.0
    assert mix(ce, kd, 0.7).item() == pytest.approx(0.3 * 2 + 0.7 * 4)
    with pytest.raises(ValueError, match="kd_weight"):
        mix(ce, kd, 1.2)


def _head_inputs(dtype=torch.float64, seed=2):
    g = torch.Generator().manual_seed(seed)
    H = 5
    student_hidden = torch.randn(B, T, H, generator=g, dtype=dtype, requires_grad=True)
    student_head = torch.randn(V, H, generator=g, dtype=dtype, requires_grad=True)
    teacher_hidden = torch.randn(B, T, H, generator=g, dtype=dtype)
    teacher_head = torch.randn(V, H, generator=g, dtype=dtype)
    targets = torch.randint(0, V, (B, T), generator=g)
    mask = torch.rand(B, T, generator=g) > 0.4
    mask[1, :3] = False
    return student_hidden, student_head, teacher_hidden, teacher_head, targets, mask


@pytest.mark.parametrize("name", list(LOSSES))
def test_head_distill_equals_the_loss_on_full_logits(name):
    sh, sw, th, tw, targets, mask = _head_inputs()
    total, ce, kd, _ = head_distill(name, sh, sw, th, tw, targets, mask, temperature=2.0, kd_weight=0.7, chunk_size=2,
                                    **PARAMS[name])
    grads = torch.autograd.grad(total, (sh, sw))

    student_logits, teacher_logits = sh @ sw.T, th @ tw.T
    ref_ce = torch.nn.functional.cross_entropy(student_logits[mask], targets[mask])
    ref_kd = LOSSES[name](student_logits, teacher_logits, mask, temperature=2.0, **PARAMS[name])
    ref_total = mix(ref_ce, ref_kd, 0.7)
    torch.testing.assert_close((total, ce, kd), (ref_total, ref_ce, ref_kd))
    torch.testing.assert_close(grads, torch.autograd.grad(ref_total, (sh, sw)))


@pytest.mark.parametrize("name", ["fkl", "jsd", "srkl"])
def test_head_distill_gradcheck(name):
    sh, sw, th, tw, targets, mask = _head_inputs(seed=3)
    assert torch.autograd.gradcheck(
        lambda h, w: head_distill(name, h, w, th, tw, targets, mask, temperature=1.5, kd_weight=0.6, chunk_size=1,
                                  **PARAMS[name])[0], (sh, sw))


def test_head_distill_under_bf16_autocast_gives_float32_losses_and_gradients_close_to_float32():
    # The GPU path (bf16 autocast over float32 weights), run on the CPU's own bf16 autocast: the output layer's
    # products are bf16, the softmaxes and the summed weight gradient float32.
    sh, sw, th, tw, targets, mask = _head_inputs(dtype=torch.float32, seed=5)
    exact = head_distill("fkl", sh, sw, th, tw, targets, mask, temperature=2.0, kd_weight=0.7, chunk_size=4)
    exact_grads = torch.autograd.grad(exact[0], (sh, sw))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = head_distill("fkl", sh, sw, th, tw, targets, mask, temperature=2.0, kd_weight=0.7, chunk_size=4)
    low_grads = torch.autograd.grad(low[0], (sh, sw))
    assert all(t.dtype == torch.float32 for t in (*low, *low_grads))
    torch.testing.assert_close(low, exact, rtol=0.05, atol=0.05)
    torch.testing.assert_close(low_grads, exact_grads, rtol=0.05, atol=0.01)


def test_head_distill_scales_with_the_incoming_gradient_and_runs_without_grad():
    sh, sw, th, tw, targets, mask = _head_inputs()
    total, *_ = head_distill("fkl", sh, sw, th, tw, targets, mask)
    (g1,) = torch.autograd.grad(total, sh)
    total, *_ = head_distill("fkl", sh, sw, th, tw, targets, mask)
    (g3,) = torch.autograd.grad(3 * total, sh)
    torch.testing.assert_close(g3, 3 * g1)
    with torch.no_grad():
        again, *_ = head_distill("fkl", sh, sw, th, tw, targets, mask)
    torch.testing.assert_close(again, total.detach())


def test_head_distill_ce_only_needs_no_teacher():
    sh, sw, _, _, targets, mask = _head_inputs()
    total, ce, kd, _ = head_distill("fkl", sh, sw, None, None, targets, mask, kd_weight=0.0)
    torch.testing.assert_close(total, ce)
    assert kd.item() == 0.0
    empty, *_ = head_distill("fkl", sh, sw, None, None, targets, torch.zeros_like(mask), kd_weight=0.0)
    empty.backward()
    assert empty.item() == 0.0 and torch.count_nonzero(sh.grad) == 0
    with pytest.raises(TypeError, match="beta"):
        head_distill("skl", sh, sw, None, None, targets, mask, kd_weight=0.0, beta=0.2)


def test_head_distill_is_a_mean_over_answer_tokens_with_t_squared_on_kd_only():
    # Normalisation pinned by magnitude. A student with a zero output layer predicts uniformly: its CE is ln V on
    # every token, so the mean is ln V (a sum over tokens would grow with their number), and its KD is KL(p‖uniform)
    # = Σ p log p + ln V per token, averaged over tokens (rows of 1, 7 and 3 answer tokens: a mean of row means
    # would weigh them otherwise) and multiplied by T².
    g = torch.Generator().manual_seed(4)
    H = 5
    student_hidden = torch.randn(B, T, H, generator=g, dtype=torch.float64)
    teacher_hidden = torch.randn(B, T, H, generator=g, dtype=torch.float64)
    teacher_head = torch.randn(V, H, generator=g, dtype=torch.float64) * 3
    targets = torch.randint(0, V, (B, T), generator=g)
    mask = torch.zeros(B, T, dtype=torch.bool)
    mask[0, 4], mask[1, :], mask[2, 2:5] = True, True, True
    for temperature in (1.0, 2.0):
        total, ce, kd, _ = head_distill("fkl", student_hidden, torch.zeros(V, H, dtype=torch.float64), teacher_hidden,
                                     teacher_head, targets, mask, temperature=temperature, kd_weight=0.25)
        p = torch.softmax((teacher_hidden[mask] @ teacher_head.T) / temperature, -1)
        kl_to_uniform = (p * p.log()).sum(-1) + math.log(V)
        torch.testing.assert_close(ce, torch.tensor(math.log(V), dtype=torch.float64))
        torch.testing.assert_close(kd, temperature**2 * kl_to_uniform.mean())
        torch.testing.assert_close(total, 0.75 * ce + 0.25 * kd)


@pytest.mark.parametrize("name", ["fkl", "jsd"])
def test_head_distill_gives_each_rows_loss_as_the_mean_over_its_own_answer_tokens(name):
    # What the trainer groups by bucket: row b's value is the loss of a batch holding row b alone (a token-weighted
    # mean over its answer tokens), and a row without an answer token has none (NaN), not a zero that would pull
    # its bucket's mean down.
    sh, sw, th, tw, targets, mask = _head_inputs(seed=6)
    mask[2] = False
    *_, per_row = head_distill(name, sh, sw, th, tw, targets, mask, temperature=2.0, kd_weight=0.7, chunk_size=2,
                               **PARAMS[name])
    assert per_row.shape == (B,) and not per_row.requires_grad
    for b in range(2):
        alone = torch.zeros_like(mask)
        alone[b] = mask[b]
        torch.testing.assert_close(per_row[b], head_distill(name, sh, sw, th, tw, targets, alone, temperature=2.0,
                                                            kd_weight=0.7, **PARAMS[name])[0].detach())
    assert math.isnan(per_row[2].item())
    *_, none = head_distill(name, sh, sw, th, tw, targets, torch.zeros_like(mask), kd_weight=0.7, **PARAMS[name])
    assert none.shape == (B,) and torch.isnan(none).all()
