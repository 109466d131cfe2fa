"""The rewrite job (TAPIR §5) against the real embedded teacher (embedded_teacher.py), through the proxy that
records what each request asked: every row's answer is rewritten with its task type's template, and the original
answers are kept beside the rewrites."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import alpaca_rows, read_events
from embedded_teacher import jsonl, kill_once_journaled, proxy, run_cli, server_port, write_run  # noqa: F401 (fixtures)

pytest.importorskip("llama_cpp.server", reason="the embedded teacher's server (llama-cpp-python[server]) is not installed")

TEMPLATES = {
    "default": {"name": "rewrite-clearly", "version": 4,
                "text": "Rewrite this answer more clearly.\nQuestion: {instruction}\nAnswer: {answer}"},
    "by_task_type": {
        "Math": {"name": "rewrite-step-by-step", "version": 2,
                 "text": "Solve step by step ({task_type}).\nQuestion: {instruction}\nAnswer: {answer}"},
        "Code Generation": {"name": "rewrite-commented-code", "version": 1,
                            "text": "Rewrite with commented code and an explanation.\n{instruction}\n---\n{answer}"},
    },
}


def write_rewrite_job(run_dir: Path, base_url: str, rows: list[dict], **overrides) -> Path:
    job = {"schema_version": 1, "id": "test-rewrite", "kind": "rewrite", "created_at": "2026-01-01T00:00:00Z",
           "endpoint": {"base_url": base_url, "model": "smollm2-135m", "concurrency": 2, "timeout_s": 180},
           "sampling": {"temperature": 0, "max_tokens": 32, "seed": 3},
           "templates": TEMPLATES,
           "retry": {"backoff_base_s": 0.2, "backoff_max_s": 2, "unreachable_after_s": 5, "probe_every_s": 1},
           "cache": None}
    job.update(overrides)
    return write_run(run_dir, job, rows)


def typed_rows(offset: int) -> list[dict]:
    """Eight Alpaca rows: two each of Math, Code Generation, Writing (no template of its own) and untyped."""
    types = ["Math", "Code Generation", "Writing", None] * 2
    return [{**row, **({"task_type": t} if t else {})} for row, t in zip(alpaca_rows(8, offset=offset), types)]


def test_each_answer_is_rewritten_with_its_task_types_template_and_the_original_is_kept(tmp_path, proxy):
    rows = typed_rows(100)
    run_dir = write_rewrite_job(tmp_path / "run", proxy.base_url, rows)
    done = run_cli(run_dir)
    assert done.returncode == 0, done.stderr
    assert len(proxy.requests) == len(rows)  # one request per answer

    sent = {r["messages"][0]["content"]: r["messages"] for r in proxy.requests}
    for row in rows:
        instruction, answer = (m["content"] for m in row["messages"])
        chosen = TEMPLATES["by_task_type"].get(row.get("task_type"), TEMPLATES["default"])
        expected = (chosen["text"].replace("{task_type}", row.get("task_type") or "unknown")
                    .replace("{instruction}", instruction).replace("{answer}", answer))
        # The rewrite request is the filled template alone, as one user message.
        assert sent[expected] == [{"role": "user", "content": expected}]

    finished = {r["id"]: r for r in jsonl(run_dir / "rewrites.jsonl") + jsonl(run_dir / "set_aside.jsonl")}
    assert sorted(finished) == sorted(r["id"] for r in rows)
    rewritten = jsonl(run_dir / "rewrites.jsonl")
    assert rewritten, "SmolLM2 should finish some rewrites within 32 tokens"
    originals = {r["id"]: r for r in rows}
    for record in finished.values():
        row = originals[record["id"]]
        chosen = TEMPLATES["by_task_type"].get(row.get("task_type"), TEMPLATES["default"])
        p = record["provenance"]
        assert p["template"] == {"name": chosen["name"], "version": chosen["version"]}
        assert p["task_type"] == row.get("task_type")
        assert p["original_answers"] == [row["messages"][1]["content"]]
        assert (p["endpoint"], p["model"], p["sampling"]) == (proxy.base_url, "smollm2-135m",
                                                              {"temperature": 0, "top_p": 1, "max_tokens": 32, "seed": 3})
    teacher = {r["id"]: r["content"] for r in jsonl(run_dir / "rewrites.jsonl.journal")}
    for record in rewritten:
        row = originals[record["id"]]
        assert record["origin"] == "rewritten"
        assert record["messages"][0] == row["messages"][0]  # the instruction, unchanged
        # The answer is the teacher's rewrite (which a small model may word as the original was).
        assert record["messages"][1] == {"role": "assistant", "content": teacher[record["id"]]}
        assert record["messages"][1]["content"].strip()
        assert record["usage"]["completion_tokens"] > 0
    result = read_events(run_dir)[-1]["result"]
    assert (result["rows"], result["answered"], result["requests_sent"]) == (8, len(rewritten), 8)


def test_every_answer_of_a_conversation_is_rewritten_and_a_rerun_comes_from_the_cache(tmp_path, proxy):
    rows = [{"id": "two-turns", "task_type": "Math", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3 + 3?"},
        {"role": "assistant", "content": "6"}]}]
    cache = tmp_path / "cache.sqlite"
    run_dir = write_rewrite_job(tmp_path / "run", proxy.base_url, rows, sampling={"temperature": 0, "max_tokens": 64},
                                cache=str(cache))
    assert run_cli(run_dir).returncode == 0
    asked = [r["turn"] for r in proxy.requests]
    assert len(asked) == 2 and "What is 2 + 2?" in asked[0] and "And 3 + 3?" in asked[1]
    finished = (jsonl(run_dir / "rewrites.jsonl") + jsonl(run_dir / "set_aside.jsonl"))[0]
    assert finished["provenance"]["original_answers"][0] == "4"
    assert [m["role"] for m in finished["messages"]][:4] == ["system", "user", "assistant", "user"]
    assert finished["messages"][1]["content"] == "What is 2 + 2?"

    again = write_rewrite_job(tmp_path / "again", proxy.base_url, rows, sampling={"temperature": 0, "max_tokens": 64},
                              cache=str(cache))
    assert run_cli(again).returncode == 0
    assert len(proxy.requests) == 2
    assert read_events(again)[-1]["result"]["cache_hits"] == read_events(run_dir)[-1]["result"]["requests_sent"]


def test_a_killed_rewrite_resumes_without_asking_a_rewritten_answer_again(tmp_path, proxy):
    rows = typed_rows(120)
    run_dir = write_rewrite_job(tmp_path / "run", proxy.base_url, rows, sampling={"temperature": 0, "max_tokens": 16})
    done_before = kill_once_journaled(run_dir, run_dir / "rewrites.jsonl.journal", 3)
    assert 3 <= len(done_before) < len(rows)
    before = len(proxy.requests)
    done = run_cli(run_dir, "--resume")
    assert done.returncode == 0, done.stderr
    asked_after = [r["turn"] for r in proxy.requests[before:]]
    assert len(asked_after) == len(rows) - len(done_before)
    finished = jsonl(run_dir / "rewrites.jsonl") + jsonl(run_dir / "set_aside.jsonl")
    assert sorted(r["id"] for r in finished) == sorted(r["id"] for r in rows)


def test_a_template_with_a_placeholder_the_job_cannot_fill_fails_it_before_any_request(tmp_path, proxy):
    bad = {**TEMPLATES, "by_task_type": {"Math": {"name": "typo", "version": 7, "text": "{instruction} {answr}"}}}
    run_dir = write_rewrite_job(tmp_path / "run", proxy.base_url, typed_rows(140), templates=bad)
    done = run_cli(run_dir)
    assert done.returncode == 2
    assert "template 'typo' version 7 uses {answr}" in read_events(run_dir)[-1]["message"]
    assert proxy.requests == []
