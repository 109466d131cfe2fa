"""torchrun support (`torchrun --nproc_per_node N -m distill run RUN_DIR`): one process per device. Every rank
trains on its share of each planned micro-batch and the gradients are averaged, by DDP (job.distributed.strategy
"ddp": a whole student on every rank) or by FSDP ("fsdp": the student sharded, distill.fsdp); rank 0 alone writes
events, checkpoints and the final model. Without torchrun's environment every helper here is a no-op.
docs/distributed.md says how the studio starts such runs and how to run one over several machines."""

from __future__ import annotations

import contextlib
import os
from typing import TypeVar

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from distill import checkpoint, fsdp
from distill.ranks import active, is_main, rank, world_size

T = TypeVar("T")


def init(device: torch.device) -> torch.device:
    """Join the process group under torchrun; returns the device this rank trains on."""
    if not active():
        return device
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def finish() -> None:
    if active() and dist.is_initialized():
        dist.destroy_process_group()


def shard(ids: tuple[T, ...]) -> tuple[T, ...]:
    """This rank's part of a micro-batch (its sample ids, or their buckets). Every rank must join every backward pass, so a micro-batch with
    fewer samples than ranks lends its samples round-robin to the ranks left over."""
    return tuple(ids[i % len(ids)] for i in range(rank(), max(len(ids), world_size()), world_size()))


def sharding(settings: dict) -> bool:
    return active() and settings["strategy"] == "fsdp"


def load_device(device: torch.device, settings: dict) -> torch.device:
    """Where the models load: under FSDP whole on the CPU, from where sharding moves each rank's share to `device`
    (a student too big for one GPU never sits whole on one)."""
    return torch.device("cpu") if sharding(settings) else device


def wrap(student: torch.nn.Module, settings: dict, device: torch.device) -> torch.nn.Module:
    """The module training passes go through: `student` itself in one process, in DDP, or sharded in place by
    FSDP."""
    if not active():
        return student
    if sharding(settings):
        return fsdp.shard(student, settings, device)
    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(student, device_ids=device_ids)


def place_teacher(teacher: torch.nn.Module, settings: dict, device: torch.device) -> None:
    """Under FSDP the teacher, loaded on the CPU (load_device), is sharded in place like the student, or moved whole
    to `device` (job.distributed.teacher "replicate"); elsewhere it was loaded on `device`."""
    if sharding(settings):
        if settings["teacher"] == "shard":
            fsdp.shard(teacher, settings, device)
        else:
            teacher.to(device)


def accumulating(model: torch.nn.Module, last: bool):
    """Skip the gradient all-reduce (DDP) or reduce-scatter (FSDP) on every micro-batch but the last of a step."""
    if isinstance(model, DistributedDataParallel) and not last:
        return model.no_sync()
    if isinstance(model, fsdp.FSDPModule):
        return fsdp.accumulating(model, last)
    return contextlib.nullcontext()


def grad_norm(model: torch.nn.Module, max_norm: float) -> float:
    """Clip the gradients to `max_norm` over all ranks' shards; the norm before clipping."""
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return float(norm.full_tensor() if isinstance(norm, fsdp.DTensor) else norm)


def evaluates_here(student: torch.nn.Module) -> bool:
    """Rank 0 evaluates alone, except under FSDP, where every rank must join each forward (it gathers shards)."""
    return is_main() or fsdp.is_sharded(student)


def whole(root: torch.nn.Module):
    return fsdp.whole(root)


def saveable(student: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None):
    """(student, optimizer) as rank 0 saves them: themselves, or under FSDP stand-ins whose state_dict() is the
    gathered single-process one (every rank must call this: it all-gathers)."""
    if not fsdp.is_sharded(student):
        return student, optimizer
    return _Gathered(fsdp.full_state_dict(student)), optimizer and _Gathered(fsdp.full_optimizer_state(optimizer))


class _Gathered:
    def __init__(self, state: dict):
        self._state = state

    def state_dict(self) -> dict:
        return dict(self._state)  # a copy: safetensors' save_model deletes the tied names from what it gets


def load_weights(folder, student: torch.nn.Module, device: torch.device) -> None:
    if fsdp.is_sharded(student):
        fsdp.load_full_state_dict(student, folder / checkpoint.WEIGHTS)
    else:
        checkpoint.load_weights(folder, student, device)


def load_optimizer(optimizer: torch.optim.Optimizer, state: dict, student: torch.nn.Module) -> None:
    if fsdp.is_sharded(student):
        fsdp.load_optimizer_state(optimizer, state)
    else:
        optimizer.load_state_dict(state)


def mean(values: list[float], device: torch.device) -> list[float]:
    return [v / world_size() for v in sums(values, device)]


def sums(values: list[float], device: torch.device) -> list[float]:
    """Each value summed over the ranks."""
    if not active():
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def total(value: int, device: torch.device) -> int:
    return int(sums([value], device)[0])


def any_rank(flag: bool, device: torch.device) -> bool:
    """True on every rank when any rank saw `flag`: all ranks must stop at the same step."""
    return total(int(flag), device) > 0


def barrier() -> None:
    if active():
        dist.barrier()
