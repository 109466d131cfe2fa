"""Job kind "eval" (evalJob in lib/contracts/job.ts; docs/evaluation.md): one model on a list of suites.

- selfinst: ROUGE-L F1 of the answer against the reference, sampled at the suite's temperature once per seed
  (seeds job.seed, job.seed + 10, …, as MiniLLM's and POCL's 10, 20, …, 50), or one greedy pass; the metric's
  samples are the seeds' means.
- ifeval: greedy answers checked by IFEval's rules (ifeval.py): prompt- and instruction-level, strict and loose.
- mt_bench, vicuna: the model answers each turn (a second turn sees its own first answer) at FastChat's
  temperature for the question's category; the judge rates every turn (judge.py).
- heldout: on a run's held-out rows, the model's mean token CE on the gold answer and the ROUGE-L F1 of its
  greedy answer (the measures of the score job). Local models only.

Writes `output` (eval.json: per suite its metrics, categories, unparsed judgments, items) and `answers` (one line
per answered item, turn and seed), both validated against the schemas generated from lib/contracts/evaluation.ts.
Progress events name their suite: answers done of the suite's total, then judgments done of theirs. A stopped
eval job is not resumed: run it again and the response cache serves what endpoints already answered.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path

from distill import confine
from distill.contract import JobError, validate
from distill.evaluation import ifeval, suites
from distill.evaluation.answerers import EndpointAnswerer, LocalAnswerer, load_local
from distill.evaluation.judge import Judge, judge_messages
from distill.evaluation.suites import Item
from distill.events import EventWriter
from distill.generate.cache import open_cache
from distill.generate.teacher import JUDGE_KEY_VARIABLE, KEY_VARIABLE, Teacher
from distill.generation import rouge_l_f1

JUDGED = frozenset({"mt_bench", "vicuna"})
# FastChat's gen_model_answer: answer temperature by question category, 0.7 for any other.
CATEGORY_TEMPERATURE = {"writing": 0.7, "roleplay": 0.7, "extraction": 0.0, "math": 0.0, "coding": 0.0,
                        "reasoning": 0.0, "stem": 0.1, "humanities": 0.1}
DEFAULT_TEMPERATURE = 0.7
SEED_STRIDE = 10


def metric(values: list[float]) -> dict:
    """{mean, std, n}: the sample standard deviation, null below two samples."""
    return {"mean": statistics.fmean(values) if values else None,
            "std": statistics.stdev(values) if len(values) > 1 else None, "n": len(values)}


def answer_record(suite: str, item: Item, turn: int, answer: str, **fields) -> dict:
    record = {"suite": suite, "item_id": item.id, "category": item.category, "turn": turn, "seed": None,
              "prompt": item.turns[turn - 1], "answer": answer,
              "reference": item.references[turn - 1] if item.references else None, "score": None,
              "judge_explanation": None, "passed": None, "details": None}
    record.update(fields)
    return record


class Progress:
    """Progress events of one suite's phase (answers, then judgments)."""

    def __init__(self, events: EventWriter, suite: str, total: int, unit: str):
        self.events, self.suite, self.total, self.unit = events, suite, total, unit
        self.done, self._started = 0, time.monotonic()
        events.progress(0, total, unit, suite=suite)

    def add(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.monotonic() - self._started, 1e-9)
        self.events.progress(self.done, self.total, self.unit, suite=self.suite,
                             eta_s=(self.total - self.done) / rate if rate > 0 else None)


