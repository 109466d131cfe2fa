"""FSDP for job.distributed.strategy "fsdp" under torchrun: PyTorch's `fully_shard` (FSDP2) splits the student's
weights, gradients and optimizer state over the ranks, so a student that does not fit one GPU trains on several.
Each decoder layer is one unit (its weights all-gathered just before its forward and backward, freed after), and
the root (embeddings, final norm, output layer) another. The frozen teacher is sharded the same way, or kept whole
on every rank (job.distributed.teacher "replicate").

The loss applies the output layers itself, after the forward (`head_distill`): it reads the root's weights between
the forward and the backward, when FSDP keeps a root unit gathered (a root is never resharded after its forward),
so the whole output layer is what it sees, as in one process. Evaluation and generation run on every rank with the
root gathered explicitly (`whole`).

Checkpoints and the final model are gathered into exactly what one process writes (`full_state_dict`,
`full_optimizer_state`), so a run may stop under FSDP and resume in one process or under DDP, and the other way
round; loading scatters each full tensor back to its shards (`load_full_state_dict`, `load_optimizer_state`).

On CUDA, mixed precision (MixedPrecisionPolicy: bf16 weights in compute, fp32 gradient reduction) is on unless
job.distributed.mixed_precision is false; it is not used on the CPU, where the tests run FSDP over gloo.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import torch
from safetensors import safe_open
from torch import nn
from torch.distributed.fsdp import FSDPModule, MixedPrecisionPolicy, fully_shard
from torch.distributed.tensor import DTensor, distribute_tensor

from distill.contract import JobError
from distill.ranks import is_main


def policy(settings: dict, device: torch.device) -> MixedPrecisionPolicy:
    if device.type == "cuda" and settings["mixed_precision"]:
        return MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
    return MixedPrecisionPolicy()


def shard(hidden: nn.Module, settings: dict, device: torch.device) -> nn.Module:
    """fully_shard each decoder layer of the LM inside `hidden` (a HiddenStates), then `hidden` itself as the root
    (its forward is the one the trainer calls). Weights loaded on the CPU move to `device` shard by shard."""
    layers = getattr(hidden.lm.get_decoder(), "layers", None)
    if not isinstance(layers, nn.ModuleList):
        raise JobError(f"FSDP shards a model per decoder layer, but the {hidden.lm.config.model_type} model has no "
                       "decoder layer list (model.layers): use job.distributed.strategy 'ddp'")
    mp = policy(settings, device)
    for layer in layers:
        fully_shard(layer, mp_policy=mp)
    fully_shard(hidden, mp_policy=mp)
    return hidden


def is_sharded(module: nn.Module) -> bool:
    return any(isinstance(p, DTensor) for p in module.parameters())


@contextlib.contextmanager
def accumulating(module: nn.Module, last: bool):
    """Gradients stay unsharded and unreduced across the micro-batches of a step; the last one reduce-scatters."""
    module.set_requires_gradient_sync(last)
    try:
        yield
    finally:
        module.set_requires_gradient_sync(True)


@contextlib.contextmanager
def whole(root: nn.Module):
    """The root unit gathered, for passes that do not go through the root's forward (generate calls the LM's)."""
    if not isinstance(root, FSDPModule):
        yield
        return
    root.unshard()
    try:
        yield
    finally:
        root.reshard()


def _gather(value):
    """A DTensor's full tensor on rank 0's CPU (None elsewhere); other values as they are. Every rank must call
    this in the same order: it all-gathers. One tensor at a time, so a GPU holds at most one whole tensor more."""
    if not isinstance(value, DTensor):
        return value
    full = value.full_tensor()
    return full.detach().cpu() if is_main() else None


def full_state_dict(module: nn.Module) -> dict:
    """module.state_dict() as one process has it, on rank 0's CPU ({} elsewhere): tied weights (one parameter
    under two names) stay one tensor, so safetensors' save_model and save_pretrained store them once."""
    gathered: dict[int, torch.Tensor] = {}
    full = {}
    for name, value in module.state_dict(keep_vars=True).items():
        if id(value) not in gathered:
            gathered[id(value)] = _gather(value)
        full[name] = gathered[id(value)]
    return full if is_main() else {}


def full_optimizer_state(optimizer: torch.optim.Optimizer) -> dict:
    """optimizer.state_dict() as one process has it (keyed by parameter index), on rank 0 ({} elsewhere)."""
    state = optimizer.state_dict()
    moments = {i: {k: _gather(v) for k, v in s.items()} for i, s in state["state"].items()}
    return {"state": moments, "param_groups": state["param_groups"]} if is_main() else {}


def _scatter_like(full: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    if not isinstance(like, DTensor):
        return full.to(device=like.device, dtype=like.dtype)
    return distribute_tensor(full.to(device=like.device, dtype=like.dtype), like.device_mesh, like.placements)


@torch.no_grad()
def load_full_state_dict(module: nn.Module, weights: Path) -> None:
    """Fill a sharded module from a single-process weights file (save_model's: a tied name it dropped is in the
    file's metadata, pointing to the name it kept), every rank reading it."""
    with safe_open(str(weights), framework="pt") as f:
        stored, aliases = set(f.keys()), f.metadata() or {}
        targets = module.state_dict(keep_vars=True)
        names = {name: name if name in stored else aliases.get(name) for name in targets}
        missing = sorted(n for n, key in names.items() if key not in stored)
        unexpected = sorted(stored - set(names.values()))
        if missing or unexpected:
            raise JobError(f"{weights} does not match the student (missing {missing[:5]}, unexpected "
                           f"{unexpected[:5]})")
        for name, target in targets.items():
            target.copy_(_scatter_like(f.get_tensor(names[name]), target))


def load_optimizer_state(optimizer: torch.optim.Optimizer, full: dict) -> None:
    """Load a single-process optimizer state into an optimizer over sharded parameters: each moment shaped like
    its parameter is scattered as the parameter is."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    state = {i: {k: _scatter_like(v, params[i]) if torch.is_tensor(v) and v.shape == params[i].shape else v
                 for k, v in s.items()}
             for i, s in full["state"].items()}
    optimizer.load_state_dict({"state": state, "param_groups": full["param_groups"]})
