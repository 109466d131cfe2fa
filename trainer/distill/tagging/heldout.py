"""Accuracy of a tagger on questions we did not write: MT-Bench and Vicuna-bench first turns, whose human
`category` fields map to the set of taxonomy labels each accepts. Used only to measure, never to fit."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SCIENCE = {"Physics", "Chemistry", "Biology", "Math", "Computer Science", "Technology", "Medicine", "Health", "Ecology"}
HUMANITIES = {"History", "Philosophy", "Economy", "Law", "Ethics", "Literature", "Art", "Music", "Entertainment", "Sport"}
# Subject labels: the taxonomy names a knowledge question by the field it is about.
SUBJECTS = (SCIENCE - {"Math"}) | HUMANITIES
# Composing, creative writing and editing text are all writing tasks in the taxonomy's sense.
WRITING = {"Writing", "Literature", "Grammar", "Paraphrase"}
CODING = {"Code Generation", "Code Debug", "Computer Science"}  # write code, fix code, or the CS behind it

ACCEPTED: dict[str, dict[str, set[str]]] = {
    "mt_bench_questions.jsonl": {
        "writing": WRITING,  # emails, blog posts, stories, and editing a given paragraph
        "roleplay": {"Roleplay"},  # every question asks the model to act as a persona
        "reasoning": {"Reasoning", "Math", "Common-Sense"},  # logic puzzles, some with arithmetic or everyday setups
        "math": {"Math"},  # calculation and proof problems
        "coding": CODING,
        "extraction": {"Complex Format", "Others"},  # pull fields out of text into a required format; no own label
        "stem": SCIENCE,  # a science or technology subject question, labelled by its field
        "humanities": HUMANITIES,  # a humanities subject question, labelled by its field
    },
    "vicuna_bench_questions.jsonl": {
        "generic": SUBJECTS | {"Common-Sense", "Others"},  # open advice and explanations on everyday topics
        "knowledge": SUBJECTS | {"Common-Sense"},  # factual explanations: the subject's label or general knowledge
        "roleplay": {"Roleplay"},  # "as a ..., how would you ..." persona questions
        "common-sense": {"Common-Sense", "Reasoning"},  # everyday inference about people and situations
        "fermi": {"Math", "Reasoning"},  # order-of-magnitude estimates reasoned step by step
        "counterfactual": {"Counterfactual"},  # "what if ..." alternative histories
        "coding": CODING,
        "math": {"Math"},
        "writing": WRITING,  # letters, emails, scripts and reviews to compose
    },
}


@dataclass(frozen=True)
class Question:
    source: str
    category: str
    text: str

    @property
    def accepted(self) -> set[str]:
        return ACCEPTED[self.source][self.category]


def datasets_dir() -> Path:
    """../shared/datasets beside the repository root, or DISTILL_SHARED_DATASETS."""
    override = os.environ.get("DISTILL_SHARED_DATASETS")
    return Path(override) if override else Path(__file__).resolve().parents[3].parent / "shared" / "datasets"


def questions() -> list[Question]:
    out = []
    for source in ACCEPTED:
        for line in (datasets_dir() / source).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(Question(source, row["category"], row["turns"][0]))
    return out


@dataclass
class Report:
    correct: Counter  # per source
    total: Counter  # per source
    confusion: Counter  # (source short name, category, predicted label)

    @property
    def accuracy(self) -> float:
        return sum(self.correct.values()) / sum(self.total.values())

    def table(self) -> str:
        lines = [f"{src}: {self.correct[src]}/{self.total[src]} = {self.correct[src] / self.total[src]:.1%}"
                 for src in self.total]
        lines.append(f"all: {sum(self.correct.values())}/{sum(self.total.values())} = {self.accuracy:.1%}")
        rows: dict[tuple[str, str], Counter] = {}
        for (src, cat, label), n in self.confusion.items():
            rows.setdefault((src, cat), Counter())[label] = n
        for (src, cat), preds in rows.items():
            lines.append(f"{src:6} {cat:15} " + ", ".join(f"{label} {n}" for label, n in preds.most_common()))
        return "\n".join(lines)


def evaluate(qs: list[Question], predicted: list[str]) -> Report:
    report = Report(Counter(), Counter(), Counter())
    for q, label in zip(qs, predicted, strict=True):
        short = q.source.split("_")[0]
        report.total[short] += 1
        report.correct[short] += label in q.accepted
        report.confusion[(short, q.category, label)] += 1
    return report
