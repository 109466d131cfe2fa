"""The KD term from a teacher stored as its top-k log-probabilities plus the mass of the rest (docs/logit-cache.md).

Per answer token the cache keeps the teacher's k most likely tokens K with log p_i (at T = 1) and the tail mass
t = 1 − Σ_{i∈K} p_i. Both distributions are then seen on k + 1 outcomes: the k tokens of K, and "any other token".
The student's side is exact: q_i for i ∈ K and q_tail = Σ_{j∉K} q_j, from its full logits at T. The teacher's side
is exact at T = 1; at T ≠ 1 its tail at temperature T needs Σ_{j∉K} p_j^{1/T}, which the k values and t do not
fix, and is taken as if t were spread evenly over the V − k tokens of the tail (TAIL_SPREAD). Each divergence of
distill.losses is then computed on these k + 1 outcomes, times T², as the live teacher's is on V.
"""

from __future__ import annotations

import math

import torch

from distill.losses import DIVERGENCES, check_temperature, head_loss


def teacher_buckets(topk_logprobs: torch.Tensor, log_tail: torch.Tensor, vocab_size: int,
                    temperature: float) -> torch.Tensor:
    """[N, k + 1] log-probabilities of the teacher at `temperature` on (its top-k tokens, the rest), from the
    stored top-k log-probabilities [N, k] and log tail mass [N] at T = 1. Renormalised, so the rounding of the
    stored values leaves a distribution that sums to one."""
    top = topk_logprobs.float() / temperature
    rest = vocab_size - topk_logprobs.shape[-1]
    if rest > 0:
        # t spread evenly over the rest: each of the `rest` tokens has t/rest, so their mass at T is rest·(t/rest)^{1/T}
        tail = math.log(rest) + (log_tail.float() - math.log(rest)) / temperature
    else:
        tail = torch.full_like(log_tail.float(), -math.inf)
    both = torch.cat([top, tail[:, None]], dim=-1)
    return both - torch.logsumexp(both, dim=-1, keepdim=True)


def student_buckets(logits: torch.Tensor, topk_ids: torch.Tensor, temperature: float) -> torch.Tensor:
    """[N, k + 1] log-probabilities of the student at `temperature` on (the teacher's top-k tokens, the rest),
    from its full logits [N, V]; the rest is a log-sum-exp over the tokens outside top-k, so a tiny tail keeps
    its precision (1 − Σ q_i would round to 0)."""
    scaled = logits / temperature if temperature != 1.0 else logits
    normaliser = torch.logsumexp(scaled, dim=-1, keepdim=True)
    top = scaled.gather(-1, topk_ids)
    tail = scaled.scatter(-1, topk_ids, -math.inf).logsumexp(dim=-1, keepdim=True)
    return torch.cat([top, tail], dim=-1) - normaliser


def sparse_head_distill(name: str, student_hidden: torch.Tensor, student_head: torch.Tensor, topk_ids: torch.Tensor,
                        topk_logprobs: torch.Tensor, log_tail: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
                        temperature: float = 1.0, kd_weight: float = 1.0, chunk_size: int = 128, **params
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """head_distill's (total, ce, kd, per_row) with the teacher given by the cache instead of its hidden states:
    topk_ids [N, k], topk_logprobs [N, k] and log_tail [N] for the N true positions of `mask`, in row-major order
    (row 0's answer tokens, then row 1's, ...). CE is unchanged; KD is the divergence `name` on k + 1 outcomes."""
    divergence = DIVERGENCES[name](**params)
    check_temperature(temperature)
    count = int(mask.sum())
    if topk_ids.shape[0] != count or topk_logprobs.shape != topk_ids.shape or log_tail.shape != (count,):
        raise ValueError(f"the cached teacher has {topk_ids.shape[0]} tokens ({tuple(topk_ids.shape)}, "
                         f"{tuple(topk_logprobs.shape)}, {tuple(log_tail.shape)}) for {count} answer tokens")
    with torch.no_grad():
        log_p = teacher_buckets(topk_logprobs, log_tail, student_head.shape[0], temperature)
    topk_ids = topk_ids.long()

    def cached_teacher(start, r, c, logits, log_q):
        end = start + r.numel()
        log_q = student_buckets(logits, topk_ids[start:end], temperature)
        return divergence(log_p[start:end].to(logits.dtype), log_q) * temperature**2

    return head_loss(student_hidden, student_head, cached_teacher, targets, mask, kd_weight, chunk_size)