class Evaluation:
    def __init__(self, job: dict, run_dir: Path, events: EventWriter, answerer, judge: Judge | None, local):
        self.job, self.run_dir, self.events, self.answerer, self.judge = job, run_dir, events, answerer, judge
        self.local = local  # (model, tokenizer) of a local model, else None
        self.datasets_dir = Path(job["datasets_dir"])
        self.records: list[dict] = []

    async def generate(self, conversations: list[list[dict]], temperatures: list[float], seed: int | None,
                       progress: Progress) -> list[str]:
        """Answers in input order; prompts of one temperature are generated together, a batch at a time."""
        out: list[str | None] = [None] * len(conversations)
        chunk = self.job["batch_size"]
        for temperature in sorted(set(temperatures)):
            positions = [i for i, t in enumerate(temperatures) if t == temperature]
            for start in range(0, len(positions), chunk):
                part = positions[start:start + chunk]
                answers = await self.answerer.answer([conversations[i] for i in part], temperature, seed)
                for i, answer in zip(part, answers):
                    out[i] = answer
                progress.add(len(part))
        return out

    async def selfinst(self, suite: dict, items: list[Item]) -> dict:
        seeds = [None] if suite["greedy"] else [self.job["seed"] + SEED_STRIDE * k for k in range(suite["seeds"])]
        temperature = 0.0 if suite["greedy"] else suite["temperature"]
        progress = Progress(self.events, "selfinst", len(items) * len(seeds), "answers")
        seed_means = []
        for seed in seeds:
            answers = await self.generate([[{"role": "user", "content": i.turns[0]}] for i in items],
                                          [temperature] * len(items), seed, progress)
            scores = [rouge_l_f1(a, i.references[0]) for a, i in zip(answers, items)]
            seed_means.append(statistics.fmean(scores))
            self.records += [answer_record("selfinst", i, 1, a, seed=seed, score=s)
                             for i, a, s in zip(items, answers, scores)]
        return {"metrics": {"rouge_l": metric(seed_means)}, "items": len(items)}

    async def ifeval(self, suite: dict, items: list[Item]) -> dict:
        progress = Progress(self.events, "ifeval", len(items), "answers")
        answers = await self.generate([[{"role": "user", "content": i.turns[0]}] for i in items],
                                      [0.0] * len(items), None, progress)
        prompt_strict, prompt_loose, instruction_strict, instruction_loose = [], [], [], []
        for item, answer in zip(items, answers):
            verdict = ifeval.check(answer, item.turns[0], item.extra["instruction_id_list"], item.extra["kwargs"])
            prompt_strict.append(float(verdict["prompt_strict"]))
            prompt_loose.append(float(verdict["prompt_loose"]))
            instruction_strict += [float(v["strict"]) for v in verdict["instructions"]]
            instruction_loose += [float(v["loose"]) for v in verdict["instructions"]]
            self.records.append(answer_record("ifeval", item, 1, answer, passed=verdict["prompt_strict"],
                                              details={"prompt_loose": verdict["prompt_loose"],
                                                       "instructions": verdict["instructions"]}))
        return {"metrics": {"prompt_strict": metric(prompt_strict), "prompt_loose": metric(prompt_loose),
                            "instruction_strict": metric(instruction_strict),
                            "instruction_loose": metric(instruction_loose)}, "items": len(items)}

    async def judged(self, suite: dict, items: list[Item]) -> dict:
        name = suite["name"]
        turns = max(len(i.turns) for i in items)
        progress = Progress(self.events, name, sum(len(i.turns) for i in items), "answers")
        answers: dict[str, list[str]] = {i.id: [] for i in items}
        for turn in range(turns):
            asked = [i for i in items if len(i.turns) > turn]
            conversations = []
            for item in asked:
                conversation = []
                for question, answer in zip(item.turns[:turn], answers[item.id]):
                    conversation += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
                conversations.append(conversation + [{"role": "user", "content": item.turns[turn]}])
            temperatures = [CATEGORY_TEMPERATURE.get(i.category, DEFAULT_TEMPERATURE) for i in asked]
            for item, answer in zip(asked, await self.generate(conversations, temperatures, self.job["seed"], progress)):
                answers[item.id].append(answer)
        prompts = suites.judge_prompts(self.datasets_dir)
        grading = [(item, turn) for item in items for turn in range(1, len(item.turns) + 1)]
        judging = Progress(self.events, name, len(grading), "judgments")

        async def grade(item: Item, turn: int):
            messages = judge_messages(prompts, item.turns[:turn], answers[item.id][:turn],
                                      item.references[:turn] if item.references else None)
            judgment = await self.judge.grade(messages, f"{name} {item.id} turn {turn}")
            judging.add(1)
            return judgment

        judgments = await asyncio.gather(*(grade(item, turn) for item, turn in grading))
        by_turn: dict[int, list[float]] = {}
        by_category: dict[str, list[float]] = {}
        unparsed = 0
        for (item, turn), judgment in zip(grading, judgments):
            self.records.append(answer_record(name, item, turn, answers[item.id][turn - 1], score=judgment.rating,
                                              judge_explanation=judgment.explanation,
                                              details={"judge_tries": judgment.tries,
                                                       **({"unparsed": True} if judgment.rating is None else {})}))
            if judgment.rating is None:
                unparsed += 1
                continue
            by_turn.setdefault(turn, []).append(judgment.rating)
            by_category.setdefault(item.category or "uncategorized", []).append(judgment.rating)
        metrics = {"score": metric([r for ratings in by_turn.values() for r in ratings])}
        if turns > 1:
            metrics.update({f"turn_{t}": metric(by_turn.get(t, [])) for t in range(1, turns + 1)})
        return {"metrics": metrics, "by_category": {c: {"mean": statistics.fmean(v), "n": len(v)}
                                                    for c, v in sorted(by_category.items())},
                "unparsed": unparsed, "items": len(items)}

    async def heldout(self, suite: dict, items: list[Item]) -> dict:
        from distill.scoring import encode_all
        from distill.scoring.measures import answer_ce, greedy_answers_and_rouge_l

        model, tokenizer = self.local
        rows = [i.extra["row"] for i in items]
        max_length = self.job["max_prompt_length"] + self.job["max_new_tokens"]
        encoded = encode_all(tokenizer, rows, max_length, self.job["max_prompt_length"])
        progress = Progress(self.events, "heldout", len(items), "answers")
        ces, rouges = [], []
        for start in range(0, len(items), self.job["batch_size"]):
            part = slice(start, start + self.job["batch_size"])
            batch_ce = answer_ce(model, encoded[part], tokenizer.pad_token_id)
            answers, batch_rouge = greedy_answers_and_rouge_l(model, tokenizer, rows[part],
                                                              self.job["max_prompt_length"], self.job["max_new_tokens"])
            for item, answer, ce, rouge in zip(items[part], answers, batch_ce, batch_rouge):
                self.records.append(answer_record("heldout", item, 1, answer, score=rouge, details={"ce": ce}))
            ces += batch_ce
            rouges += batch_rouge
            progress.add(len(answers))
        return {"metrics": {"ce": metric(ces), "rouge_l": metric(rouges)}, "items": len(items)}

    async def run(self) -> dict:
        results = {}
        for suite in self.job["suites"]:
            items = suites.load(suite, self.datasets_dir, self.run_dir)
            if not items:
                raise JobError(f"suite {suite['name']} has no items to evaluate")
            self.events.log(f"{suite['name']}: {len(items)} items")
            run_suite = {"selfinst": self.selfinst, "ifeval": self.ifeval, "mt_bench": self.judged,
                         "vicuna": self.judged, "heldout": self.heldout}[suite["name"]]
            results[suite["name"]] = await run_suite(suite, items)
        return {"suites": results}


