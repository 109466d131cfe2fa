"""Job kind "answer" (answerJob in lib/contracts/job.ts): the teacher answers every user turn of every row.

A row's conversation is rebuilt turn by turn: its system messages as they are, each user turn through the
template ({prompt}: the turn's text; the row's task type's own template, `templates_by_task_type`, else `template`), then the teacher's answer to it in place of the row's own assistant turn,
so a later turn is asked in the context of the teacher's earlier answers. Rows are answered `concurrency` at a
time. Each answer goes to the response cache and to the journal (<output>.journal) as it arrives (session.py);
--resume reuses every journal answer whose request is the same as the one it would send now. At the end the answered rows
are written to `output` and the rows kept aside to `set_aside`, both in input order (`run_rows`, which the rewrite job
shares).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path

from distill import confine
from distill.contract import JobError
from distill.rows import read_rows
from distill.events import EventWriter
from distill.generate import template
from distill.generate.cache import endpoint_identity
from distill.generate.screen import reason_to_set_aside
from distill.generate.session import Session, earlier_answers, now
from distill.generate.teacher import RefusedRequest


def user_turns(row: dict) -> int:
    return sum(m.get("role") == "user" for m in row["messages"])


def check_row(row: dict) -> None:
    for number, message in enumerate(row["messages"], start=1):
        if message.get("role") in ("system", "user") and not isinstance(message.get("content"), str):
            raise JobError(f"row {row['id']} message {number}: a {message.get('role')} turn without text content")
    if not user_turns(row):
        raise JobError(f"row {row['id']}: no user turn to answer")


def provenance(session: Session, prompt_template: dict, **extra) -> dict:
    """What a generated row records of how it was made; `time` is added when the row ends."""
    return {"endpoint": session.endpoint["base_url"], "endpoint_identity": endpoint_identity(session.endpoint),
            "model": session.endpoint["model"],
            "template": {"name": prompt_template["name"], "version": prompt_template["version"]},
            "sampling": session.teacher.sampling, **extra}


def job_templates(default: dict, by_task_type: dict) -> dict:
    """A job's templates as AnswerRun takes them: the default, and the task types' own."""
    return {"default": default, "by_task_type": by_task_type}


class AnswerRun:
    """Answers rows through `session` with `templates` (job_templates; {prompt}: each user turn), a row's task type
    picking its own template over the default; `answered` and `set_aside` collect the results by row id."""

    def __init__(self, session: Session, templates: dict, origin: str = "teacher_answer"):
        self.session, self.templates, self.origin = session, templates, origin
        self.answered: dict[str, dict] = {}
        self.set_aside: dict[str, dict] = {}

    def template_of(self, row: dict) -> dict:
        """The template of the row's task type (`task_type`), else the default."""
        return self.templates["by_task_type"].get(row.get("task_type") or "", self.templates["default"])

    async def answer_row(self, row: dict) -> None:
        chosen = self.template_of(row)
        row_provenance = provenance(self.session, chosen)
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
            sent.append({"role": "user", "content": template.render(chosen["text"], {"prompt": message["content"]})})
            kept.append(message)
            try:
                answer = await self.session.ask(row["id"], turn, sent)
            except RefusedRequest as refused:
                self._set_aside(row, turn, turns, "refused_by_endpoint", str(refused), kept, row_provenance)
                return
            finished_at = answer["time"]
            for key in usage:
                usage[key] += answer[key] or 0
            reply = {"role": "assistant", "content": answer["content"]}
            sent.append(reply)
            kept.append(reply)
            reason = reason_to_set_aside(answer["content"], answer["finish_reason"])
            if reason:
                self._set_aside(row, turn, turns, reason, None, kept, row_provenance)
                return
            turn += 1
        self.answered[row["id"]] = {"id": row["id"], "messages": kept, "origin": self.origin,
                                    "provenance": {**row_provenance, "time": finished_at}, "usage": usage}

    def _set_aside(self, row: dict, turn: int, turns: int, reason: str, detail: str | None, kept: list[dict],
                   row_provenance: dict):
        self.session.meter.skip(turns - turn - 1)  # a conversation gone wrong is not asked further
        self.set_aside[row["id"]] = {"id": row["id"], "reason": reason, "detail": detail, "turn": turn + 1,
                                     "messages": kept,
                                     "provenance": {**row_provenance, "time": now()}}

    def reasons(self) -> dict[str, int]:
        """How many rows were kept aside for each reason."""
        counts: dict[str, int] = {}
        for record in self.set_aside.values():
            counts[record["reason"]] = counts.get(record["reason"], 0) + 1
        return counts


async def answer_all(run: AnswerRun, rows: list[dict]) -> None:
    """Answers `rows`, the endpoint's concurrency at a time; the first JobError fails them all."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        while not queue.empty():
            await run.answer_row(queue.get_nowait())

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(run.session.endpoint["concurrency"], len(rows))):
                group.create_task(worker())
    except* JobError as failed:
        raise failed.exceptions[0] from None


def write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


def read_job_rows(job: dict, run_dir: Path, need_answer: bool, check: Callable[[dict], None]) -> list[dict]:
    """The rows of job.json's `data`, each checked by `check` (a JobError naming the row), ids unique."""
    rows = read_rows(run_dir / job["data"], need_answer=need_answer)
    if len({r["id"] for r in rows}) != len(rows):
        raise JobError(f"{job['data']}: row ids are not unique")
    for row in rows:
        check(row)
    return rows


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    rows = read_job_rows(job, run_dir, need_answer=False, check=check_row)
    templates = job_templates(job["template"], job["templates_by_task_type"])
    for chosen in [templates["default"], *templates["by_task_type"].values()]:
        template.check(chosen, {"prompt"})
    return run_rows(job, run_dir, events, resume, rows, lambda session: AnswerRun(session, templates),
                    requests=sum(map(user_turns, rows)), doing=f"answering {len(rows)} rows")


def run_rows(job: dict, run_dir: Path, events: EventWriter, resume: bool, rows: list[dict],
             make_run: Callable[[Session], AnswerRun], requests: int, doing: str) -> dict:
    """Runs `rows` through the AnswerRun `make_run` returns, then writes `output` and `set_aside`; `requests` is
    the total for progress and `doing` what the first log line says the job does ("answering 20 rows")."""
    roots = confine.write_roots(job, run_dir)
    output, set_aside_path = confine.file(run_dir / job["output"], roots), confine.file(run_dir / job["set_aside"], roots)
    journal_path = confine.file(output.with_name(f"{output.name}.journal"), roots)
    earlier = earlier_answers(journal_path, resume)
    return asyncio.run(_run(job, rows, events, output, set_aside_path, journal_path, earlier, make_run, requests, doing))


async def _run(job: dict, rows: list[dict], events: EventWriter, output: Path, set_aside_path: Path,
               journal_path: Path, earlier: dict, make_run: Callable[[Session], AnswerRun], requests: int,
               doing: str) -> dict:
    session = Session(job, events, journal_path, earlier, total=requests)
    run = make_run(session)
    events.log(f"{doing} ({session.meter.total} requests) with {session.describe()}")
    await session.run(answer_all(run, rows))
    write_jsonl(output, [run.answered[r["id"]] for r in rows if r["id"] in run.answered])
    write_jsonl(set_aside_path, [run.set_aside[r["id"]] for r in rows if r["id"] in run.set_aside])
    return {"output": job["output"], "set_aside": job["set_aside"], "rows": len(rows), "answered": len(run.answered),
            "set_aside_reasons": run.reasons(), **session.usage_result()}
