"""Job kind "expand" (expandJob in lib/contracts/job.ts; TAPIR §4): per task type, the teacher writes new
instructions from in-context examples of that type, and then answers the ones kept.

1. Expansion. Request n of type T sends T's own template (templates_by_task_type), else `template`, filled with
   {task_type} T, {count} and {examples}: k prompts (first user turns) of T's rows, drawn with a generator seeded
   by (seed, T, n), and is sampled with seed sampling.seed (or the job's seed) + n, so every request is the same
   whenever it is sent (a resume finds it in the journal, the cache serves it again) and no two requests of a type
   are the same. Requests go out in rounds: each round asks, for every type short of its target, as many requests
   as its shortfall needs (at most the endpoint's concurrency), until every type has its target or has sent
   max_requests_per_type.
2. Screening, in request order, of each reply's instructions (instruction_list.parse): an exact duplicate
   (normalised text) of a dataset prompt or an earlier new instruction, then a near duplicate (MiniLM cosine
   above near_duplicate_threshold), then the tagger: an instruction tagged with another type than the one it
   was asked for is set aside as a tag mismatch (it would not count towards its type when the curriculum is
   planned again, and answering it would cost a request). What passes is kept, up to the type's target;
   instructions beyond it are surplus. Every instruction, the template that asked for it and its fate go to
   `instructions`.
3. Answers: the kept instructions are answered as an answer job answers rows (answer.AnswerRun), with
   their type's own answer template (answer_templates_by_task_type), else answer_template.

Expansion requests and answers share the journal (<output>.journal), so --resume sends neither again.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections import Counter
from pathlib import Path

from distill import confine
from distill.contract import JobError
from distill.events import EventWriter
from distill.generate import instruction_list, template
from distill.generate.answer import AnswerRun, answer_all, check_row, job_templates, write_jsonl
from distill.generate.dedup import Seen
from distill.generate.session import Session, earlier_answers
from distill.generate.teacher import RefusedRequest
from distill.rows import read_rows
from distill.tagging import taxonomy
from distill.tagging.embedder import embedder
from distill.tagging.job import first_user_turn
from distill.tagging.taggers import load_tagger

EXPAND_PLACEHOLDERS = {"task_type", "examples", "count"}
COUNTS = ("generated", "exact_duplicates", "near_duplicates", "tag_mismatches", "surplus", "kept", "answered",
          "set_aside")


def instruction_id(text: str) -> str:
    """A new row's id from its text: the same instruction gets the same id in a resumed run."""
    return "x-" + hashlib.sha1(instruction_list.normalise(text).encode()).hexdigest()[:16]


def template_ref(chosen: dict) -> dict:
    """What a row records of the template it was made with."""
    return {"name": chosen["name"], "version": chosen["version"]}


class TypeState:
    def __init__(self, name: str, target: int, pool: list[dict], template: dict):
        self.name, self.target, self.pool, self.template = name, target, pool, template
        self.kept: list[dict] = []
        self.requests = 0

    @property
    def short(self) -> int:
        return self.target - len(self.kept)


