"""Difficulty scorers: the ranking arithmetic on hand-computed inputs, and real scoring runs through the CLI
with the embedded teacher and a pruned student on alpaca rows."""

from __future__ import annotations

import json

import pytest
from conftest import alpaca_rows, read_events, run_cli

from distill.contract import validate
from distill.scoring.ranking import difficulty_from_ease, rank, rrf


def test_rank_ascending_and_descending_with_ties():
    assert rank([0.3, 0.1, 0.2]) == [3, 1, 2]
    assert rank([0.9, 0.5, 0.5, 0.1], descending=True) == [1, 2, 2, 4]
    assert rank([2.0, 1.0, 2.0, 2.0]) == [2, 1, 2, 2]
    assert rank([float("inf"), 1.0]) == [2, 1]
    assert rank([]) == []
    with pytest.raises(ValueError, match="NaN"):
        rank([1.0, float("nan")])


def test_rrf_by_hand():
    assert rrf([1, 2], [2, 1]) == pytest.approx([1 / 61 + 1 / 62, 1 / 62 + 1 / 61])
    assert rrf([1, 3, 3], [3, 1, 2]) == pytest.approx([1 / 61 + 1 / 63, 1 / 63 + 1 / 61, 1 / 63 + 1 / 62])
    assert rrf([1], [1], k=0) == [2.0]
    with pytest.raises(ValueError, match="differ in length"):
        rrf([1, 2], [1])


def test_difficulty_is_zero_for_the_easiest_and_one_for_the_hardest():
    assert difficulty_from_ease([0.2, 0.5, 0.1]) == [0.5, 0.0, 1.0]
    assert difficulty_from_ease([0.5, 0.5, 0.1]) == [0.0, 0.0, 1.0]
    assert difficulty_from_ease([0.3]) == [0.0]


def score_job(scorer: str, **overrides) -> dict:
    job = {"schema_version": 1, "id": f"test-score-{scorer}", "kind": "score", "created_at": "2026-01-01T00:00:00Z",
           "seed": 10, "device": "cpu", "scorer": scorer, "teacher": {"source": "embedded"},
           "student": {"source": "pruned", "num_layers": 6}, "data": "data/rows.jsonl",
           "max_new_tokens": 12, "max_prompt_length": 64, "max_length": 128, "batch_size": 5,
           "output": "scores.jsonl"}
    job.update(overrides)
    return job


def run_scoring(tmp_path, job: dict, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "job.json").write_text(json.dumps(job))
    (tmp_path / "data" / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = read_events(tmp_path)
    for event in events:
        validate("event.schema.json", event)
    scores = [json.loads(line) for line in (tmp_path / job["output"]).read_text().splitlines()]
    assert not (tmp_path / f"{job['output']}.partial").exists()
    return scores, events


def test_pocl_scores_every_row_with_consistent_ranks(tmp_path):
    rows = alpaca_rows(12)
    scores, events = run_scoring(tmp_path, score_job("pocl"), rows)

    assert [s["id"] for s in scores] == [r["id"] for r in rows]
    assert rank([s["rouge_l"] for s in scores], descending=True) == [s["rank_rouge_l"] for s in scores]
    assert rank([s["ce"] for s in scores]) == [s["rank_ce"] for s in scores]
    for s in scores:
        assert 0.0 <= s["rouge_l"] <= 1.0 and s["ce"] > 0
        assert s["score"] == pytest.approx(1 / (60 + s["rank_rouge_l"]) + 1 / (60 + s["rank_ce"]))
    by_score = sorted(scores, key=lambda s: -s["score"])
    assert by_score[0]["difficulty"] == 0.0
    assert [s["difficulty"] for s in by_score] == sorted(s["difficulty"] for s in scores)

    progress = [e for e in events if e["type"] == "progress"]
    assert progress[-1]["current"] == progress[-1]["total"] == 12 and progress[-1]["unit"] == "rows"
    done = [e for e in events if e["type"] == "done"]
    assert done[0]["result"]["rows"] == 12


def test_mfd_ce_is_the_student_teacher_ce_gap(tmp_path):
    rows = alpaca_rows(6, offset=20)
    scores, events = run_scoring(tmp_path, score_job("mfd_ce", output="mfd.jsonl"), rows)

    assert [s["id"] for s in scores] == [r["id"] for r in rows]
    for s in scores:
        assert s["score"] == s["difficulty"] == pytest.approx(s["student_ce"] - s["teacher_ce"])
    # A 6-of-30-layer copy of the teacher fits the gold answers worse than the teacher does.
    assert sum(s["score"] for s in scores) > 0
    assert [e["type"] for e in events if e["type"] in ("done", "error")] == ["done"]


def test_no_answer_token_is_named(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "job.json").write_text(json.dumps(score_job("mfd_ce", max_prompt_length=16, max_length=16)))
    rows = [{"id": "long-prompt", "messages": [{"role": "user", "content": "word " * 40},
                                               {"role": "assistant", "content": "ok"}]}]
    (tmp_path / "data" / "rows.jsonl").write_text(json.dumps(rows[0]) + "\n")
    proc = run_cli(tmp_path)
    assert proc.returncode == 2
    errors = [e for e in read_events(tmp_path) if e["type"] == "error"]
    assert "row long-prompt: no answer token fits in max_length=16" in errors[0]["message"]
