"""Job kind "score": a difficulty number for every row, from the models before any distillation.

Scorers:
- "pocl" (POCL's difficulty measurer): the initial student answers each prompt greedily; per row the ROUGE-L
  F1 of that answer against the gold answer and the student's mean token CE on the gold answer. Ranks:
  ROUGE-L descending and CE ascending (rank 1 = best; ties share the lowest rank of their group), fused by
  reciprocal rank, score = 1/(60 + r_rouge) + 1/(60 + r_ce): higher is easier. difficulty = (r − 1)/(N − 1)
  with r the row's rank by score descending: 0 for the easiest row, 1 for the hardest (unless tied).
- "mfd_ce" (an offline stand-in for TAPIR's model fitting difficulty): student CE − teacher CE on the gold
  answer, in nats per token; score = difficulty = that gap: higher is harder.
- "mfd_judge" (TAPIR's model fitting difficulty, judged.py): a judge's rating of the row's answer minus its rating
  of the student's greedy answer; score = difficulty = that gap. Rows the judge gave no rating are left out.

Output RUN_DIR/<output>, one JSON line per input row in input order: {id, score, difficulty, ...components}.
Measurements are appended batch by batch to <output>.partial, so --resume skips rows already measured.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from distill import confine
from distill.contract import JobError
from distill.data import encode
from distill.events import EventWriter
from distill.models import load_student, load_teacher, load_tokenizer, resolve_device
from distill.rows import read_rows
from distill.scoring import judged
from distill.scoring.measures import answer_ce, answer_rouge_l
from distill.scoring.ranking import difficulty_from_ease, rank, rrf


def encode_all(tokenizer, rows: list[dict], max_length: int, max_prompt_length: int) -> list[dict]:
    """Every row encoded (data.encode); a JobError for a row with no answer token to measure."""
    encoded = []
    for row in rows:
        item = encode(tokenizer, row["messages"], max_length, max_prompt_length)
        if not any(item["labels_mask"][1:]):
            raise JobError(f"row {row['id']}: no answer token fits in max_length={max_length} after a prompt "
                           f"of up to max_prompt_length={max_prompt_length} tokens; raise max_length")
        encoded.append(item)
    return encoded


def _read_partial(path: Path) -> dict[str, dict]:
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a kill: that batch is measured again
            done[record["id"]] = record
    return done


def pocl_rows(measured: list[dict]) -> list[dict]:
    rank_rouge = rank([m["rouge_l"] for m in measured], descending=True)
    rank_ce = rank([m["ce"] for m in measured])
    scores = rrf(rank_rouge, rank_ce)
    difficulty = difficulty_from_ease(scores)
    return [{"id": m["id"], "score": s, "difficulty": d, "rouge_l": m["rouge_l"], "ce": m["ce"],
             "rank_rouge_l": rr, "rank_ce": rc}
            for m, s, d, rr, rc in zip(measured, scores, difficulty, rank_rouge, rank_ce)]


def mfd_ce_rows(measured: list[dict]) -> list[dict]:
    return [{"id": m["id"], "score": gap, "difficulty": gap, "student_ce": m["student_ce"],
             "teacher_ce": m["teacher_ce"]}
            for m in measured for gap in [m["student_ce"] - m["teacher_ce"]]]


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    scorer = job["scorer"]
    prompts = judged.check(job) if scorer == "mfd_judge" else None
    device = resolve_device(job["device"])
    rows = read_rows(run_dir / job["data"])
    if len({r["id"] for r in rows}) != len(rows):
        raise JobError(f"{job['data']}: row ids are not unique")
    tokenizer = load_tokenizer(job["teacher"], run_dir)
    encoded = encode_all(tokenizer, rows, job["max_length"], job["max_prompt_length"])  # before loading models: a bad row fails fast
    torch.manual_seed(job["seed"])  # a student of source "init" starts from seeded random weights
    teacher, _ = load_teacher(job["teacher"], device, run_dir)
    student = load_student(job["student"], teacher, job["teacher"], device, run_dir).eval().requires_grad_(False)
    if scorer != "mfd_ce":
        del teacher  # only needed to derive the student

    output = confine.file(run_dir / job["output"], confine.write_roots(job, run_dir))
    partial = output.with_name(f"{output.name}.partial")
    done = _read_partial(partial) if resume else {}
    # Similar lengths share a batch, so little of it is padding.
    todo = sorted((i for i, r in enumerate(rows) if r["id"] not in done), key=lambda i: len(encoded[i]["input_ids"]))
    events.log(f"scorer {scorer}: {len(todo)} of {len(rows)} rows to measure on {device}")
    started, measured_now = time.monotonic(), 0
    with partial.open("a" if resume else "w") as sink:
        for start in range(0, len(todo), job["batch_size"]):
            chunk = todo[start:start + job["batch_size"]]
            batch_rows, batch_encoded = [rows[i] for i in chunk], [encoded[i] for i in chunk]
            if scorer == "mfd_judge":
                records = judged.measure(job, events, prompts, student, tokenizer, batch_rows)
            elif scorer == "pocl":
                student_ce = answer_ce(student, batch_encoded, tokenizer.pad_token_id)
                rouge = answer_rouge_l(student, tokenizer, batch_rows, job["max_prompt_length"], job["max_new_tokens"])
                records = [{"id": r["id"], "rouge_l": g, "ce": c} for r, g, c in zip(batch_rows, rouge, student_ce)]
            else:
                student_ce = answer_ce(student, batch_encoded, tokenizer.pad_token_id)
                teacher_ce = answer_ce(teacher, batch_encoded, tokenizer.pad_token_id)
                records = [{"id": r["id"], "student_ce": s, "teacher_ce": t}
                           for r, s, t in zip(batch_rows, student_ce, teacher_ce)]
            sink.write("".join(json.dumps(rec) + "\n" for rec in records))
            sink.flush()
            done.update((rec["id"], rec) for rec in records)
            measured_now += len(chunk)
            rate = measured_now / max(time.monotonic() - started, 1e-9)
            events.progress(len(done), len(rows), "rows", eta_s=(len(rows) - len(done)) / rate)

    measured = [done[r["id"]] for r in rows]
    out_rows = {"pocl": pocl_rows, "mfd_ce": mfd_ce_rows, "mfd_judge": judged.mfd_judge_rows}[scorer](measured)
    output.write_text("".join(json.dumps(r) + "\n" for r in out_rows))
    partial.unlink()
    difficulties = [r["difficulty"] for r in out_rows]
    return {"output": job["output"], "rows": len(out_rows), "unscored": len(measured) - len(out_rows), "scorer": scorer,
            "mean_difficulty": sum(difficulties) / len(difficulties) if difficulties else None}
