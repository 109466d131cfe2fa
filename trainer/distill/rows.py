"""Reading a run folder's rows (JSON lines {id, messages}); kept apart from data.py, which needs torch, so jobs
that only read rows (tagging, token counts, generation) start without it."""

from __future__ import annotations

import json
from pathlib import Path

from distill.contract import JobError


def read_rows(path: Path | str, need_answer: bool = True) -> list[dict]:
    """JSONL rows {id, messages:[{role, content}]}; a bad line is a JobError naming file and line number.

    Prompt-only rows (no assistant message: MT-Bench questions without reference answers) are refused unless
    `need_answer` is False: training and scoring learn from or measure the answer, while tagging and token
    counting read only what is there."""
    if not Path(path).exists():
        raise JobError(f"{path} does not exist")
    rows = []
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise JobError(f"{path} line {number}: not JSON ({e.msg})") from None
            messages = row.get("messages") if isinstance(row, dict) else None
            if not isinstance(messages, list) or not messages or "id" not in row:
                raise JobError(f"{path} line {number}: a row needs an id and a non-empty messages list")
            if need_answer and not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
                raise JobError(f"{path} line {number} (id {row['id']}): a prompt-only row (no assistant message); "
                               "training and scoring need an answer to learn from or measure")
            rows.append(row)
    return rows
