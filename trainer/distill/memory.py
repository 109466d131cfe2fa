"""Handing freed heap memory back to the system (glibc's malloc_trim; a no-op with another C library).

glibc serves blocks below its mmap threshold (which rises up to 32 MiB as large blocks are freed) from the
heap and keeps what is freed there. The forward passes free many temporaries of a few MiB; the output-layer
chunks that come next cannot all fit in the holes they leave, so without a trim the holes stay resident on
top of the loss's own memory (about 150 MiB of peak RSS in bench/trainer_throughput.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):  # no C library found, or not glibc
        return None


def release_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