class Expansion:
    def __init__(self, job: dict, session: Session, rows: list[dict], tagger, embed):
        self.job, self.session, self.tagger = job, session, tagger
        self.per_request = job["instructions_per_request"]
        pools: dict[str, list[dict]] = {}
        for row in rows:
            if row.get("type"):
                pools.setdefault(row["type"], []).append(row)
        self.types = [TypeState(name, target, pools.get(name, []), job["templates_by_task_type"].get(name, job["template"]))
                      for name, target in sorted(job["targets"].items())]
        self.seen = Seen(embed, job["near_duplicate_threshold"], [r["id"] for r in rows], list(map(first_user_turn, rows)))
        self.counts = Counter({name: 0 for name in COUNTS})
        session.meter.counts = self.counts
        self.records: list[dict] = []  # every instruction the teacher wrote, with its fate
        self.examples_of: dict[str, list[str]] = {}  # kept instruction id -> the example row ids it came from
        self.request_of: dict[str, str] = {}

    def planned_requests(self, state: TypeState) -> int:
        return min(math.ceil(state.target / self.per_request), self.job["max_requests_per_type"]) if state.pool else 0

    def request_messages(self, state: TypeState, number: int) -> tuple[list[dict], list[str], dict]:
        rng = random.Random(f"{self.job['seed']}:{state.name}:{number}")
        examples = rng.sample(state.pool, min(self.job["examples_per_request"], len(state.pool)))
        text = template.render(state.template["text"], {
            "task_type": state.name, "count": str(self.per_request),
            "examples": instruction_list.numbered([first_user_turn(r) for r in examples])})
        base_seed = self.session.teacher.sampling.get("seed", self.job["seed"])
        return ([{"role": "user", "content": text}], [r["id"] for r in examples],
                {**self.session.teacher.sampling, "seed": base_seed + number})

    async def run(self) -> None:
        limit = asyncio.Semaphore(self.session.endpoint["concurrency"])
        while True:
            wave = []
            for state in self.types:
                if state.short <= 0 or not state.pool:
                    continue
                wanted = min(math.ceil(state.short / self.per_request), self.job["max_requests_per_type"] - state.requests,
                             self.session.endpoint["concurrency"])
                wave += [(state, state.requests + i) for i in range(wanted)]
                # Beyond the first estimate: the progress bar's total grows by what the job now knows it sends.
                self.session.meter.expect(max(0, state.requests + wanted - max(state.requests, self.planned_requests(state))))
                state.requests += wanted
            if not wave:
                break

            async def ask(state: TypeState, number: int):
                messages, example_ids, sampling = self.request_messages(state, number)
                async with limit:
                    try:
                        return await self.session.ask(f"expand:{state.name}:{number}", 0, messages, sampling), example_ids
                    except RefusedRequest as refused:
                        self.session.events.log(f"{state.name} request {number}: the endpoint refused it ({refused})",
                                                level="warning")
                        return None, example_ids

            replies = await asyncio.gather(*(ask(state, number) for state, number in wave))
            for (state, number), (reply, example_ids) in zip(wave, replies):
                if reply is not None:
                    self.screen(state, number, reply, example_ids)
            self.session.meter.emit(force=True)
        for state in self.types:  # a type that stopped early, or has no examples, sends fewer than estimated
            self.session.meter.skip(max(0, self.planned_requests(state) - state.requests))

    def screen(self, state: TypeState, number: int, reply: dict, example_ids: list[str]) -> None:
        texts = instruction_list.parse(reply["content"], cut_off=reply["finish_reason"] == "length")
        texts = texts[:self.per_request]
        self.counts["generated"] += len(texts)
        ids = [instruction_id(t) for t in texts]
        verdicts = self.seen.screen(ids, texts)
        fresh = [i for i, v in enumerate(verdicts) if v.kind is None]
        tags = dict(zip(fresh, self.tagger.tag([texts[i] for i in fresh]))) if fresh else {}
        for i, (id_, text, verdict) in enumerate(zip(ids, texts, verdicts)):
            record = {"id": id_, "type": state.name, "request": number, "template": template_ref(state.template),
                      "text": text}
            if verdict.kind is not None:
                fate = f"{verdict.kind}_duplicate"
                self.counts[f"{verdict.kind}_duplicates"] += 1
                record.update(duplicate_of=verdict.of, similarity=verdict.similarity)
            else:
                label, confidence = tags[i]
                record["tag"] = {"label": label, "confidence": round(confidence, 4), "tagger": self.tagger.name}
                if label != state.name:
                    fate = "tag_mismatch"
                    self.counts["tag_mismatches"] += 1
                elif state.short <= 0:
                    fate = "surplus"
                    self.counts["surplus"] += 1
                else:
                    fate = "kept"
                    self.counts["kept"] += 1
                    state.kept.append(record)
                    self.examples_of[id_] = example_ids
                    self.request_of[id_] = f"expand:{state.name}:{number}"
            self.records.append({**record, "fate": fate})


