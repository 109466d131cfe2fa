"""Token-level distillation losses (as in DistiLLM / POCL; docs/methods.md, POCL §6) and the CE + KD mix.

Notation, per token over the vocabulary: p = softmax(teacher_logits / T), q = softmax(student_logits / T).

    fkl   forward KL          Σ p (log p − log q)
    rkl   reverse KL          Σ q (log q − log p)
    jsd   generalized JSD     m = β p + (1 − β) q;  β·KL(p‖m) + (1 − β)·KL(q‖m)
    tvd   total variation     ½ Σ |p − q|
    skl   skew forward KL     m = λ p + (1 − λ) q;  KL(p‖m)
    srkl  skew reverse KL     m = (1 − λ) p + λ q;  KL(q‖m)

One temperature convention for all of them (Hinton et al.): the per-token divergence is computed at T and
multiplied by T², so the gradient's scale does not depend on T. Every loss is the mean over the tokens
where `mask` is true, across the whole batch (a token-weighted mean, like the usual CE). Position t of the
student logits is compared with position t of the teacher logits; shifting logits against labels is the
caller's business. A mask with no true token gives 0 (still attached to the student's graph, so a
backward pass is a no-op rather than an error): such a batch has nothing to distill.

Memory: the KD term is computed over the sequence in windows of `chunk_size` positions; each window takes
only its masked tokens, and is wrapped in activation checkpointing, so besides the logits themselves only
one window's float32 intermediates exist at a time, in forward and in backward. Mixtures are formed in log
space (logaddexp of log-probabilities), never as probabilities, so tiny p or q do not underflow to log 0.

The trainer calls `head_distill` instead: the same divergences and conventions, from the models' last hidden
states and output-layer weights, so that neither model's [B, T, V] logits are ever made (see its docstring).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

Divergence = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# What the head loss asks of a teacher, per chunk of answer tokens: (start, rows, cols, logits, log_q) → the chunk's
# per-token KD, T² included. `start` is the chunk's first index among the mask's true positions (row-major), rows
# and cols those positions, logits the student's float32 logits there (with their graph) and log_q their
# log-softmax at T = 1. The live teacher (head_distill) and the teacher-logit cache (distill.sparse_kd) are two.
TeacherKD = Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _kl(log_a: torch.Tensor, log_b: torch.Tensor) -> torch.Tensor:
    """KL(a‖b) per row from log-probabilities."""
    return (log_a.exp() * (log_a - log_b)).sum(-1)


def _log_mix(log_a: torch.Tensor, log_b: torch.Tensor, weight_a: float) -> torch.Tensor:
    """log(w·a + (1 − w)·b) from log-probabilities, with w ∈ [0, 1] (log 0 = −inf is fine in logaddexp)."""
    return torch.logaddexp(log_a + _log(weight_a), log_b + _log(1.0 - weight_a))


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _check_weight(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return float(value)


def _masked_mean(student_logits: torch.Tensor, teacher_logits: torch.Tensor, mask: torch.Tensor,
                 temperature: float, chunk_size: int, divergence: Divergence) -> torch.Tensor:
    """T² · mean over masked tokens of divergence(log p, log q), computed window by window."""
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(f"student logits {tuple(student_logits.shape)} and teacher logits "
                         f"{tuple(teacher_logits.shape)} differ in shape (same tokenizer and vocabulary needed)")
    if mask.shape != student_logits.shape[:-1]:
        raise ValueError(f"mask {tuple(mask.shape)} does not match logits {tuple(student_logits.shape)} [B, T, V]")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    mask = mask.bool()
    count = int(mask.sum())
    if count == 0:
        return student_logits.sum() * 0.0
    dtype = torch.promote_types(student_logits.dtype, torch.float32)

    def window_sum(student: torch.Tensor, teacher: torch.Tensor, window_mask: torch.Tensor) -> torch.Tensor:
        log_q = F.log_softmax(student[window_mask].to(dtype) / temperature, dim=-1)
        log_p = F.log_softmax(teacher[window_mask].to(dtype) / temperature, dim=-1)
        return divergence(log_p, log_q).sum()

    total = student_logits.new_zeros((), dtype=dtype)
    for start in range(0, mask.shape[1], chunk_size):
        window_mask = mask[:, start:start + chunk_size]
        if not window_mask.any():
            continue
        window = (student_logits[:, start:start + chunk_size], teacher_logits[:, start:start + chunk_size],
                  window_mask)
        if torch.is_grad_enabled() and (student_logits.requires_grad or teacher_logits.requires_grad):
            total = total + checkpoint(window_sum, *window, use_reentrant=False)
        else:
            total = total + window_sum(*window)
    return total * (temperature ** 2) / count


def divergence_fkl() -> Divergence:
    """KL(p‖q) = Σ p (log p − log q)."""
    return lambda log_p, log_q: _kl(log_p, log_q)


def divergence_rkl() -> Divergence:
    """KL(q‖p) = Σ q (log q − log p)."""
    return lambda log_p, log_q: _kl(log_q, log_p)


def divergence_jsd(beta: float = 0.1) -> Divergence:
    """β·KL(p‖m) + (1 − β)·KL(q‖m), m = β p + (1 − β) q. β = 0 or 1 makes m equal q or p and the loss 0;
    β = ½ is the symmetric JSD."""
    beta = _check_weight("beta", beta)

    def jsd(log_p, log_q):
        log_m = _log_mix(log_p, log_q, beta)
        return beta * _kl(log_p, log_m) + (1.0 - beta) * _kl(log_q, log_m)

    return jsd


def divergence_tvd() -> Divergence:
    """½ Σ |p − q|."""
    return lambda log_p, log_q: 0.5 * (log_p.exp() - log_q.exp()).abs().sum(-1)


def divergence_skl(skew: float = 0.1) -> Divergence:
    """KL(p‖m), m = λ p + (1 − λ) q (λ = skew; λ = 0 is forward KL)."""
    skew = _check_weight("skew", skew)
    return lambda log_p, log_q: _kl(log_p, _log_mix(log_p, log_q, skew))


def divergence_srkl(skew: float = 0.1) -> Divergence:
    """KL(q‖m), m = (1 − λ) p + λ q (λ = skew; λ = 0 is reverse KL)."""
    skew = _check_weight("skew", skew)
    return lambda log_p, log_q: _kl(log_q, _log_mix(log_p, log_q, 1.0 - skew))


# Keys are the contract's lossName values (lib/contracts/job.ts). A factory takes the loss's own parameters
# and returns the per-token divergence of (log p, log q); a parameter it does not take raises TypeError.
DIVERGENCES: dict[str, Callable[..., Divergence]] = {
    "fkl": divergence_fkl,
    "rkl": divergence_rkl,
    "jsd": divergence_jsd,
    "tvd": divergence_tvd,
    "skl": divergence_skl,
    "srkl": divergence_srkl,
}


def _logits_loss(name: str) -> Callable[..., torch.Tensor]:
    make = DIVERGENCES[name]

    def loss(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128, **params):
        return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size, make(**params))

    loss.__name__ = f"{name}_loss"
    loss.__doc__ = f"T² · mean over masked tokens of {make.__doc__}"
    return loss


# fn(student_logits, teacher_logits, mask, temperature=1.0, chunk_size=128, **params) -> scalar.
LOSSES: dict[str, Callable[..., torch.Tensor]] = {name: _logits_loss(name) for name in DIVERGENCES}

# The extra parameters each loss takes, to pick them out of a job's loss spec.
LOSS_PARAMS: dict[str, tuple[str, ...]] = {"jsd": ("beta",), "skl": ("skew",), "srkl": ("skew",)}


def mix(ce: torch.Tensor, kd: torch.Tensor, kd_weight: float) -> torch.Tensor:
    """(1 − α)·CE + α·KD with α = kd_weight ∈ [0, 1]."""
    kd_weight = _check_weight("kd_weight", kd_weight)
    return (1.0 - kd_weight) * ce + kd_weight * kd


class _HeadDistill(torch.autograd.Function):
    """Output layer + CE + KD, chunk by chunk, with the gradients taken in the forward pass (as Liger's
    fused linear cross-entropy does): neither model's [B, T, V] logits ever exist, nor their gradient, and
    no chunk is recomputed in backward. Autograd runs only from a chunk's logits to its loss; the output
    layer's two matmuls are differentiated by hand, so the weight's gradient is summed in place and no
    [V, H] temporary is made per chunk. Outputs (total, ce, kd, per_row); only `total` carries a gradient."""

    @staticmethod
    def forward(ctx, student_hidden, student_weight, teacher_kd, targets, mask, kd_weight, chunk_size, needs_grad):
        rows, cols = mask.nonzero(as_tuple=True)
        count = rows.numel()
        dtype = torch.promote_types(student_hidden.dtype, torch.float32)
        grad_hidden = torch.zeros_like(student_hidden) if needs_grad else None
        # Summed over the chunks in fp32 even for a bf16 weight (job.speed.precision), cast back once at the end.
        grad_weight = torch.zeros_like(student_weight, dtype=dtype) if needs_grad else None
        ce_sum = kd_sum = student_hidden.new_zeros((), dtype=dtype)
        row_sums = student_hidden.new_zeros(mask.shape[0], dtype=dtype)
        for start in range(0, count, chunk_size):
            r, c = rows[start:start + chunk_size], cols[start:start + chunk_size]
            hidden = student_hidden[r, c]
            logits = (hidden @ student_weight.T).to(dtype).requires_grad_(needs_grad)
            with torch.enable_grad() if needs_grad else torch.no_grad():
                log_q = F.log_softmax(logits, -1)
                ce_tokens = F.nll_loss(log_q, targets[r, c], reduction="none")
                ce = ce_tokens.sum()
                loss = (1.0 - kd_weight) * ce
                token_losses = (1.0 - kd_weight) * ce_tokens.detach()
                if kd_weight > 0:
                    kd_tokens = teacher_kd(start, r, c, logits, log_q)
                    kd = kd_tokens.sum()
                    loss = loss + kd_weight * kd
                    kd_sum = kd_sum + kd.detach()
                    token_losses = token_losses + kd_weight * kd_tokens.detach()
                if needs_grad:
                    (grad_logits,) = torch.autograd.grad(loss / count, logits)
            if needs_grad:
                grad_logits = grad_logits.to(hidden.dtype)
                grad_hidden[r, c] = (grad_logits @ student_weight).to(grad_hidden.dtype)
                if hidden.dtype == grad_weight.dtype:
                    grad_weight.addmm_(grad_logits.T, hidden)
                else:  # bf16 autocast or bf16 weights: a bf16 product, summed in fp32
                    grad_weight += grad_logits.T @ hidden
            ce_sum = ce_sum + ce.detach()
            row_sums.index_add_(0, r, token_losses)
        ctx.save_for_backward(grad_hidden, None if grad_weight is None else grad_weight.to(student_weight.dtype))
        ce_mean, kd_mean = ce_sum / count, kd_sum / count
        total = mix(ce_mean, kd_mean, kd_weight)
        per_row = row_sums / mask.sum(1)  # 0 / 0: NaN for a row without answer tokens
        ctx.mark_non_differentiable(ce_mean, kd_mean, per_row)
        return total, ce_mean, kd_mean, per_row

    @staticmethod
    def backward(ctx, grad_total, _grad_ce, _grad_kd, _grad_per_row):
        grad_hidden, grad_weight = ctx.saved_tensors
        if not torch.equal(grad_total, torch.ones_like(grad_total)):
            grad_hidden, grad_weight = grad_hidden * grad_total, grad_weight * grad_total
        return grad_hidden, grad_weight, None, None, None, None, None, None


def head_distill(name: str, student_hidden: torch.Tensor, student_head: torch.Tensor,
                 teacher_hidden: torch.Tensor | None, teacher_head: torch.Tensor | None, targets: torch.Tensor,
                 mask: torch.Tensor, temperature: float = 1.0, kd_weight: float = 1.0, chunk_size: int = 128,
                 **params) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, ce, kd, per_row) from the models' last hidden states and output-layer weights instead of their
    logits: total = (1 − α)·CE + α·KD with α = kd_weight, CE the mean next-token cross-entropy (at T = 1) of the
    student on `targets`, KD the loss `name` (LOSSES' convention: T², mean over masked tokens). per_row [B] is
    each row's total over its own masked tokens (NaN for a row with none), detached: what the trainer reports
    per POCL bucket.

    student_hidden, teacher_hidden [B, T, H] (the teacher's may be None when kd_weight is 0), heads [V, H]
    (bias-free output layers: Llama, Qwen, Mistral, SmolLM; models that soft-cap or scale their logits need
    LOSSES on real logits), targets [B, T] long, mask [B, T] bool: all aligned, position t's hidden state
    predicting targets[t]. Only masked positions are projected, chunk_size tokens at a time (taken across
    rows), so the output layer's cost falls with the prompt share, and memory beyond the hidden states is a
    few [chunk_size, V] float32 tensors and one [V, H] gradient. A mask with no true token gives zeros, attached
    to the student's graph, as LOSSES do."""
    divergence = DIVERGENCES[name](**params)
    check_temperature(temperature)
    if kd_weight > 0 and (teacher_hidden is None or teacher_hidden.shape[:-1] != mask.shape):
        raise ValueError("kd_weight > 0 needs teacher hidden states aligned with the student's")
    if teacher_head is not None and student_head.shape[0] != teacher_head.shape[0]:
        raise ValueError(f"student head {tuple(student_head.shape)} and teacher head {tuple(teacher_head.shape)} "
                         "differ in vocabulary size")

    def live_teacher(start, r, c, logits, log_q):
        with torch.no_grad():
            log_p = F.log_softmax((teacher_hidden[r, c] @ teacher_head.T).to(logits.dtype) / temperature, -1)
        if temperature != 1.0:
            log_q = F.log_softmax(logits / temperature, -1)
        return divergence(log_p, log_q) * temperature**2

    return head_loss(student_hidden, student_head, live_teacher, targets, mask, kd_weight, chunk_size)


