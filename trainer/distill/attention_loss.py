"""Attention-map distillation (KD + DAE, docs/methods.md): for each mapped (teacher layer, student layer) pair,
KL(A_teacher ‖ A_student) between the softmaxed attention rows of the answer-token queries over their causal keys.

    L_attn = Σ_pairs Σ_answer rows Σ_head groups KL(A_t ‖ A_s)  /  (answer rows · head groups · pairs)

which is the paper's Σ_ℓ Σ KL / (masked rows · H · layers) when heads and layers map one to one.

Heads. Both sides' query heads are averaged in g = gcd(H_teacher, H_student) groups of consecutive heads; equal
counts give g = H, one to one. An average of attention rows is still a distribution over the same keys, so the
KL stays defined, and consecutive heads are the ones that share a key/value head under grouped-query attention
(head h reads KV head h // (H / KV)), so a group mixes heads that look at the same keys. Key/value head counts
(GQA against MHA) need nothing: each query head is compared with its own keys.

Memory. The models keep their own (SDPA or flash) attention, which never materialises the maps. While a forward
runs inside `AttentionCapture`, the query and key states of the mapped layers (after rotary, after any q/k norm)
are kept as the attention function receives them, [B, H, T, D]: no [B, H, T, T] tensor. `attention_kl` then
recomputes the maps layer by layer, batch row by batch row, `chunk_size` answer queries at a time against the
keys up to the chunk's last query, each chunk under activation checkpointing: beyond the captured states only
one chunk's [H, chunk, T] float32 intermediates exist at once, in forward and in backward.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

from distill.contract import JobError


@dataclass(frozen=True)
class CapturedAttention:
    query: torch.Tensor  # [B, H, T, D], after rotary
    key: torch.Tensor  # [B, KV, T, D]
    scaling: float
    sliding_window: int | None


# attention module → the capture that wants its query and key states (only during a capture's forward).
_ACTIVE: dict[nn.Module, "AttentionCapture"] = {}
_WRAPPED = False


def _recording(attention: Callable) -> Callable:
    def forward(module, query, key, value, attention_mask, *args, **kwargs):
        capture = _ACTIVE.get(module)
        if capture is not None:
            capture.record(module, query, key, kwargs)
        return attention(module, query, key, value, attention_mask, *args, **kwargs)

    return forward


def _wrap_attention_functions() -> None:
    """transformers calls every attention layer through its attention-function registry with the query and key
    states after rotary; wrapping each registered function (GeneralInterface's own per-instance override) is the
    one place those states can be seen without re-deriving them model by model. Modules not being captured pass
    straight through."""
    global _WRAPPED
    if not _WRAPPED:
        for name in list(ALL_ATTENTION_FUNCTIONS):
            ALL_ATTENTION_FUNCTIONS[name] = _recording(ALL_ATTENTION_FUNCTIONS[name])
        _WRAPPED = True


def attention_modules(model: nn.Module) -> nn.ModuleList:
    return model.get_decoder().layers


class AttentionCapture:
    """`with AttentionCapture(model, layers) as capture: model(...)` leaves capture.layers[i] for each i in
    `layers`. A forward outside the block (a gradient-checkpointing recompute in backward) records nothing."""

    def __init__(self, model: nn.Module, layers: list[int]):
        _wrap_attention_functions()
        decoder_layers = attention_modules(model)
        if model.config._attn_implementation == "eager":
            raise JobError("the attention loss reads the query and key states from the model's attention function; "
                           "load the model with attn_implementation='sdpa' (the default), not 'eager'")
        self._index = {decoder_layers[i].self_attn: i for i in layers}
        self.layers: dict[int, CapturedAttention] = {}

    def record(self, module: nn.Module, query: torch.Tensor, key: torch.Tensor, kwargs: dict) -> None:
        if kwargs.get("softcap") is not None:
            raise JobError("the model soft-caps its attention scores; the attention loss does not support it")
        scaling = kwargs.get("scaling") or module.scaling  # what the model itself scales its scores by
        self.layers[self._index[module]] = CapturedAttention(query, key, scaling, kwargs.get("sliding_window"))

    def __enter__(self) -> "AttentionCapture":
        self.layers = {}
        _ACTIVE.update(dict.fromkeys(self._index, self))
        return self

    def __exit__(self, *exc) -> None:
        for module in self._index:
            _ACTIVE.pop(module, None)


def _log_maps(query: torch.Tensor, key: torch.Tensor, scaling: float, allowed: torch.Tensor,
              groups: int) -> torch.Tensor:
    """log attention rows [groups, n, K] of queries [H, n, D] over keys [KV, K, D], disallowed keys at
    probability 0, heads averaged in `groups` consecutive groups (in probability space)."""
    heads, n, dim = query.shape
    kv = key.shape[0]
    scores = query.reshape(kv, heads // kv, n, dim) @ key.transpose(-1, -2)[:, None]
    # The smallest finite value, not −inf: its probability is exactly 0, and p·(log p − log q) and its gradient
    # stay 0 there instead of 0·(−inf + inf) = NaN.
    scores = scores.reshape(heads, n, -1).mul(scaling).masked_fill(~allowed, torch.finfo(scores.dtype).min)
    log_rows = F.log_softmax(scores, dim=-1)
    if groups == heads:
        return log_rows
    size = heads // groups
    return torch.logsumexp(log_rows.view(groups, size, n, -1), dim=1) - math.log(size)


def _chunk_kl(student_query, student_key, teacher_query, teacher_key, allowed, student_scaling, teacher_scaling,
              groups):
    """Σ over the chunk's rows and head groups of KL(A_teacher ‖ A_student), in at least float32."""
    dtype = torch.promote_types(student_query.dtype, torch.float32)
    with torch.autocast(student_query.device.type, enabled=False):
        log_student = _log_maps(student_query.to(dtype), student_key.to(dtype), student_scaling, allowed, groups)
        with torch.no_grad():
            log_teacher = _log_maps(teacher_query.to(dtype), teacher_key.to(dtype), teacher_scaling, allowed, groups)
        return (log_teacher.exp() * (log_teacher - log_student)).sum()


def _allowed_keys(positions: torch.Tensor, key_valid: torch.Tensor, window: int | None) -> torch.Tensor:
    """[n, K]: key j is visible from query position t when j ≤ t, j is not padding, and j lies in the window."""
    keys = torch.arange(key_valid.shape[0], device=positions.device)
    allowed = (keys[None] <= positions[:, None]) & key_valid[None]
    if window is not None:
        allowed &= positions[:, None] - keys[None] < window
    return allowed


def head_groups(teacher_heads: int, student_heads: int) -> int:
    return math.gcd(teacher_heads, student_heads)


def attention_kl(pairs: list[tuple[CapturedAttention, CapturedAttention]], attention_mask: torch.Tensor,
                 query_mask: torch.Tensor, chunk_size: int = 128) -> torch.Tensor:
    """L_attn over (teacher, student) captured pairs. attention_mask [B, T]: the keys the models attended to (not
    padding); query_mask [B, T] bool: the answer-token query rows. A mask without rows, or no pairs, gives 0
    attached to the student's graph."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not pairs:
        raise ValueError("attention_kl needs at least one (teacher, student) layer pair")
    query_mask, key_valid = query_mask.bool(), attention_mask.bool()
    rows = int(query_mask.sum())
    first_query = pairs[0][1].query
    total = first_query.new_zeros((), dtype=torch.promote_types(first_query.dtype, torch.float32))
    if rows == 0:
        return total + sum(s.query.sum() * 0.0 for _, s in pairs)
    groups = head_groups(pairs[0][0].query.shape[1], pairs[0][1].query.shape[1])
    for teacher, student in pairs:
        if teacher.query.shape[:3:2] != student.query.shape[:3:2]:
            raise ValueError(f"teacher queries {tuple(teacher.query.shape)} and student queries "
                             f"{tuple(student.query.shape)} differ in batch or length")
        if head_groups(teacher.query.shape[1], student.query.shape[1]) != groups:
            raise ValueError("every mapped layer pair must have the same head counts")
        window = student.sliding_window
        for b in range(query_mask.shape[0]):
            positions = query_mask[b].nonzero().squeeze(1)
            for start in range(0, positions.numel(), chunk_size):
                chunk = positions[start:start + chunk_size]
                keys = int(chunk[-1]) + 1  # causal: later keys are invisible to every query of the chunk
                args = (student.query[b].index_select(1, chunk), student.key[b, :, :keys],
                        teacher.query[b].index_select(1, chunk), teacher.key[b, :, :keys], _allowed_keys(chunk, key_valid[b, :keys], window),
                        student.scaling, teacher.scaling, groups)
                if torch.is_grad_enabled() and student.query.requires_grad:
                    total = total + checkpoint(_chunk_kl, *args, use_reentrant=False)
                else:
                    total = total + _chunk_kl(*args)
    return total / (rows * groups * len(pairs))


def layer_map(spec: list[dict] | None, student_ref: dict, student_depth: int, teacher_depth: int,
              pruned_layers: Callable[[dict, int], list[int]]) -> list[tuple[int, int]]:
    """(teacher layer, student layer) pairs: the job's explicit `layer_map`; else, for a layer-pruned student,
    each layer with the teacher layer it was copied from; else one to one when the depths match."""
    if spec:
        pairs = [(int(p["teacher"]), int(p["student"])) for p in spec]
        bad = [(t, s) for t, s in pairs if not (0 <= t < teacher_depth and 0 <= s < student_depth)]
        if bad:
            raise JobError(f"attention.layer_map pairs {bad} name layers outside the teacher's {teacher_depth} "
                           f"or the student's {student_depth}")
        students = [s for _, s in pairs]
        if len(set(students)) != len(students):
            raise JobError(f"attention.layer_map maps a student layer more than once: {students}")
        return pairs
    if student_ref["source"] == "pruned":
        return [(t, s) for s, t in enumerate(pruned_layers(student_ref, teacher_depth))]
    if student_depth == teacher_depth:
        return [(i, i) for i in range(student_depth)]
    raise JobError(f"the student has {student_depth} layers and the teacher {teacher_depth}: the attention loss "
                   "needs attention.layer_map to say which teacher layer each student layer learns from")
