"""The KD term from a teacher stored as its top-k log-probabilities plus its tail (docs/logit-cache.md).

Per answer token the cache keeps the teacher's k most likely tokens K with log p_i (at T = 1) and two sums over
the other tokens: log Σ_{j∉K} p_j (the tail mass t) and log Σ_{j∉K} p_j^{1/2}. Both distributions are then seen
on k + 1 outcomes: the k tokens of K, and "any other token". The student's side is exact: q_i for i ∈ K and
q_tail = Σ_{j∉K} q_j, from its full logits at T. The teacher's tail at T needs Σ_{j∉K} p_j^{1/T}; its log is a
convex function of 1/T, known exactly at 1/T = 1 and 1/2 (stored) and 0 (log(V − k), the number of tail tokens),
and is interpolated linearly between those points (exact at T = 1, 2 and ∞; never below the truth in between).
Each divergence of distill.losses is then computed on these k + 1 outcomes, times T², as the live teacher's is on V.
"""

from __future__ import annotations

import math

import torch

from distill.losses import DIVERGENCES, check_temperature, head_loss


def teacher_buckets(topk_logprobs: torch.Tensor, log_tail: torch.Tensor, vocab_size: int,
                    temperature: float) -> torch.Tensor:
    """[N, k + 1] log-probabilities of the teacher at `temperature` on (its top-k tokens, the rest), from the
    stored top-k log-probabilities [N, k] and tail sums [N, 2] (log Σ p_j, log Σ p_j^{1/2} over the rest) at T = 1.
    Renormalised, so the rounding of the stored values leaves a distribution that sums to one."""
    top = topk_logprobs.float() / temperature
    rest = vocab_size - topk_logprobs.shape[-1]
    whole, half = log_tail[:, 0].float(), log_tail[:, 1].float()
    alpha = 1.0 / temperature
    if rest == 0:
        tail = torch.full_like(whole, -math.inf)
    elif alpha >= 0.5:
        tail = half + (alpha - 0.5) * 2 * (whole - half)
    else:
        tail = math.log(rest) + alpha * 2 * (half - math.log(rest))
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
    topk_ids [N, k], topk_logprobs [N, k] and log_tail [N, 2] for the N true positions of `mask`, in row-major order
    (row 0's answer tokens, then row 1's, ...). CE is unchanged; KD is the divergence `name` on k + 1 outcomes."""
    divergence = DIVERGENCES[name](**params)
    check_temperature(temperature)
    count = int(mask.sum())
    if topk_ids.shape[0] != count or topk_logprobs.shape != topk_ids.shape or log_tail.shape != (count, 2):
        raise ValueError(f"the cached teacher has {topk_ids.shape[0]} tokens ({tuple(topk_ids.shape)}, "
                         f"{tuple(topk_logprobs.shape)}, {tuple(log_tail.shape)}) for {count} answer tokens")
    with torch.no_grad():
        log_p = teacher_buckets(topk_logprobs, log_tail, student_head.shape[0], temperature)
    topk_ids = topk_ids.long()

    def cached_teacher(start, rows, _cols, logits, _log_q):  # the student's side on k + 1 outcomes, not V
        end = start + rows.numel()
        log_q = student_buckets(logits, topk_ids[start:end], temperature)
        return divergence(log_p[start:end].to(logits.dtype), log_q) * temperature**2

    return head_loss(student_hidden, student_head, cached_teacher, targets, mask, kd_weight, chunk_size)
