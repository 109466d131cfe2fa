"""Token-level distillation losses (as in DistiLLM / POCL) and the CE + KD mix.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

Divergence = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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


def forward_kl(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128):
    """T² · mean over masked tokens of KL(p‖q) = Σ p (log p − log q)."""
    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size,
                        lambda log_p, log_q: _kl(log_p, log_q))


def reverse_kl(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128):
    """T² · mean over masked tokens of KL(q‖p) = Σ q (log q − log p)."""
    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size,
                        lambda log_p, log_q: _kl(log_q, log_p))


def generalized_jsd(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128,
                    beta: float = 0.1):
    """T² · mean over masked tokens of β·KL(p‖m) + (1 − β)·KL(q‖m), m = β p + (1 − β) q.
    β = 0 or 1 makes m equal q or p and the loss 0; β = ½ is the symmetric JSD."""
    beta = _check_weight("beta", beta)

    def jsd(log_p, log_q):
        log_m = _log_mix(log_p, log_q, beta)
        return beta * _kl(log_p, log_m) + (1.0 - beta) * _kl(log_q, log_m)

    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size, jsd)


def total_variation(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128):
    """T² · mean over masked tokens of ½ Σ |p − q|."""
    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size,
                        lambda log_p, log_q: 0.5 * (log_p.exp() - log_q.exp()).abs().sum(-1))


def skew_forward_kl(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128,
                    skew: float = 0.1):
    """T² · mean over masked tokens of KL(p‖m), m = λ p + (1 − λ) q (λ = skew; λ = 0 is forward KL)."""
    skew = _check_weight("skew", skew)
    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size,
                        lambda log_p, log_q: _kl(log_p, _log_mix(log_p, log_q, skew)))


def skew_reverse_kl(student_logits, teacher_logits, mask, temperature: float = 1.0, chunk_size: int = 128,
                    skew: float = 0.1):
    """T² · mean over masked tokens of KL(q‖m), m = (1 − λ) p + λ q (λ = skew; λ = 0 is reverse KL)."""
    skew = _check_weight("skew", skew)
    return _masked_mean(student_logits, teacher_logits, mask, temperature, chunk_size,
                        lambda log_p, log_q: _kl(log_q, _log_mix(log_p, log_q, 1.0 - skew)))


# Keys are the contract's lossName values (lib/contracts/job.ts). Passing a parameter a loss does not take
# (e.g. beta to fkl) raises TypeError.
LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "fkl": forward_kl,
    "rkl": reverse_kl,
    "jsd": generalized_jsd,
    "tvd": total_variation,
    "skl": skew_forward_kl,
    "srkl": skew_reverse_kl,
}

# The extra parameters each loss takes, to pick them out of a job's loss spec.
LOSS_PARAMS: dict[str, tuple[str, ...]] = {"jsd": ("beta",), "skl": ("skew",), "srkl": ("skew",)}


def mix(ce: torch.Tensor, kd: torch.Tensor, kd_weight: float) -> torch.Tensor:
    """(1 − α)·CE + α·KD with α = kd_weight ∈ [0, 1]."""
    kd_weight = _check_weight("kd_weight", kd_weight)
    return (1.0 - kd_weight) * ce + kd_weight * kd
