"""The response cache every generation job shares: a SQLite file in the studio's data folder, keyed by what
decides an answer (endpoint, model, messages, sampling parameters), so repeating work sends no request.

Several jobs may use it at once: the file is in WAL mode and a writer waits for another's lock instead of
failing. A response is stored as the endpoint gave it, whether or not the job keeps it (an empty or cut-off
answer is kept aside again from the cache, without a request)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from distill.contract import JobError

CACHE_VARIABLE = "DISTILL_RESPONSE_CACHE"

SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
  key TEXT PRIMARY KEY,
  content TEXT NOT NULL,
  finish_reason TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  created_at REAL NOT NULL
)"""


def request_key(base_url: str, model: str, messages: list[dict], sampling: dict) -> str:
    """SHA-256 of the request's canonical JSON. A trailing slash on the URL makes no other key."""
    canonical = json.dumps({"base_url": base_url.rstrip("/"), "model": model, "messages": messages,
                            "sampling": sampling}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
        except sqlite3.Error as e:
            raise JobError(f"the response cache {path} cannot be opened: {e}") from None
        self.path = path

    def get(self, key: str) -> dict | None:
        row = self._db.execute("SELECT content, finish_reason, prompt_tokens, completion_tokens FROM responses "
                               "WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return {"content": row[0], "finish_reason": row[1], "prompt_tokens": row[2], "completion_tokens": row[3]}

    def put(self, key: str, response: dict) -> None:
        self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                         (key, response["content"], response["finish_reason"], response["prompt_tokens"],
                          response["completion_tokens"], time.time()))

    def close(self) -> None:
        self._db.close()


def open_cache(job: dict) -> ResponseCache | None:
    """The cache a job names in `cache`, else the one DISTILL_RESPONSE_CACHE names, else none."""
    path = job["cache"] or os.environ.get(CACHE_VARIABLE)
    return ResponseCache(Path(path)) if path else None
