"""The expand job (TAPIR §4) against the real embedded teacher (SmolLM2-135M-Instruct behind llama-cpp-python's
server, started once for the module by embedded_teacher.py's fixture), through the counting proxy. The dataset is
200 Alpaca rows typed by the studio's own tagger, as a tag pass would type them."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import alpaca_rows, distill_cli, read_events
from embedded_teacher import job_env, jsonl, kill_once_journaled, proxy, server_port, write_run  # noqa: F401 (fixtures)
from fault_proxy import FaultProxy

from distill.generate.cache import request_key
from distill.generate.instruction_list import normalise
from distill.tagging import tag_texts

pytest.importorskip("llama_cpp.server", reason="the embedded teacher's server (llama-cpp-python[server]) is not installed")

EXPAND_TEMPLATE = {"name": "expand-test", "version": 2, "text": (
    'Here are examples of instructions of the task type "{task_type}":\n\n{examples}\n\n'
    'Write {count} new instructions of the task type "{task_type}" as a numbered list, and nothing else.')}
ANSWER_TEMPLATE = {"name": "answer-as-is", "version": 1, "text": "{prompt}"}
MATH_TEMPLATE = {"name": "expand-test-math", "version": 3, "text": (
    'Here are examples of math problems, instructions of the task type "{task_type}":\n\n{examples}\n\n'
    'Write {count} new instructions of the task type "{task_type}" as a numbered list, and nothing else.')}


@pytest.fixture(scope="module")
def typed_rows() -> list[dict]:
    rows = alpaca_rows(200)
    for row, (label, _) in zip(rows, tag_texts([r["messages"][0]["content"] for r in rows], {"source": "embedded"})):
        row["type"] = label
    return rows


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One response cache for the module: a request another test already sent costs nothing again."""
    return tmp_path_factory.mktemp("cache") / "response-cache.sqlite"


def write_expand_job(run_dir: Path, base_url: str, rows: list[dict], **overrides) -> Path:
    # One request at a time, each given long: llama.cpp's server answers one at a time anyway, and on a busy
    # shared machine SmolLM2 writes a few tokens a second.
    job = {"schema_version": 1, "id": "test-expand", "kind": "expand", "created_at": "2026-01-01T00:00:00Z",
           "endpoint": {"base_url": base_url, "model": "smollm2-135m", "concurrency": 1, "timeout_s": 600},
           "sampling": {"temperature": 0.8, "top_p": 0.95, "max_tokens": 64},
           "template": EXPAND_TEMPLATE, "answer_template": ANSWER_TEMPLATE, "targets": {"Math": 5},
           "retry": {"backoff_base_s": 0.2, "backoff_max_s": 2}, "cache": None}
    job.update(overrides)
    return write_run(run_dir, job, rows)


