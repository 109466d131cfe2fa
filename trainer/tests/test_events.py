"""The event log's writer: numbered lines, and nothing after the event that ends the log."""

from __future__ import annotations

import json
import threading
import time

from distill import events


def test_no_heartbeat_follows_done_even_when_a_beat_is_due(tmp_path, monkeypatch):
    # Beats every millisecond, so one is due at the very moment `done` is written (the race a torchrun test hit).
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.001)
    for _ in range(20):
        run_dir = tmp_path / f"run-{_}"
        writer = events.EventWriter(run_dir)
        time.sleep(0.005)
        writer.emit("done", result={})
        time.sleep(0.005)
        writer.close()
        lines = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
        assert lines[-1]["type"] == "done"
        assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))


def test_lines_from_many_threads_are_whole_and_numbered(tmp_path):
    writer = events.EventWriter(tmp_path, heartbeat=False)
    threads = [threading.Thread(target=lambda: [writer.log(f"message {i}") for i in range(50)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    lines = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 201))
