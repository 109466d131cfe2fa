"""LLM-as-a-judge single-answer grading as MT-Bench does it (FastChat's llm_judge, rules re-implemented here):
the judge prompt by category and turn, a 1–10 rating parsed from the judgment, and one retry of a judgment
that gives none.

- Prompts (mt_bench_judge_prompts.jsonl): "single-v1" for a first turn, "single-v1-multi-turn" for the second
  (the whole conversation, the rating is of the second answer); categories math, reasoning and coding take the
  "single-math-v1" forms, which show the reference answers.
- The rating is the number inside "[[n]]" (FastChat falls back to "[n]" when no double brackets appear; so do
  we). Unlike FastChat, which takes the first match, a judgment with two different ratings is ambiguous and
  counts as unparsed; a rating outside 1–10 does too.
- Rating only (the score job's judge_rating_only): a llama.cpp grammar holds the judgment to "[[n]]" alone, for
  judges too small to follow the format (not MT-Bench's protocol: no explanation comes before the rating).
- The judge answers at temperature 0. A judgment with no rating is asked once more at temperature 0.7 (the same
  request again would get the same judgment from the cache, and from a deterministic judge); still none, it
  counts as unparsed: left out of every mean, and counted.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from distill.generate import template
from distill.generate.cache import ResponseCache
from distill.generate.teacher import RefusedRequest, Teacher

RATING = re.compile(r"\[\[(\d+\.?\d*)\]\]")
RATING_BACKUP = re.compile(r"\[(\d+\.?\d*)\]")
RETRY_SAMPLING = {"temperature": 0.7, "top_p": 1.0}
# The judgment held to "[[n]]" alone, n in 1–10 (llama.cpp's GBNF, sent as the request's `grammar`): for judges too
# small to follow MT-Bench's "explanation, then [[rating]]" (the embedded 135M model gives no rating in it).
RATING_ONLY_GRAMMAR = 'root ::= "[[" ([1-9] | "10") "]]"'


def rating_only(sampling: dict) -> dict:
    """`sampling` with the grammar that holds the judgment to its rating (the OpenAI client's extra_body)."""
    return {**sampling, "extra_body": {"grammar": RATING_ONLY_GRAMMAR}}


def parse_rating(judgment: str) -> float | None:
    """The judgment's 1–10 rating, or None when it gives none, two different ones, or one out of range."""
    found = RATING.findall(judgment) or RATING_BACKUP.findall(judgment)
    ratings = {float(r) for r in found}
    if len(ratings) != 1:
        return None
    rating = ratings.pop()
    return rating if 1 <= rating <= 10 else None


def judge_messages(prompts: dict[str, dict], question: list[str], answers: list[str],
                   references: list[str] | None) -> list[dict]:
    """The chat a judge grades the last of `answers` with: one turn, or two (the second answer graded)."""
    turn = len(answers)
    name = ("single-math-v1" if references else "single-v1") + ("-multi-turn" if turn == 2 else "")
    prompt = prompts[name]
    if turn == 1:
        values = {"question": question[0], "answer": answers[0]}
    else:
        values = {"question_1": question[0], "question_2": question[1], "answer_1": answers[0], "answer_2": answers[1]}
    for i, reference in enumerate(references or [], start=1):
        values[f"ref_answer_{i}"] = reference
    return [{"role": "system", "content": prompt["system_prompt"]},
            {"role": "user", "content": template.render(prompt["prompt_template"], values)}]


@dataclass
class Judgment:
    rating: float | None
    explanation: str
    tries: int


class Judge:
    def __init__(self, teacher: Teacher, cache: ResponseCache | None):
        self.teacher, self.cache = teacher, cache
        self._slots = asyncio.Semaphore(teacher.endpoint["concurrency"])

    async def grade(self, messages: list[dict], item_id: str) -> Judgment:
        """At most the endpoint's `concurrency` judgments are asked at once."""
        async with self._slots:
            return await self._grade(messages, item_id)

    async def _grade(self, messages: list[dict], item_id: str) -> Judgment:
        explanation = ""
        for tries, sampling in enumerate([None, {**self.teacher.sampling, **RETRY_SAMPLING}], start=1):
            try:
                response, _ = await self.teacher.complete_cached(self.cache, messages, item_id, sampling)
            except RefusedRequest as refused:
                return Judgment(None, f"the judge refused the request: {refused}", tries)
            explanation = response["content"]
            rating = parse_rating(explanation)
            if rating is not None:
                return Judgment(rating, explanation, tries)
        return Judgment(None, explanation, tries)
