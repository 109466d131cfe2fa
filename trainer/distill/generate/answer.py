"""Job kind "answer" (answerJob in lib/contracts/job.ts): the teacher answers every user turn of every row.

A row's conversation is rebuilt turn by turn: its system messages as they are, each user turn through the
template ({prompt}: the turn's text), then the teacher's answer to it in place of the row's own assistant turn,
so a later turn is asked in the context of the teacher's earlier answers. Rows are answered `concurrency` at a
time. Each answer goes to the response cache and to the journal (<output>.journal) as it arrives; --resume
reuses every journal answer whose request is the same as the one it would send now. At the end the answered rows
are written to `output` and the rows kept aside to `set_aside`, both in input order.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
from pathlib import Path

from distill import confine
from distill.contract import JobError, Stopped
from distill.rows import read_rows
from distill.events import EventWriter
from distill.generate import journal, template
from distill.generate.cache import ResponseCache, open_cache
from distill.generate.meter import Meter
from distill.generate.screen import reason_to_set_aside
from distill.generate.teacher import RefusedRequest, Teacher

SIGTERM_EXIT = 143


def user_turns(row: dict) -> int:
    return sum(m.get("role") == "user" for m in row["messages"])


def _check_row(row: dict) -> None:
    for number, message in enumerate(row["messages"], start=1):
        if message.get("role") in ("system", "user") and not isinstance(message.get("content"), str):
            raise JobError(f"row {row['id']} message {number}: a {message.get('role')} turn without text content")
    if not user_turns(row):
        raise JobError(f"row {row['id']}: no user turn to answer")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class AnswerRun:
    def __init__(self, job: dict, events: EventWriter, teacher: Teacher, cache: ResponseCache | None,
                 journal_file: journal.Journal, earlier: dict[tuple[str, int], dict], meter: Meter):
        self.job, self.events, self.teacher, self.cache = job, events, teacher, cache
        self.journal, self.earlier, self.meter = journal_file, earlier, meter
        self.provenance = {"endpoint": job["endpoint"]["base_url"], "model": job["endpoint"]["model"],
                           "template": {"name": job["template"]["name"], "version": job["template"]["version"]},
                           "sampling": teacher.sampling}
        self.answered: dict[str, dict] = {}
        self.set_aside: dict[str, dict] = {}

    async def answer_row(self, row: dict) -> None:
        sent: list[dict] = []   # the teacher's conversation: templated user turns and its own answers
        kept: list[dict] = []   # the new row: the original user turns and the teacher's answers
        usage = {"prompt_tokens": 0, "completion_tokens": 0}
        turn, turns, finished_at = 0, user_turns(row), None
        for message in row["messages"]:
            if message["role"] == "system":
                sent.append(message)
                kept.append(message)
            if message["role"] != "user":
                continue  # the row's own assistant turns are what the teacher replaces
            sent.append({"role": "user", "content": template.render(self.job["template"]["text"],
                                                                    {"prompt": message["content"]})})
            kept.append(message)
            try:
                answer = await self._answer_turn(row["id"], turn, sent)
            except RefusedRequest as refused:
                self._set_aside(row, turn, turns, "refused_by_endpoint", str(refused), kept)
                return
            finished_at = answer["time"]
            for key in usage:
                usage[key] += answer[key] or 0
            reply = {"role": "assistant", "content": answer["content"]}
            sent.append(reply)
            kept.append(reply)
            reason = reason_to_set_aside(answer["content"], answer["finish_reason"])
            if reason:
                self._set_aside(row, turn, turns, reason, None, kept)
                return
            turn += 1
        self.answered[row["id"]] = {"id": row["id"], "messages": kept, "origin": "teacher_answer",
                                    "provenance": {**self.provenance, "time": finished_at}, "usage": usage}

    def _set_aside(self, row: dict, turn: int, turns: int, reason: str, detail: str | None, kept: list[dict]):
        self.meter.skip(turns - turn - 1)  # a conversation gone wrong is not asked further
        self.set_aside[row["id"]] = {"id": row["id"], "reason": reason, "detail": detail, "turn": turn + 1,
                                     "messages": kept, "provenance": {**self.provenance, "time": _now()}}

    async def _answer_turn(self, row_id: str, turn: int, messages: list[dict]) -> dict:
        key = self.teacher.key(messages)
        earlier = self.earlier.get((row_id, turn))
        if earlier is not None and earlier["key"] == key:
            self.meter.count(earlier, cached=earlier["cached"], now=False)
            return earlier
        response, cached = await self.teacher.complete_cached(self.cache, messages, row_id)
        record = {"id": row_id, "turn": turn, "key": key, **response, "cached": cached, "time": _now()}
        self.journal.append(record, durable=not cached)
        self.meter.count(record, cached=cached, now=True)
        self.meter.emit()
        return record


async def _answer_all(run: AnswerRun, rows: list[dict], concurrency: int) -> None:
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        while not queue.empty():
            await run.answer_row(queue.get_nowait())

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(rows))):
                group.create_task(worker())
    except* JobError as failed:
        raise failed.exceptions[0] from None


def _write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    roots = confine.write_roots(job, run_dir)
    rows = read_rows(run_dir / job["data"], need_answer=False)
    if len({r["id"] for r in rows}) != len(rows):
        raise JobError(f"{job['data']}: row ids are not unique")
    for row in rows:
        _check_row(row)
    template.check(job["template"], {"prompt"})
    output, set_aside_path = confine.file(run_dir / job["output"], roots), confine.file(run_dir / job["set_aside"], roots)
    journal_path = confine.file(output.with_name(f"{output.name}.journal"), roots)
    earlier = {(r["id"], r["turn"]): r for r in journal.read(journal_path)} if resume else {}
    return asyncio.run(_run(job, rows, events, output, set_aside_path, journal_path, earlier))


async def _run(job: dict, rows: list[dict], events: EventWriter, output: Path, set_aside_path: Path,
               journal_path: Path, earlier: dict) -> dict:
    endpoint = job["endpoint"]
    meter = Meter(events, endpoint, total=sum(map(user_turns, rows)))

    def on_pause(paused: bool, seconds: float) -> None:
        meter.paused = paused
        events.log(f"paused: endpoint unreachable ({endpoint['base_url']} has not answered for {seconds:.0f} s); "
                   f"probing it every {job['retry']['probe_every_s']:g} s" if paused else
                   f"resumed: the endpoint answers again after {seconds:.0f} s", level="warning" if paused else "info")
        meter.emit(force=True)

    teacher = Teacher(endpoint, job["sampling"], job["retry"], notice=lambda level, message: events.log(message, level),
                      on_pause=on_pause)
    cache = open_cache(job)
    journal_file = journal.Journal(journal_path, fresh=not earlier)
    run = AnswerRun(job, events, teacher, cache, journal_file, earlier, meter)
    events.log(f"answering {len(rows)} rows ({meter.total} requests) with {endpoint['model']} at "
               f"{endpoint['base_url']}, {endpoint['concurrency']} at a time"
               + (f"; {len(earlier)} answers from the interrupted run" if earlier else "")
               + (f"; response cache {cache.path}" if cache else "; no response cache"))
    task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await _answer_all(run, rows, endpoint["concurrency"])
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
    _write_jsonl(output, [run.answered[r["id"]] for r in rows if r["id"] in run.answered])
    _write_jsonl(set_aside_path, [run.set_aside[r["id"]] for r in rows if r["id"] in run.set_aside])
    reasons: dict[str, int] = {}
    for record in run.set_aside.values():
        reasons[record["reason"]] = reasons.get(record["reason"], 0) + 1
    return {"output": job["output"], "set_aside": job["set_aside"], "rows": len(rows), "answered": len(run.answered),
            "set_aside_reasons": reasons, "requests_sent": teacher.requests_sent, "cache_hits": meter.cache_hits,
            "prompt_tokens": meter.paid_prompt_tokens, "completion_tokens": meter.paid_completion_tokens,
            "cost": meter.cost()}
