"""Job kind "tag" (tagJob in lib/contracts/job.ts): label the first user turn of every row with a task type."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from distill import confine
from distill.contract import JobError
from distill.rows import read_rows
from distill.events import EventWriter
from distill.models import resolve_device
from distill.tagging.taggers import load_tagger


def first_user_turn(row: dict) -> str:
    turn = next((m for m in row["messages"] if m.get("role") == "user"), None)
    if turn is None or not isinstance(turn.get("content"), str):
        raise JobError(f"row {row['id']}: no user message with text content to tag")
    return turn["content"]


def _inside(run_dir: Path, relative: str, field: str) -> Path:
    path = (run_dir / relative).resolve()
    if not path.is_relative_to(run_dir.resolve()):
        raise JobError(f"job.{field} {relative!r} points outside the run folder")
    return path


def _done_rows(output: Path) -> list[dict]:
    """Rows already tagged by an interrupted run; a torn last line (killed mid-write) is dropped."""
    if not output.exists():
        return []
    done = []
    for line in output.read_text(encoding="utf-8").splitlines():
        try:
            done.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return done


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    data = _inside(run_dir, job["data"], "data")
    output = confine.file(run_dir / job["output"], confine.write_roots(job, run_dir))
    try:
        rows = read_rows(data, need_answer=False)  # tags the first user turn: no answer needed
    except (OSError, ValueError) as e:
        raise JobError(str(e)) from None
    tagger = load_tagger(job["tagger"], resolve_device(job["device"]), base_dir=run_dir)
    done = _done_rows(output) if resume else []
    if [r["id"] for r in done] != [r["id"] for r in rows[:len(done)]]:
        raise JobError(f"{job['output']} does not follow the order of {job['data']}: the data changed since the "
                       "interrupted run, so start a fresh run instead of resuming")
    todo = rows[len(done):]
    events.log(f"tagging {len(todo)} rows with {tagger.name}" + (f" ({len(done)} already tagged)" if done else ""))
    counts = Counter(row["label"] for row in done)
    started, batch_size = time.monotonic(), job["batch_size"]
    # Rewritten, not appended: it drops a torn last line and keeps exactly the rows counted as done.
    with output.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in done)
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            for row, (label, confidence) in zip(batch, tagger.tag([first_user_turn(r) for r in batch], batch_size)):
                out.write(json.dumps({"id": row["id"], "label": label, "confidence": round(confidence, 4),
                                      "tagger": tagger.name}) + "\n")
                counts[label] += 1
            out.flush()
            tagged = start + len(batch)
            rate = tagged / max(time.monotonic() - started, 1e-9)
            events.progress(len(done) + tagged, len(rows), "rows", eta_s=(len(todo) - tagged) / rate)
    return {"output": job["output"], "rows": len(rows), "tagger": tagger.name, "counts": dict(counts.most_common())}
