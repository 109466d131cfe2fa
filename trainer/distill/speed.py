"""How a train job runs fast (job.speed; docs/trainer-speed.md): bf16 weights where they are right, padded shapes
that repeat, fused AdamW, torch.compile. On the CPU the defaults change nothing.

The student's precision is the one subtle part. Under bf16 autocast with fp32 weights, every forward casts every
weight (and the frozen teacher's, which autocast does not cache) and every backward casts the gradients back: on a
GPU that is thousands of small kernels per step, and the step waits on the host launching them. With bf16 weights
the student runs on a bf16 copy of itself: the fp32 student stays the master (the optimizer steps it, checkpoints
and the final model are written from it, evaluation runs it), the copy's gradients move to it before each
optimizer step and its new values move back to the copy after it, each as one pass over the parameters.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from distill.contract import JobError

CUDA_PAD_MULTIPLE = 64


class Speed:
    """job.speed resolved for a device, and for FSDP (`sharded`: job.distributed.strategy "fsdp" under torchrun)."""

    def __init__(self, speed: dict, device: torch.device, sharded: bool):
        if sharded and speed["compile"]:
            raise JobError("speed.compile cannot be combined with job.distributed.strategy 'fsdp' yet: use 'ddp' or "
                           "leave compile off")
        # "bf16" forces the CUDA path on the CPU too, where it is slower but testable.
        self.bf16 = speed["precision"] == "bf16" or (speed["precision"] == "auto" and device.type == "cuda")
        # Under FSDP the mixed-precision policy computes in bf16 itself (distill.fsdp): no StudentCompute copy.
        self.student_copy = self.bf16 and not sharded
        default_pad = CUDA_PAD_MULTIPLE if device.type == "cuda" else 1
        self.pad_multiple = speed["pad_to_multiple"] or default_pad
        self.fused_adamw = device.type == "cuda" and speed["precision"] != "fp32"
        self.compile = speed["compile"]
        self.pack = speed["pack"]["enabled"]

    def prepare_teacher(self, teacher: nn.Module) -> None:
        """The frozen teacher needs no fp32 master: converted once, its forwards cast nothing."""
        if self.bf16:
            teacher.to(torch.bfloat16)

    def compiled(self, module: nn.Module, with_hooks: bool) -> nn.Module:
        if not self.compile:
            return module
        if with_hooks:
            raise JobError("speed.compile cannot be combined with attention.enabled: the attention loss reads the "
                           "layers' states through hooks, which a compiled graph does not run")
        return torch.compile(module)


class StudentCompute:
    """The student the training forwards run on: `model`, a bf16 copy of the fp32 `master` with bf16 weights, the
    master itself otherwise (then both methods do nothing)."""

    def __init__(self, master: nn.Module, bf16: bool):
        self.master = master
        self.model = copy.deepcopy(master).to(torch.bfloat16) if bf16 else master
        # parameters() yields a tied weight once, in the same order for a deep copy.
        self._pairs = list(zip(master.parameters(), self.model.parameters(), strict=True)) if bf16 else []

    @torch.no_grad()
    def grads_to_master(self) -> None:
        """Before clipping and the optimizer step: the copy's gradients, as fp32, become the master's."""
        for master, copy_ in self._pairs:
            master.grad = None if copy_.grad is None else copy_.grad.float()
            copy_.grad = None

    @torch.no_grad()
    def weights_from_master(self) -> None:
        """After the optimizer step, and after a checkpoint's weights are loaded into the master."""
        if self._pairs:
            torch._foreach_copy_([c for _, c in self._pairs], [m for m, _ in self._pairs])
