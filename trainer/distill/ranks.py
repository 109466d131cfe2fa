"""Which torchrun rank this process is, from torchrun's environment, without importing torch: every job asks
(only rank 0 writes events), and a generation job never needs torch at all."""

from __future__ import annotations

import os


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    return rank() == 0


def active() -> bool:
    return world_size() > 1