def _check(job: dict, rows: list[dict]) -> None:
    if len({r["id"] for r in rows}) != len(rows):
        raise JobError(f"{job['data']}: row ids are not unique")
    for row in rows:
        check_row(row)
    unknown = sorted(set(job["targets"]) - set(taxonomy.labels()))
    if unknown:
        raise JobError(f"targets name {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not a task "
                       "type of the taxonomy")
    for chosen in [job["template"], *job["templates_by_task_type"].values()]:
        template.check(chosen, EXPAND_PLACEHOLDERS)
    for chosen in [job["answer_template"], *job["answer_templates_by_task_type"].values()]:
        template.check(chosen, {"prompt"})


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    roots = confine.write_roots(job, run_dir)
    rows = read_rows(run_dir / job["data"], need_answer=False)
    _check(job, rows)
    paths = {field: confine.file(run_dir / job[field], roots) for field in ("output", "set_aside", "instructions")}
    journal_path = confine.file(paths["output"].with_name(f"{paths['output'].name}.journal"), roots)
    # Loaded before the first request: a tagger that cannot load fails the job before it costs anything.
    tagger = load_tagger(job["tagger"], "cpu", base_dir=run_dir)
    embed = embedder("cpu").embed
    return asyncio.run(_run(job, rows, events, paths, journal_path, earlier_answers(journal_path, resume), tagger, embed))


async def _run(job: dict, rows: list[dict], events: EventWriter, paths: dict[str, Path], journal_path: Path,
               earlier: dict, tagger, embed) -> dict:
    session = Session(job, events, journal_path, earlier, total=0)
    expansion = Expansion(job, session, rows, tagger, embed)
    for state in expansion.types:
        session.meter.expect(expansion.planned_requests(state) + (state.target if state.pool else 0))
    missing = [s.name for s in expansion.types if not s.pool]
    if missing:
        events.log(f"no rows of {', '.join(missing)} to take examples from: {'it is' if len(missing) == 1 else 'they are'}"
                   " not expanded", level="warning")
    events.log(f"expanding {', '.join(f'{s.name} by {s.target}' for s in expansion.types)} with {session.describe()}")
    answers = AnswerRun(session, job_templates(job["answer_template"], job["answer_templates_by_task_type"]),
                        origin="expanded")

    async def work() -> None:
        await expansion.run()
        kept = [record for state in expansion.types for record in state.kept]
        # One answer per kept instruction, in place of the estimate of one per target.
        session.meter.skip(sum(s.target for s in expansion.types if s.pool) - len(kept))
        events.log(f"kept {len(kept)} new instructions ({dict(expansion.counts)}); answering them")
        await answer_all(answers, [{"id": r["id"], "messages": [{"role": "user", "content": r["text"]}], "task_type": r["type"]}
                                   for r in kept])

    await session.run(work())
    kept = [record for state in expansion.types for record in state.kept]
    extra = {r["id"]: {"type": r["type"], "tag": r["tag"]} for r in kept}
    asked_with = {r["id"]: r["template"] for r in kept}

    def expanded(record: dict) -> dict:
        provenance = {**record["provenance"], "template": asked_with[record["id"]],
                      "answer_template": record["provenance"]["template"],
                      "expansion": {"request": expansion.request_of[record["id"]],
                                    "examples": expansion.examples_of[record["id"]]}}
        return {**record, **extra[record["id"]], "provenance": provenance}

    answered = [expanded(answers.answered[r["id"]]) for r in kept if r["id"] in answers.answered]
    aside = [expanded(answers.set_aside[r["id"]]) for r in kept if r["id"] in answers.set_aside]
    expansion.counts["answered"], expansion.counts["set_aside"] = len(answered), len(aside)
    session.meter.emit(force=True)
    write_jsonl(paths["output"], answered)
    write_jsonl(paths["set_aside"], aside)
    write_jsonl(paths["instructions"], expansion.records)
    types = {s.name: {"target": s.target, "kept": len(s.kept), "requests": s.requests, "reached": s.short <= 0,
                      "stopped": None if s.short <= 0 else "no examples" if not s.pool else "request cap"}
             for s in expansion.types}
    for name, t in types.items():
        if t["stopped"]:
            events.log(f"{name}: {t['kept']} of {t['target']} new instructions "
                       + ("(no rows of this type to take examples from)" if t["stopped"] == "no examples" else
                          f"after {t['requests']} requests, the cap (max_requests_per_type)"), level="warning")
    return {"output": job["output"], "set_aside": job["set_aside"], "instructions": job["instructions"],
            "types": types, "counts": dict(expansion.counts), "set_aside_reasons": answers.reasons(),
            **session.usage_result()}
