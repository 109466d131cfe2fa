"""The labelled task examples the project wrote itself (distill/data/task_examples.jsonl): the embedded tagger's
training set and the studio's one-click demo dataset."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from distill.tagging import taxonomy

FIELDS = ("instruction", "input", "output", "label")


def path():
    return resources.files("distill").joinpath("data", "task_examples.jsonl")


def digest() -> str:
    return hashlib.sha256(path().read_bytes()).hexdigest()


def prompt(instruction: str, input: str) -> str:
    """The user turn as the studio's Alpaca import writes it (server/ingest/canonical.ts: one newline)."""
    return f"{instruction}\n{input}" if input else instruction


def load() -> list[dict]:
    """Every example, checked: all fields present and the label a taxonomy name."""
    rows = []
    for number, line in enumerate(path().read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = [f for f in FIELDS if not isinstance(row.get(f), str)]
        if missing:
            raise ValueError(f"task_examples.jsonl line {number}: field(s) {missing} missing or not strings")
        if row["label"] not in taxonomy.labels():
            raise ValueError(f"task_examples.jsonl line {number}: label {row['label']!r} is not a taxonomy name")
        rows.append(row)
    return rows
