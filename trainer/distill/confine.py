"""Where a job may write: its run folder and the train job's output_roots, checked when it writes.

The studio checks output paths at launch, but a path that did not exist then, or a symbolic link planted since
inside an allowed folder, can lead anywhere by the time the trainer writes. So every writer asks here for the
directory (or file) it is about to write, at that moment: the path's nearest existing parent is resolved through
every symlink (a dangling link included), and a real path outside the roots fails the job with a JobError.
The writer then writes through the real path returned, not through the links. A writer that opens several files
by name over a while (a model save) is still open to a link swapped into that real path meanwhile, so it writes
inside `writing_into`, which checks the real path again once the files are written and fails the job if it moved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from distill.contract import JobError


def write_roots(job: dict, run_dir: Path) -> list[Path]:
    return [run_dir, *(Path(root) for root in job.get("output_roots", []))]


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))  # non-strict: resolves what exists, keeps the missing rest as written


def check(path: Path, roots: list[Path]) -> Path:
    """The real path of `path` (which need not exist); a JobError when it lies outside `roots`."""
    real = _real(path)
    if not any(real == root or real.is_relative_to(root) for root in map(_real, roots)):
        shown = f" (it resolves to {real})" if real != Path(os.path.abspath(path)) else ""
        raise JobError(f"refusing to write to {path}{shown}: it is outside the folders this job may write to "
                       f"({_listed(roots)}); a symbolic link there leads outside them")
    return real


def _listed(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def directory(path: Path, roots: list[Path]) -> Path:
    """`path` created if missing, as its real path, once it is known to lie inside `roots`."""
    real = check(path, roots)
    real.mkdir(parents=True, exist_ok=True)
    return check(real, roots)  # a link swapped in between the check and mkdir shows here


def file(path: Path, roots: list[Path]) -> Path:
    """The real path to write the file `path` to (its folder created), once both lie inside `roots`."""
    real = check(path, roots)
    return directory(real.parent, roots) / real.name


@contextmanager
def writing_into(path: Path, roots: list[Path]) -> Iterator[Path]:
    """`directory(path, roots)` for the writes made in the block; when they are done, a real path that changed
    meanwhile (a folder on it swapped for a symbolic link) fails the job: some files may have gone with the link."""
    real = directory(path, roots)
    yield real
    now = _real(real)
    if now != real:
        raise JobError(f"{path} changed while this job wrote into it: it resolved to {real} and now resolves to "
                       f"{now}, so a symbolic link swapped in may have taken some of its files outside the folders "
                       f"this job may write to ({_listed(roots)}); check {now} and run the job again")
