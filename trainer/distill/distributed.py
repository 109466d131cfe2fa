"""torchrun support (`torchrun --nproc_per_node N -m distill run RUN_DIR`): one process per device. Every rank
trains on its share of each planned micro-batch and DDP averages the gradients; rank 0 alone writes events,
checkpoints and the final model. Without torchrun's environment every helper here is a no-op."""

from __future__ import annotations

import contextlib
import os
from typing import TypeVar

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from distill.ranks import active, is_main, rank, world_size  # noqa: F401 (train.py asks distributed.is_main())

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


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    if not active():
        return model
    device = next(model.parameters()).device
    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=device_ids)


def accumulating(model: torch.nn.Module, last: bool):
    """Skip DDP's gradient all-reduce on every micro-batch but the last of an optimizer step."""
    if isinstance(model, DistributedDataParallel) and not last:
        return model.no_sync()
    return contextlib.nullcontext()


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
