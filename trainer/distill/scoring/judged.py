"""Scorer "mfd_judge", TAPIR's model fitting difficulty: the student answers each row's prompt (greedy), and a
judge endpoint rates the row's own answer (the teacher's) and the student's with MT-Bench's single-answer prompt
(`single-v1`, 1–10; the rules of distill/evaluation/judge.py). MFD = teacher rating − student rating: higher is
harder. A row whose two judgments do not both give a rating (after the one retry) gets no score. With
`judge_rating_only` a llama.cpp grammar holds each judgment to its rating (small judges; judge.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from distill.contract import JobError
from distill.data import last_answer, prompt_ids
from distill.evaluation.judge import Judge, judge_messages, rating_only
from distill.evaluation.suites import judge_prompts
from distill.events import EventWriter
from distill.generate.cache import open_cache
from distill.generate.teacher import JUDGE_KEY_VARIABLE, Teacher
from distill.generation import greedy_answers


def check(job: dict) -> dict[str, dict]:
    """The judge prompts; a JobError when the job lacks its judge or the prompts' folder."""
    if not job["judge"]:
        raise JobError("scorer mfd_judge grades answers with a judge: set job.judge")
    if not job["datasets_dir"]:
        raise JobError("scorer mfd_judge needs datasets_dir, the folder holding mt_bench_judge_prompts.jsonl")
    return judge_prompts(Path(job["datasets_dir"]))


def _question(row: dict) -> str:
    last = max(i for i, m in enumerate(row["messages"]) if m["role"] == "assistant")
    return next(m["content"] for m in reversed(row["messages"][:last]) if m["role"] == "user")


def measure(job: dict, events: EventWriter, prompts: dict, student, tokenizer, rows: list[dict]) -> list[dict]:
    """{id, teacher_rating, student_rating, student_answer} per row of the batch."""
    answers = greedy_answers(student, tokenizer, [prompt_ids(tokenizer, r["messages"], job["max_prompt_length"])
                                                  for r in rows], job["max_new_tokens"], batch_size=len(rows))
    graded = [(row, answer) for row, student_answer in zip(rows, answers)
              for answer in (last_answer(row["messages"]), student_answer)]

    async def grade_all() -> list:
        # A client per batch: each batch runs its own event loop, and a client keeps the connections of the loop
        # it was made in.
        sampling = {"temperature": 0.0, "max_tokens": job["judge_max_tokens"]}
        teacher = Teacher(job["judge"], rating_only(sampling) if job["judge_rating_only"] else sampling, job["retry"],
                          notice=lambda level, message: events.log(message, level),
                          on_pause=lambda paused, seconds: events.log(
                              f"the judge {'has not answered' if paused else 'answers again'} after {seconds:.0f} s",
                              "warning" if paused else "info"),
                          key_variable=JUDGE_KEY_VARIABLE)
        cache = open_cache(job)
        judge = Judge(teacher, cache)
        try:
            return await asyncio.gather(*(judge.grade(judge_messages(prompts, [_question(row)], [answer], None),
                                                      f"row {row['id']}") for row, answer in graded))
        finally:
            await teacher.close()
            if cache:
                cache.close()

    judgments = asyncio.run(grade_all())
    return [{"id": row["id"], "teacher_rating": judgments[2 * i].rating, "student_rating": judgments[2 * i + 1].rating,
             "student_answer": answer} for i, (row, answer) in enumerate(zip(rows, answers))]


def mfd_judge_rows(measured: list[dict]) -> list[dict]:
    """Rows whose two ratings are both there: score = difficulty = teacher rating − student rating."""
    return [{"id": m["id"], "score": gap, "difficulty": gap, "teacher_rating": m["teacher_rating"],
             "student_rating": m["student_rating"]}
            for m in measured if m["teacher_rating"] is not None and m["student_rating"] is not None
            for gap in [m["teacher_rating"] - m["student_rating"]]]