def run_expand(run_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(distill_cli(run_dir, *args), env=job_env(), capture_output=True, text=True, timeout=3600)


def sent(proxy: FaultProxy, start: int = 0) -> list[str]:
    """Each chat request the proxy saw, as the JSON of its messages."""
    return [json.dumps(r["messages"], sort_keys=True) for r in proxy.requests[start:]]


def test_expands_math_by_5_with_new_tagged_deduplicated_answered_rows(tmp_path, proxy, typed_rows, cache):
    run_dir = write_expand_job(tmp_path / "run", proxy.base_url, typed_rows, cache=str(cache))
    done = run_expand(run_dir)
    assert done.returncode == 0, done.stderr
    result = read_events(run_dir)[-1]["result"]
    math = result["types"]["Math"]
    assert math["reached"] and math["kept"] == 5, result
    rows = jsonl(run_dir / "expanded.jsonl") + jsonl(run_dir / "set_aside.jsonl")
    assert len(rows) == 5 and result["counts"]["answered"] + result["counts"]["set_aside"] == 5
    by_id = {r["id"]: r for r in typed_rows}
    prompts = {normalise(r["messages"][0]["content"]) for r in typed_rows}
    for row in rows:
        instruction = row["messages"][0]["content"]
        assert normalise(instruction) not in prompts
        assert row["type"] == "Math" and row["tag"]["label"] == "Math"
        p = row["provenance"]
        assert p["template"] == {"name": "expand-test", "version": 2}
        assert p["answer_template"] == {"name": "answer-as-is", "version": 1}
        assert (p["endpoint"], p["model"]) == (proxy.base_url, "smollm2-135m")
        assert p["sampling"] == {"temperature": 0.8, "top_p": 0.95, "max_tokens": 64}
        assert p["time"].startswith("20")
        examples = p["expansion"]["examples"]
        assert len(examples) == 3 and all(by_id[e]["type"] == "Math" for e in examples)
    for row in jsonl(run_dir / "expanded.jsonl"):
        assert row["origin"] == "expanded" and row["messages"][1]["role"] == "assistant"
    assert len({r["messages"][0]["content"] for r in rows}) == 5

    # The counts add up over instructions.jsonl, and progress events carried them.
    records = jsonl(run_dir / "instructions.jsonl")
    fates = {fate: sum(r["fate"] == fate for r in records) for fate in
             ("kept", "exact_duplicate", "near_duplicate", "tag_mismatch", "surplus")}
    counts = result["counts"]
    assert counts["generated"] == len(records)
    assert (counts["kept"], counts["exact_duplicates"], counts["near_duplicates"], counts["tag_mismatches"],
            counts["surplus"]) == tuple(fates.values())
    for record in records:
        if record["fate"] == "near_duplicate":
            assert record["similarity"] > 0.9
    progress = [e for e in read_events(run_dir) if e["type"] == "progress"]
    assert progress[-1]["counts"] == counts and progress[-1]["current"] == progress[-1]["total"]
    # Every request went out once: math["requests"] expansions and one answer per kept instruction.
    assert len(sent(proxy)) == len(set(sent(proxy))) == math["requests"] + 5 == result["requests_sent"] + result["cache_hits"]


def test_a_type_without_rows_to_learn_from_is_reported_and_a_capped_type_says_so(tmp_path, proxy, typed_rows, cache):
    rows = [r for r in typed_rows if r["type"] != "Law"]
    # Math's first request and the answers are those of the test above: the shared cache serves them.
    run_dir = write_expand_job(tmp_path / "run", proxy.base_url, rows, targets={"Law": 3, "Math": 50},
                               max_requests_per_type=1, cache=str(cache))
    done = run_expand(run_dir)
    assert done.returncode == 0, done.stderr
    result = read_events(run_dir)[-1]["result"]
    assert result["types"]["Law"] == {"target": 3, "kept": 0, "requests": 0, "reached": False, "stopped": "no examples"}
    assert result["types"]["Math"]["requests"] == 1 and result["types"]["Math"]["stopped"] == "request cap"
    messages = [e.get("message", "") for e in read_events(run_dir)]
    assert any("Math:" in m and "the cap (max_requests_per_type)" in m for m in messages)


def test_a_type_with_its_own_template_is_asked_with_it_and_records_it_the_others_take_the_default(tmp_path, proxy,
                                                                                                  typed_rows):
    other = next(t for t, _ in Counter(r["type"] for r in typed_rows).most_common() if t not in ("Math", None))
    # No cache: the proxy sees every request this job sends. How many whole instructions a reply holds is the 135M
    # model's doing and differs between CPUs: on one, three 64-token replies for "Complex Format" held none, and one
    # 160-token reply did; so replies get 160 tokens here and each type up to 3 requests.
    run_dir = write_expand_job(tmp_path / "run", proxy.base_url, typed_rows, targets={"Math": 1, other: 1},
                               templates_by_task_type={"Math": MATH_TEMPLATE}, max_requests_per_type=3,
                               sampling={"temperature": 0.8, "top_p": 0.95, "max_tokens": 160})
    done = run_expand(run_dir)
    assert done.returncode == 0, done.stderr
    expansions = [r["messages"][0]["content"] for r in proxy.requests if r["messages"][0]["content"].startswith("Here are examples")]
    math_asked = [t for t in expansions if t.startswith('Here are examples of math problems, instructions of the task type "Math"')]
    other_asked = [t for t in expansions if t.startswith(f'Here are examples of instructions of the task type "{other}"')]
    assert math_asked and other_asked and len(math_asked) + len(other_asked) == len(expansions)

    expected = {"Math": {"name": "expand-test-math", "version": 3}, other: {"name": "expand-test", "version": 2}}
    records = jsonl(run_dir / "instructions.jsonl")
    assert {r["type"] for r in records} == {"Math", other}
    for record in records:
        assert record["template"] == expected[record["type"]]
    for row in jsonl(run_dir / "expanded.jsonl") + jsonl(run_dir / "set_aside.jsonl"):
        assert row["provenance"]["template"] == expected[row["type"]]


def test_a_type_template_with_a_placeholder_the_job_cannot_fill_fails_it_before_any_request(tmp_path, proxy,
                                                                                          typed_rows):
    typo = {"name": "typo", "version": 4, "text": "{examples} {prompt}"}
    run_dir = write_expand_job(tmp_path / "run", proxy.base_url, typed_rows, templates_by_task_type={"Math": typo})
    done = run_expand(run_dir)
    assert done.returncode == 2
    assert "template 'typo' version 4 uses {prompt}" in read_events(run_dir)[-1]["message"]
    assert proxy.requests == []


def request_keys(proxy: FaultProxy, start: int = 0) -> list[str]:
    """The response-cache key of each chat request the proxy saw: what the journal records of a finished one."""
    return [request_key(proxy.base_url, r["body"]["model"], r["messages"],
                        {k: v for k, v in r["body"].items() if k not in ("model", "messages")})
            for r in proxy.requests[start:]]


def test_a_job_killed_mid_run_resumes_without_sending_a_finished_request_again(tmp_path, proxy, typed_rows):
    # Another seed than the tests above, and no cache: every request is new, and only the journal can spare one.
    run_dir = write_expand_job(tmp_path / "run", proxy.base_url, typed_rows, targets={"Math": 3}, seed=11)
    journal = run_dir / "expanded.jsonl.journal"
    kill_once_journaled(run_dir, journal, 2, within_s=1800)
    finished = {r["key"] for r in jsonl(journal)}
    assert len(finished) >= 2 and not (run_dir / "expanded.jsonl").exists()
    assert any(r["id"].startswith("expand:") for r in jsonl(journal))
    before = len(proxy.requests)
    assert finished <= set(request_keys(proxy))  # the proxy saw every journaled request

    done = run_expand(run_dir, "--resume")
    assert done.returncode == 0, done.stderr
    after = request_keys(proxy, before)
    assert not finished & set(after), "a request finished before the kill was sent again"
    assert len(after) == len(set(after))
    result = read_events(run_dir)[-1]["result"]
    assert result["requests_sent"] == len(after)
    assert result["types"]["Math"]["kept"] == len(jsonl(run_dir / "expanded.jsonl")) + len(jsonl(run_dir / "set_aside.jsonl"))