def check_temperature(temperature: float) -> None:
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")


def head_loss(student_hidden: torch.Tensor, student_head: torch.Tensor, teacher_kd: TeacherKD, targets: torch.Tensor,
              mask: torch.Tensor, kd_weight: float, chunk_size: int
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """head_distill's (total, ce, kd, per_row) with the KD term of each chunk from `teacher_kd` (see TeacherKD)."""
    kd_weight = _check_weight("kd_weight", kd_weight)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if mask.shape != student_hidden.shape[:-1] or targets.shape != mask.shape:
        raise ValueError(f"hidden {tuple(student_hidden.shape)}, targets {tuple(targets.shape)} and mask "
                         f"{tuple(mask.shape)} must align as [B, T, H], [B, T], [B, T]")
    mask = mask.bool()
    if not mask.any():
        zero = student_hidden.sum() * 0.0 + student_head.sum() * 0.0
        return zero, zero.detach(), zero.detach(), torch.full(mask.shape[:1], math.nan, dtype=zero.dtype, device=mask.device)
    needs_grad = torch.is_grad_enabled() and (student_hidden.requires_grad or student_head.requires_grad)
    return _HeadDistill.apply(student_hidden, student_head, teacher_kd, targets, mask, kd_weight, chunk_size,
                              needs_grad)
