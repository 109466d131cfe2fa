"""An append-only JSON-lines file: each record is one write on an O_APPEND file, in the kernel's hands when
append returns, so an answer in the journal survives a kill -9 and a resumed job finds every answer that arrived
before it stopped. A background thread fsyncs the file behind the writes (one fsync covers every record written
since the last), so an answer also survives a power cut a few milliseconds after it arrived, and no request waits
on the disk (an fsync per answer in the job's event loop took ~7 ms on the dev VM: bench/README.md)."""

from __future__ import annotations

import json
import os
import threading
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
        self._unsynced = threading.Event()
        self._closing = False
        self._syncer = threading.Thread(target=self._sync, daemon=True, name="journal-fsync")
        self._syncer.start()

    def append(self, record: dict, durable: bool = True) -> None:
        """`durable=False` asks for no fsync for a record that costs nothing to get again (a cache hit)."""
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())
        if durable:
            self._unsynced.set()

    def _sync(self) -> None:
        while True:
            self._unsynced.wait()
            self._unsynced.clear()
            closing = self._closing  # read before the fsync, so that fsync covers every append before close
            os.fsync(self._fd)
            if closing:
                return

    def close(self) -> None:
        """Returns once every record is on disk: the last fsync starts after the last append."""
        self._closing = True
        self._unsynced.set()
        self._syncer.join()
        os.close(self._fd)
