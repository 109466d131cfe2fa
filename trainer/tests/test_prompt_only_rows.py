"""Prompt-only rows (a user turn and no answer: MT-Bench questions without reference answers). Tagging and
token counting accept them (0 response tokens, as the studio's lengths import and histograms expect: the
column is a whole number, never null); training and scoring refuse them with an error naming the row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import alpaca_rows, read_events, run_cli, small_train_job, write_run_dir

from distill.contract import JobError
from distill.rows import read_rows
from distill.lengths import count_tokens
from distill.models import load_tokenizer

QUESTION = {"id": "mt-81", "messages": [{"role": "user", "content": "Compose a travel blog post about Hawaii."}]}
TWO_TURNS = {"id": "mt-82", "messages": [{"role": "user", "content": "Draft an email asking for feedback."},
                                         {"role": "user", "content": "Now critique your own email."}]}
ANSWERED = {"id": "a-1", "messages": [{"role": "user", "content": "Name a fruit."},
                                      {"role": "assistant", "content": "An apple."}]}


def _rows_file(run_dir: Path, rows: list[dict], name: str = "data/rows.jsonl") -> Path:
    path = run_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _job(run_dir: Path, **fields) -> None:
    job = {"schema_version": 1, "id": f"test-{fields['kind']}", "created_at": "2026-01-01T00:00:00Z", **fields}
    (run_dir / "job.json").write_text(json.dumps(job))


def _done(run_dir: Path) -> dict:
    proc = run_cli(run_dir, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = read_events(run_dir)
    assert events[-1]["type"] == "done", events[-3:]
    return events[-1]["result"]


def _refused(run_dir: Path) -> str:
    proc = run_cli(run_dir, timeout=900)
    assert proc.returncode == 2, proc.stderr[-3000:]
    errors = [e for e in read_events(run_dir) if e["type"] == "error"]
    return errors[0]["message"]


def test_read_rows_refuses_prompt_only_rows_by_default_and_names_them(tmp_path):
    path = _rows_file(tmp_path, [ANSWERED, QUESTION])
    with pytest.raises(JobError, match=r"rows\.jsonl line 2 \(id mt-81\): a prompt-only row \(no assistant message\)"):
        read_rows(path)
    assert read_rows(path, need_answer=False) == [ANSWERED, QUESTION]
    # Rows still need an id and messages, answer or not.
    _rows_file(tmp_path, [{"id": "x", "messages": []}])
    with pytest.raises(JobError, match="line 1: a row needs an id and a non-empty messages list"):
        read_rows(path, need_answer=False)
    _rows_file(tmp_path, [ANSWERED, 3])
    with pytest.raises(JobError, match="line 2: a row needs an id"):
        read_rows(path, need_answer=False)


def test_a_missing_response_counts_zero_tokens():
    tokenizer = load_tokenizer({"source": "embedded"})
    prompt, response = count_tokens(tokenizer, TWO_TURNS["messages"])
    assert prompt > 0 and response == 0


def test_lengths_job_counts_prompt_only_rows(tmp_path):
    _rows_file(tmp_path, [ANSWERED, QUESTION, TWO_TURNS])
    _job(tmp_path, kind="lengths", tokenizer={"source": "embedded"}, data="data/rows.jsonl", output="lengths.jsonl")
    assert _done(tmp_path)["rows"] == 3
    lengths = [json.loads(line) for line in (tmp_path / "lengths.jsonl").read_text().splitlines()]
    assert [r["id"] for r in lengths] == ["a-1", "mt-81", "mt-82"]
    assert lengths[0]["response_tokens"] > 0
    assert [r["response_tokens"] for r in lengths[1:]] == [0, 0]
    assert all(isinstance(r["prompt_tokens"], int) and r["prompt_tokens"] > 0 for r in lengths)


def test_tag_job_tags_prompt_only_rows(tmp_path):
    _rows_file(tmp_path, [QUESTION, ANSWERED, TWO_TURNS])
    _job(tmp_path, kind="tag", seed=10, device="cpu", tagger={"source": "embedded"}, data="data/rows.jsonl",
         batch_size=4, output="tags.jsonl")
    assert _done(tmp_path)["rows"] == 3
    tags = [json.loads(line) for line in (tmp_path / "tags.jsonl").read_text().splitlines()]
    assert [t["id"] for t in tags] == ["mt-81", "a-1", "mt-82"]
    assert all(t["label"] and 0 <= t["confidence"] <= 1 for t in tags)


def test_score_job_refuses_a_prompt_only_row_naming_it(tmp_path):
    _rows_file(tmp_path, [ANSWERED, QUESTION])
    _job(tmp_path, kind="score", seed=10, device="cpu", scorer="mfd_ce", teacher={"source": "embedded"},
         student={"source": "pruned", "num_layers": 2}, data="data/rows.jsonl", output="scores.jsonl")
    message = _refused(tmp_path)
    assert "line 2 (id mt-81): a prompt-only row" in message and "scoring need an answer" in message
    assert not (tmp_path / "scores.jsonl").exists()


def test_train_job_refuses_a_prompt_only_row_naming_it(tmp_path):
    rows = alpaca_rows(2) + [QUESTION]
    run_dir = write_run_dir(tmp_path / "run", small_train_job(), rows)
    message = _refused(run_dir)
    assert "train.jsonl line 3 (id mt-81): a prompt-only row" in message and "training" in message
