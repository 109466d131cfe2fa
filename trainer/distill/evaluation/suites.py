"""The items of each evaluation suite, read from the job's datasets_dir (the files of ../shared/datasets, read by
path and never copied) or, for the held-out suite, from the run's own rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from distill.contract import JobError
from distill.data import last_answer
from distill.rows import read_rows

FILES = {
    "selfinst": "self_instruct_user_oriented.jsonl",
    "ifeval": "ifeval_input_data.jsonl",
    "mt_bench": "mt_bench_questions.jsonl",
    "vicuna": "vicuna_bench_questions.jsonl",
}
MT_BENCH_REFERENCES = "mt_bench_reference_gpt4.jsonl"
JUDGE_PROMPTS = "mt_bench_judge_prompts.jsonl"
# FastChat's llm_judge: the judge sees a reference answer for these categories.
NEEDS_REFERENCE = frozenset({"math", "reasoning", "coding"})


@dataclass
class Item:
    id: str
    category: str | None
    turns: list[str]
    # One per turn when the suite has references (SelfInst, held-out rows, MT-Bench math/reasoning/coding).
    references: list[str] | None = None
    # IFEval's instruction_id_list and kwargs; a held-out row's messages.
    extra: dict = field(default_factory=dict)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise JobError(f"{path} does not exist: datasets_dir must be the folder holding the evaluation sets "
                       f"({', '.join(sorted(FILES.values()))})")
    records = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise JobError(f"{path} line {number}: not JSON ({e.msg})") from None
    return records


def _selfinst(records: list[dict]) -> list[Item]:
    items = []
    for r in records:
        instance = r["instances"][0]
        # One newline between instruction and input, as the studio's Alpaca import joins them.
        prompt = f"{r['instruction']}\n{instance['input']}" if instance.get("input") else r["instruction"]
        items.append(Item(str(r["id"]), r.get("motivation_app"), [prompt], [instance["output"]]))
    return items


def _ifeval(records: list[dict]) -> list[Item]:
    return [Item(str(r["key"]), None, [r["prompt"]],
                 extra={"instruction_id_list": r["instruction_id_list"], "kwargs": r["kwargs"]}) for r in records]


def _mt_bench(records: list[dict], datasets_dir: Path) -> list[Item]:
    references = {r["question_id"]: r["choices"][0]["turns"] for r in read_jsonl(datasets_dir / MT_BENCH_REFERENCES)}
    return [Item(str(r["question_id"]), r["category"], list(r["turns"]),
                 references.get(r["question_id"]) if r["category"] in NEEDS_REFERENCE else None) for r in records]


def _vicuna(records: list[dict]) -> list[Item]:
    return [Item(str(r["question_id"]), r["category"], list(r["turns"])) for r in records]


def _heldout(path: Path) -> list[Item]:
    items = []
    for row in read_rows(path):
        user = [m["content"] for m in row["messages"] if m["role"] == "user"]
        items.append(Item(str(row["id"]), None, [user[-1]], [last_answer(row["messages"])], {"row": row}))
    return items


def load(suite: dict, datasets_dir: Path, run_dir: Path) -> list[Item]:
    """The suite's items, the first `limit` of them when the suite sets one."""
    name = suite["name"]
    if name == "heldout":
        items = _heldout(run_dir / suite["data"])
    elif name == "mt_bench":
        items = _mt_bench(read_jsonl(datasets_dir / FILES[name]), datasets_dir)
    else:
        items = {"selfinst": _selfinst, "ifeval": _ifeval, "vicuna": _vicuna}[name](read_jsonl(datasets_dir / FILES[name]))
    return items[: suite["limit"]] if suite.get("limit") else items


def judge_prompts(datasets_dir: Path) -> dict[str, dict]:
    """FastChat's judge prompts by name (single-v1, single-math-v1, and their -multi-turn forms)."""
    return {p["name"]: p for p in read_jsonl(datasets_dir / JUDGE_PROMPTS)}