def _check(job: dict) -> None:
    names = [s["name"] for s in job["suites"]]
    if len(set(names)) != len(names):
        raise JobError(f"suites {names} name a suite twice: each suite is evaluated once per job")
    if JUDGED & set(names) and not job["judge"]:
        raise JobError(f"suites {', '.join(sorted(JUDGED & set(names)))} are graded by a judge: set job.judge")
    if "heldout" in names and job["model"]["type"] != "local":
        raise JobError("the heldout suite measures the model's cross-entropy on the gold answers, which needs its "
                       "weights: evaluate a local model, or leave heldout out for an endpoint")
    if not Path(job["datasets_dir"]).is_absolute():
        raise JobError(f"datasets_dir {job['datasets_dir']!r} must be an absolute path")


def _write_json_lines(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records),
                   encoding="utf-8")
    os.replace(tmp, path)


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    _check(job)
    roots = confine.write_roots(job, run_dir)
    output, answers_path = confine.file(run_dir / job["output"], roots), confine.file(run_dir / job["answers"], roots)
    return asyncio.run(_run(job, run_dir, events, output, answers_path))


def _endpoint_client(endpoint: dict, sampling: dict, job: dict, events: EventWriter, key_variable: str) -> Teacher:
    def on_pause(paused: bool, seconds: float) -> None:
        events.log(f"paused: {endpoint['base_url']} has not answered for {seconds:.0f} s; probing it every "
                   f"{job['retry']['probe_every_s']:g} s" if paused else
                   f"resumed: {endpoint['base_url']} answers again after {seconds:.0f} s",
                   level="warning" if paused else "info")

    return Teacher(endpoint, sampling, job["retry"], notice=lambda level, message: events.log(message, level),
                   on_pause=on_pause, key_variable=key_variable)


async def _run(job: dict, run_dir: Path, events: EventWriter, output: Path, answers_path: Path) -> dict:
    cache = open_cache(job)
    clients: list[Teacher] = []
    local = None
    if job["model"]["type"] == "local":
        from distill.models import resolve_device

        device = resolve_device(job["device"])
        events.log(f"loading the model on {device}")
        local = load_local(job["model"], device, run_dir, job["seed"])
        answerer = LocalAnswerer(*local, job)
    else:
        clients.append(_endpoint_client(job["model"]["endpoint"], {}, job, events, KEY_VARIABLE))
        answerer = EndpointAnswerer(clients[-1], cache, job, lambda message: events.log(message, "warning"))
    judge = None
    if job["judge"]:
        clients.append(_endpoint_client(job["judge"], {"temperature": 0.0, "max_tokens": job["judge_max_tokens"]},
                                        job, events, JUDGE_KEY_VARIABLE))
        judge = Judge(clients[-1], cache)
    evaluation = Evaluation(job, run_dir, events, answerer, judge, local)
    try:
        result = await evaluation.run()
    finally:
        for client in clients:
            await client.close()
        if cache:
            cache.close()
    for record in evaluation.records:
        validate("eval_answer.schema.json", record)
    validate("eval.schema.json", result)
    _write_json_lines(answers_path, evaluation.records)
    output.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return result
