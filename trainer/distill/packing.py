"""Sequence packing (job.speed.pack; docs/trainer-speed.md): the rows of a micro-batch laid end to end in a few
sequences, so the models compute (almost) no padding, with position ids restarting at 0 at each row.

transformers keeps attention within each row from those position ids alone when no 2-D attention mask is given:
for sdpa and eager it builds a block-diagonal causal 4-D mask (masking_utils.find_packed_sequence_indices, as
DataCollatorWithFlattening relies on); for flash attention it runs the varlen kernel on the rows' bounds, but only
for a batch of one sequence (modeling_flash_attention_utils._is_packed_sequence), so with flash every row of a
micro-batch goes into one sequence. Restarted position ids also give each row the rotary positions it has alone.

Packing changes the layout only. The plan still decides which rows form a micro-batch, and the models' last hidden
states are put back into the padded batch's layout before the loss, so the loss, its masks and normalisation, the
per-row losses and the teacher-logit cache's row offsets are those of the unpacked batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from distill.contract import JobError
from distill.data import padded_width


@dataclass(frozen=True)
class Packed:
    """A micro-batch of B rows packed into P sequences of L tokens."""

    input_ids: torch.Tensor  # [P, L]
    position_ids: torch.Tensor  # [P, L]: 0, 1, ... from each row's start (and from the trailing padding's)
    index: torch.Tensor  # [B, T]: each position of the padded batch as an index into the flattened [P·L]

    def to(self, device: torch.device) -> Packed:
        return Packed(self.input_ids.to(device), self.position_ids.to(device), self.index.to(device))

    def hidden_states(self, model: nn.Module) -> torch.Tensor:
        """`model` (a HiddenStates, or DDP or FSDP around one) run on the packed rows, as [B, T, H] in the padded
        batch's layout. Positions past a row's end hold another position's state: the loss never reads them."""
        hidden = model(self.input_ids, None, self.position_ids)
        return hidden.flatten(0, 1)[self.index]


def hidden_states(model: nn.Module, batch: dict) -> torch.Tensor:
    """The last hidden states [B, T, H] of a batch from Distiller.batch, packed or not."""
    packed = batch.get("packed")
    if packed is None:
        return model(batch["input_ids"], batch["attention_mask"])
    return packed.hidden_states(model)


def first_fit(lengths: list[int], max_tokens: int) -> list[list[int]]:
    """Row indices per sequence, longest rows placed first, each into the first sequence with room: a sequence
    holds at most `max_tokens` tokens, or one row that is longer by itself."""
    sequences: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        fit = next((s for s, left in enumerate(room) if lengths[i] <= left), None)
        if fit is None:
            sequences.append([i])
            room.append(max_tokens - lengths[i])
        else:
            sequences[fit].append(i)
            room[fit] -= lengths[i]
    return sequences


def pack(rows: list[list[int]], width: int, pad_id: int, max_tokens: int | None, pad_multiple: int = 1) -> Packed:
    """`rows` (token ids) packed by first_fit, or all into one sequence when `max_tokens` is None; `width` is the
    padded batch's (collate's) width T. Each sequence is right-padded to the longest one, rounded up to a multiple
    of `pad_multiple`; the padding's position ids restart at 0 too, so it is a row of its own that no row sees."""
    lengths = [len(r) for r in rows]
    groups = first_fit(lengths, max_tokens) if max_tokens else [list(range(len(rows)))]
    length = padded_width(max(sum(lengths[i] for i in g) for g in groups), pad_multiple)
    input_ids = torch.full((len(groups), length), pad_id, dtype=torch.long)
    position_ids = torch.empty((len(groups), length), dtype=torch.long)
    index = torch.zeros((len(rows), width), dtype=torch.long)
    for s, group in enumerate(groups):
        at = 0
        for i in group:
            n = lengths[i]
            input_ids[s, at:at + n] = torch.tensor(rows[i], dtype=torch.long)
            position_ids[s, at:at + n] = torch.arange(n)
            index[i, :n] = s * length + at + torch.arange(n)
            at += n
        position_ids[s, at:] = torch.arange(length - at)
    return Packed(input_ids, position_ids, index)


class Packer:
    """job.speed.pack resolved for the models that run on the packed rows."""

    def __init__(self, job: dict, models: list[nn.Module]):
        if job["attention"]["enabled"]:
            raise JobError("speed.pack cannot be combined with attention.enabled: the attention-map loss compares "
                           "each row's attention maps over its own positions, which packed rows do not have; "
                           "turn one of them off")
        flash = any("flash" in (m.config._attn_implementation or "") for m in models)
        # Flash attention finds the rows' bounds only in a batch of one sequence; sdpa and eager pay for the whole
        # sequence's attention matrix, so max_tokens bounds it.
        self.max_tokens = None if flash else job["speed"]["pack"]["max_tokens"] or job["max_length"]

    def __call__(self, rows: list[list[int]], width: int, pad_id: int, pad_multiple: int) -> Packed:
        return pack(rows, width, pad_id, self.max_tokens, pad_multiple)
