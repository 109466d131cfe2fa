"""Job kind "rewrite" (rewriteJob in lib/contracts/job.ts, TAPIR §5): the teacher rewrites every answer of every
row in the style its task type calls for (step-by-step reasoning for Math, commented code for Code Generation, …).

The row's task type picks the template (`templates.by_task_type`, else `templates.default`); each assistant turn
is sent on its own as one user message, the template filled with {instruction} (the user turn it answers),
{answer} (the answer as it is) and {task_type}. The rewritten row keeps its system and user turns and has each
answer replaced by its rewrite; its provenance records the template used and the original answers, so the
studio can show them side by side. The journal, the cache, the retries, progress and resume are session.py's, and
the rows run and are written as an answer job's are (answer.run_rows).
"""

from __future__ import annotations

from pathlib import Path

from distill.contract import JobError
from distill.events import EventWriter
from distill.generate import template
from distill.generate.answer import AnswerRun, provenance, read_job_rows, run_rows
from distill.generate.screen import reason_to_set_aside
from distill.generate.session import Session
from distill.generate.teacher import RefusedRequest

PLACEHOLDERS = {"instruction", "answer", "task_type"}


def answers_to_rewrite(row: dict) -> list[tuple[int, str]]:
    """(index in messages, the user turn it answers) of every assistant turn that answers a user turn."""
    pairs, instruction = [], None
    for index, message in enumerate(row["messages"]):
        if message.get("role") == "user":
            instruction = message.get("content")
        elif message.get("role") == "assistant" and instruction is not None:
            pairs.append((index, instruction))
            instruction = None
    return pairs


def _check_row(row: dict) -> None:
    for number, message in enumerate(row["messages"], start=1):
        if not isinstance(message.get("content"), str):
            raise JobError(f"row {row['id']} message {number}: a {message.get('role')} turn without text content")
    if not answers_to_rewrite(row):
        raise JobError(f"row {row['id']}: no answer to rewrite (a user turn followed by an assistant turn)")
    if row.get("task_type") is not None and not isinstance(row["task_type"], str):
        raise JobError(f"row {row['id']}: task_type must be a string or absent")


class RewriteRun(AnswerRun):
    """Rewrites rows through the session with `templates` (default and by_task_type); collects them as an
    AnswerRun does."""

    def __init__(self, session: Session, templates: dict):
        super().__init__(session, templates, origin="rewritten")

    async def answer_row(self, row: dict) -> None:
        task_type = row.get("task_type")
        chosen = self.template_of(row)
        pairs = answers_to_rewrite(row)
        originals = [row["messages"][index]["content"] for index, _ in pairs]
        row_provenance = provenance(self.session, chosen, task_type=task_type, original_answers=originals)
        messages = [dict(m) for m in row["messages"]]
        usage = {"prompt_tokens": 0, "completion_tokens": 0}
        finished_at = None
        for turn, (index, instruction) in enumerate(pairs):
            prompt = template.render(chosen["text"], {"instruction": instruction, "answer": messages[index]["content"],
                                                      "task_type": task_type or "unknown"})
            try:
                rewrite = await self.session.ask(row["id"], turn, [{"role": "user", "content": prompt}])
            except RefusedRequest as refused:
                self._set_aside(row, turn, len(pairs), "refused_by_endpoint", str(refused), messages, row_provenance)
                return
            finished_at = rewrite["time"]
            for key in usage:
                usage[key] += rewrite[key] or 0
            messages[index] = {"role": "assistant", "content": rewrite["content"]}
            reason = reason_to_set_aside(rewrite["content"], rewrite["finish_reason"])
            if reason:  # the row's other answers are not worth paying for: the row cannot be kept whole
                self._set_aside(row, turn, len(pairs), reason, None, messages, row_provenance)
                return
        self.answered[row["id"]] = {"id": row["id"], "messages": messages, "origin": self.origin,
                                    "provenance": {**row_provenance, "time": finished_at}, "usage": usage}


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    rows = read_job_rows(job, run_dir, need_answer=True, check=_check_row)
    for chosen in [job["templates"]["default"], *job["templates"]["by_task_type"].values()]:
        template.check(chosen, PLACEHOLDERS)
    return run_rows(job, run_dir, events, resume, rows, lambda session: RewriteRun(session, job["templates"]),
                    requests=sum(len(answers_to_rewrite(r)) for r in rows),
                    doing=f"rewriting the answers of {len(rows)} rows")
