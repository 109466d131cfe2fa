"""The job side of the studio contract: append JSON-lines events to RUN_DIR/events.jsonl.

Each line is validated against schemas/event.schema.json, generated from the studio's zod schema
(lib/contracts/events.ts), so a trainer that drifts from the contract fails loudly here and not in the
browser. `seq` continues from the last line already in the file, so a resumed run extends the same log.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from distill.contract import validate

HEARTBEAT_SECONDS = 2.0
# The studio reads a done or error event as the end of the log: nothing is written after one.
ENDING_TYPES = frozenset({"done", "error"})


def _last_seq(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 65536))
        lines = [ln for ln in f.read().splitlines() if ln.strip()]
    for line in reversed(lines):
        try:
            return int(json.loads(line)["seq"])
        except (ValueError, KeyError):
            continue  # a torn last line from a kill: the line before it holds the real last seq
    return 0


class EventWriter:
    """Thread-safe appender. Every line is written with one os.write on an O_APPEND fd and flushed at once,
    so a tailer never sees half a line from a live writer."""

    def __init__(self, run_dir: Path | str, heartbeat: bool = True):
        self.path = Path(run_dir) / "events.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair_torn_tail()
        self._seq = _last_seq(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        if heartbeat:
            self._beat = threading.Thread(target=self._heartbeat, daemon=True)
            self._beat.start()

    def _repair_torn_tail(self) -> None:
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb+") as f:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    f.write(b"\n")

    def emit(self, type: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            return self._write(type, fields)

    def _write(self, type: str, fields: dict[str, Any]) -> dict[str, Any]:
        event = {"seq": self._seq + 1, "time": time.time(), "type": type}
        event.update({k: v for k, v in fields.items() if v is not None})
        validate("event.schema.json", event)
        os.write(self._fd, (json.dumps(event, allow_nan=False) + "\n").encode())
        self._seq += 1
        if type in ENDING_TYPES:
            self._stop.set()
        return event

    def progress(self, current: float, total: float | None, unit: str, **fields: Any) -> None:
        self.emit("progress", current=current, total=total, unit=unit, **fields)

    def log(self, message: str, level: str = "info") -> None:
        self.emit("log", level=level, message=message)

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                # Checked under the lock: a beat that woke while done/error was being written must not follow it.
                if not self._stop.is_set():
                    self._write("heartbeat", {})

    def close(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=HEARTBEAT_SECONDS + 1)
        os.close(self._fd)

    def __enter__(self) -> "EventWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SilentEvents:
    """Stands in for EventWriter on torchrun ranks other than 0: one writer per run folder keeps seq exact."""

    def emit(self, type: str, **fields: Any) -> dict[str, Any]:
        return {}

    def progress(self, current: float, total: float | None, unit: str, **fields: Any) -> None:
        pass

    def log(self, message: str, level: str = "info") -> None:
        pass

    def __enter__(self) -> "SilentEvents":
        return self

    def __exit__(self, *exc: object) -> None:
        pass
