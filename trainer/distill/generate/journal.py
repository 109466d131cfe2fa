"""An append-only JSON-lines file made durable line by line: each record is one write on an O_APPEND file,
fsync'd before the job goes on, so an answer in the journal survives a kill -9 or a power cut, and a resumed job
finds every answer that arrived before it stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path


def read(path: Path) -> list[dict]:
    """The records in `path` ([] when it does not exist); a line torn by a kill mid-write is dropped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().splitlines():
        try:
            records.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # only the last line can be torn: every earlier one was fsync'd whole
    return records


class Journal:
    def __init__(self, path: Path, fresh: bool):
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (os.O_TRUNC if fresh else 0)
        self._fd = os.open(path, flags, 0o644)
        # A torn last line would otherwise be glued to the first new record.
        if os.fstat(self._fd).st_size and not path.read_bytes().endswith(b"\n"):
            os.write(self._fd, b"\n")

    def append(self, record: dict, durable: bool = True) -> None:
        """`durable=False` skips the fsync for a record that costs nothing to get again (a cache hit)."""
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())
        if durable:
            os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)
