"""Job kind "answer" (answerJob in lib/contracts/job.ts): the teacher answers every user turn of every row.

A row's conversation is rebuilt turn by turn: its system messages as they are, each user turn through the
template ({prompt}: the turn's text), then the teacher's answer to it in place of the row's own assistant turn,
so a later turn is asked in the context of the teacher's earlier answers. The journal, the cache, the retries,
progress and resume are session.py's, shared with the other generation jobs.
"""

from __future__ import annotations

from pathlib import Path

from distill.contract import JobError
from distill.events import EventWriter
from distill.generate import template
from distill.generate.screen import reason_to_set_aside
from distill.generate.session import Session, read_job_rows, run_rows
from distill.generate.teacher import RefusedRequest


def user_turns(row: dict) -> int:
    return sum(m.get("role") == "user" for m in row["messages"])


def _check_row(row: dict) -> None:
    for number, message in enumerate(row["messages"], start=1):
        if message.get("role") in ("system", "user") and not isinstance(message.get("content"), str):
            raise JobError(f"row {row['id']} message {number}: a {message.get('role')} turn without text content")
    if not user_turns(row):
        raise JobError(f"row {row['id']}: no user turn to answer")


async def answer_row(session: Session, row: dict) -> None:
    job = session.job
    provenance = session.provenance(job["template"])
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
        sent.append({"role": "user", "content": template.render(job["template"]["text"], {"prompt": message["content"]})})
        kept.append(message)
        try:
            answer = await session.ask(row["id"], turn, sent)
        except RefusedRequest as refused:
            session.set_aside(row["id"], "refused_by_endpoint", str(refused), turn + 1, kept, provenance,
                              requests_skipped=turns - turn - 1)
            return
        finished_at = answer["time"]
        for key in usage:
            usage[key] += answer[key] or 0
        reply = {"role": "assistant", "content": answer["content"]}
        sent.append(reply)
        kept.append(reply)
        reason = reason_to_set_aside(answer["content"], answer["finish_reason"])
        if reason:  # a conversation gone wrong is not asked further
            session.set_aside(row["id"], reason, None, turn + 1, kept, provenance, requests_skipped=turns - turn - 1)
            return
        turn += 1
    session.finish({"id": row["id"], "messages": kept, "origin": "teacher_answer",
                    "provenance": {**provenance, "time": finished_at}, "usage": usage})


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    rows = read_job_rows(job, run_dir, need_answer=False, check_row=_check_row)
    template.check(job["template"], {"prompt"})
    return run_rows(job, run_dir, events, resume, rows, requests=sum(map(user_turns, rows)),
                    doing=f"answering {len(rows)} rows", work=answer_row)
