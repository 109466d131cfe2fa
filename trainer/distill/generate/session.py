"""What every generation job does around its own per-row work: opens the journal, the response cache and the
teacher, asks each request once (a resumed job's journal answer, else the cache, else the endpoint), meters
progress, stops for a resume on SIGTERM, and writes the finished and the set-aside rows in input order.

A job kind reads its rows with `read_job_rows` and supplies only `work(session, row)`, which asks its requests
with `session.ask` and ends the row with `session.finish` or `session.set_aside`."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from distill import confine
from distill.contract import JobError, Stopped
from distill.events import EventWriter
from distill.generate import journal
from distill.generate.cache import ResponseCache, request_key
from distill.generate.meter import Meter
from distill.generate.teacher import Teacher
from distill.rows import read_rows

CACHE_VARIABLE = "DISTILL_RESPONSE_CACHE"
SIGTERM_EXIT = 143


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Session:
    def __init__(self, job: dict, teacher: Teacher, cache: ResponseCache | None, journal_file: journal.Journal,
                 earlier: dict[tuple[str, int], dict], meter: Meter):
        self.job, self.teacher, self.cache = job, teacher, cache
        self.journal, self.earlier, self.meter = journal_file, earlier, meter
        self.finished: dict[str, dict] = {}
        self.aside: dict[str, dict] = {}

    def provenance(self, template: dict, **extra) -> dict:
        """What a result row records of how it was made; `time` is added when the row ends."""
        return {"endpoint": self.job["endpoint"]["base_url"], "model": self.job["endpoint"]["model"],
                "template": {"name": template["name"], "version": template["version"]},
                "sampling": self.teacher.sampling, **extra}

    async def ask(self, row_id: str, turn: int, messages: list[dict]) -> dict:
        """The journal record of one request: {content, finish_reason, prompt_tokens, completion_tokens, time, …}.
        Raises RefusedRequest when the endpoint refuses this request."""
        key = request_key(self.job["endpoint"]["base_url"], self.job["endpoint"]["model"], messages,
                          self.teacher.sampling)
        earlier = self.earlier.get((row_id, turn))
        if earlier is not None and earlier["key"] == key:
            self.meter.count(earlier, cached=earlier["cached"], now=False)
            return earlier
        response, cached = (self.cache.get(key) if self.cache else None), True
        if response is None:
            response, cached = await self.teacher.complete(messages, row_id), False
            if self.cache:
                self.cache.put(key, response)
        record = {"id": row_id, "turn": turn, "key": key, **response, "cached": cached, "time": now()}
        self.journal.append(record, durable=not cached)
        self.meter.count(record, cached=cached, now=True)
        self.meter.emit()
        return record

    def finish(self, record: dict) -> None:
        self.finished[record["id"]] = record

    def set_aside(self, row_id: str, reason: str, detail: str | None, turn: int, messages: list[dict],
                  provenance: dict, requests_skipped: int) -> None:
        """`turn` counts from 1; `requests_skipped`: the row's requests that will not be sent now."""
        self.meter.skip(requests_skipped)
        self.aside[row_id] = {"id": row_id, "reason": reason, "detail": detail, "turn": turn, "messages": messages,
                              "provenance": {**provenance, "time": now()}}


def read_job_rows(job: dict, run_dir: Path, need_answer: bool, check_row: Callable[[dict], None]) -> list[dict]:
    """The rows of job.json's `data`, each checked by `check_row` (a JobError naming the row), ids unique."""
    rows = read_rows(run_dir / job["data"], need_answer=need_answer)
    if len({r["id"] for r in rows}) != len(rows):
        raise JobError(f"{job['data']}: row ids are not unique")
    for row in rows:
        check_row(row)
    return rows


def _write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


def _open_cache(job: dict) -> ResponseCache | None:
    path = job["cache"] or os.environ.get(CACHE_VARIABLE)
    return ResponseCache(Path(path)) if path else None


def run_rows(job: dict, run_dir: Path, events: EventWriter, resume: bool, rows: list[dict], requests: int,
             doing: str, work: Callable[[Session, dict], Awaitable[None]]) -> dict:
    """Runs `work` over `rows`, `concurrency` rows at a time; `requests` is the total for progress and `doing`
    what the first log line says the job does ("answering 20 rows")."""
    roots = confine.write_roots(job, run_dir)
    output = confine.file(run_dir / job["output"], roots)
    set_aside_path = confine.file(run_dir / job["set_aside"], roots)
    journal_path = confine.file(output.with_name(f"{output.name}.journal"), roots)
    earlier = {(r["id"], r["turn"]): r for r in journal.read(journal_path)} if resume else {}
    session = asyncio.run(_run(job, rows, events, journal_path, earlier, requests, doing, work))
    _write_jsonl(output, [session.finished[r["id"]] for r in rows if r["id"] in session.finished])
    _write_jsonl(set_aside_path, [session.aside[r["id"]] for r in rows if r["id"] in session.aside])
    reasons: dict[str, int] = {}
    for record in session.aside.values():
        reasons[record["reason"]] = reasons.get(record["reason"], 0) + 1
    meter = session.meter
    return {"output": job["output"], "set_aside": job["set_aside"], "rows": len(rows),
            "answered": len(session.finished), "set_aside_reasons": reasons,
            "requests_sent": session.teacher.requests_sent, "cache_hits": meter.cache_hits,
            "prompt_tokens": meter.paid_prompt_tokens, "completion_tokens": meter.paid_completion_tokens,
            "cost": meter.cost()}


async def _run(job: dict, rows: list[dict], events: EventWriter, journal_path: Path, earlier: dict, requests: int,
               doing: str, work: Callable[[Session, dict], Awaitable[None]]) -> Session:
    endpoint = job["endpoint"]
    meter = Meter(events, endpoint, total=requests)

    def on_pause(paused: bool, seconds: float) -> None:
        meter.paused = paused
        events.log(f"paused: endpoint unreachable ({endpoint['base_url']} has not answered for {seconds:.0f} s); "
                   f"probing it every {job['retry']['probe_every_s']:g} s" if paused else
                   f"resumed: the endpoint answers again after {seconds:.0f} s", level="warning" if paused else "info")
        meter.emit(force=True)

    teacher = Teacher(endpoint, job["sampling"], job["retry"], notice=lambda level, message: events.log(message, level),
                      on_pause=on_pause)
    cache = _open_cache(job)
    journal_file = journal.Journal(journal_path, fresh=not earlier)
    session = Session(job, teacher, cache, journal_file, earlier, meter)
    events.log(f"{doing} ({meter.total} requests) with {endpoint['model']} at "
               f"{endpoint['base_url']}, {endpoint['concurrency']} at a time"
               + (f"; {len(earlier)} answers from the interrupted run" if earlier else "")
               + (f"; response cache {cache.path}" if cache else "; no response cache"))
    task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await _each_row(session, rows, endpoint["concurrency"], work)
    except asyncio.CancelledError:
        raise Stopped(f"stopped by SIGTERM after {meter.done} of {meter.total} requests; every answer is kept: "
                      "run again with --resume", SIGTERM_EXIT) from None
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        journal_file.close()
        await teacher.close()
        if cache:
            cache.close()
    meter.emit(force=True)
    return session


async def _each_row(session: Session, rows: list[dict], concurrency: int,
                    work: Callable[[Session, dict], Awaitable[None]]) -> None:
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        while not queue.empty():
            await work(session, queue.get_nowait())

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(rows))):
                group.create_task(worker())
    except* JobError as failed:
        raise failed.exceptions[0] from None
