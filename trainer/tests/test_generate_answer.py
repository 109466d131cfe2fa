"""The answer job against the real embedded teacher (embedded_teacher.py): llama-cpp-python's OpenAI-compatible
server with the SmolLM2-135M-Instruct GGUF, started once for this module, with an API key it requires. Faults come
from a real proxy in front of it (fault_proxy.py), never from mocks."""

from __future__ import annotations

import ast
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import alpaca_rows, distill_cli, read_events
from embedded_teacher import KEY, free_port, job_env, jsonl, kill_once_journaled, proxy, run_cli, server_port, write_run  # noqa: F401 (fixtures)
from fault_proxy import FaultProxy

pytest.importorskip("llama_cpp.server", reason="the embedded teacher's server (llama-cpp-python[server]) is not installed")

TEMPLATE = {"name": "answer", "version": 3, "text": "{prompt}"}


def write_answer_job(run_dir: Path, base_url: str, rows: list[dict], **overrides) -> Path:
    job = {"schema_version": 1, "id": "test-answer", "kind": "answer", "created_at": "2026-01-01T00:00:00Z",
           "endpoint": {"base_url": base_url, "model": "smollm2-135m", "concurrency": 2, "timeout_s": 30},
           "sampling": {"temperature": 0, "top_p": 1, "max_tokens": 24, "seed": 7},
           "template": TEMPLATE,
           "retry": {"backoff_base_s": 0.2, "backoff_max_s": 2, "unreachable_after_s": 5, "probe_every_s": 1},
           "cache": None}
    job.update(overrides)
    return write_run(run_dir, job, rows)


def results(run_dir: Path) -> list[dict]:
    """Every row the job finished: answered (answers.jsonl) and kept aside (set_aside.jsonl)."""
    return jsonl(run_dir / "answers.jsonl") + jsonl(run_dir / "set_aside.jsonl")


def prompt_of(row: dict) -> str:
    return next(m["content"] for m in row["messages"] if m["role"] == "user")


def assert_each_row_once(run_dir: Path, rows: list[dict]) -> None:
    finished = results(run_dir)
    assert sorted(r["id"] for r in finished) == sorted(r["id"] for r in rows)
    for record in finished:  # ends with the teacher's answer, unless the endpoint refused to give one
        assert record["messages"][-1]["role"] == ("user" if record.get("reason") == "refused_by_endpoint" else "assistant")


def test_answers_20_alpaca_rows_once_each_with_provenance_and_no_key_in_the_run_folder(tmp_path, proxy):
    rows = alpaca_rows(20)
    run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows,
                               endpoint={"base_url": proxy.base_url, "model": "smollm2-135m", "concurrency": 2,
                                         "timeout_s": 60, "price_input_per_m": 0.5, "price_output_per_m": 2})
    done = run_cli(run_dir)
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)
    assert sorted(proxy.delivered.values()) == [1] * 20  # one request per row, no more
    answered, aside = jsonl(run_dir / "answers.jsonl"), jsonl(run_dir / "set_aside.jsonl")
    assert answered, "SmolLM2 should finish some answers within 24 tokens"
    originals = {r["id"]: r for r in rows}
    for record in answered:
        assert record["origin"] == "teacher_answer"
        assert record["messages"][0] == originals[record["id"]]["messages"][0]  # its prompt, unchanged
        assert record["messages"][1]["content"].strip()
        assert record["messages"][1]["content"] != originals[record["id"]]["messages"][1]["content"]
    for record in aside:
        assert record["reason"] in {"empty", "length", "refusal"}
    for record in answered + aside:
        p = record["provenance"]
        assert (p["endpoint"], p["model"], p["template"]) == (proxy.base_url, "smollm2-135m", {"name": "answer", "version": 3})
        assert p["sampling"] == {"temperature": 0, "top_p": 1, "max_tokens": 24, "seed": 7}
        assert p["time"].startswith("20")
    events = read_events(run_dir)
    result = events[-1]["result"]
    assert events[-1]["type"] == "done"
    assert (result["answered"], result["requests_sent"], result["cache_hits"]) == (len(answered), 20, 0)
    assert sum(result["set_aside_reasons"].values()) == len(aside)
    assert result["completion_tokens"] > 0 and result["cost"] == pytest.approx(
        (result["prompt_tokens"] * 0.5 + result["completion_tokens"] * 2) / 1e6)
    last = [e for e in events if e["type"] == "progress"][-1]
    assert (last["current"], last["total"], last["unit"]) == (20, 20, "requests")
    assert last["tokens_per_s"] > 0 and last["cost"] == result["cost"]

    # The key reached the server (it refuses requests without it) and no file of the run folder.
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"job.json", "events.jsonl", "job.log", "answers.jsonl", "answers.jsonl.journal"}
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def test_a_wrong_key_fails_the_job_with_a_sentence_and_leaves_no_key_behind(tmp_path, server_port):
    wrong = f"sk-wrong-{secrets.token_hex(8)}"
    run_dir = write_answer_job(tmp_path / "run", f"http://127.0.0.1:{server_port}/v1", alpaca_rows(2))
    done = run_cli(run_dir, key=wrong)
    assert done.returncode == 2
    assert "refused the job's key (HTTP 401)" in read_events(run_dir)[-1]["message"]
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert wrong.encode() not in path.read_bytes() and KEY.encode() not in path.read_bytes(), path


def test_a_request_the_endpoint_refuses_keeps_its_row_aside_and_the_others_go_on(tmp_path, proxy):
    too_long = {"id": "too-long", "messages": [{"role": "user", "content": "Summarise: " + "lorem ipsum " * 2000}]}
    rows = [too_long, *alpaca_rows(2)]
    run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows)
    done = run_cli(run_dir)
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)
    aside = {r["id"]: r for r in jsonl(run_dir / "set_aside.jsonl")}
    assert aside["too-long"]["reason"] == "refused_by_endpoint"
    assert aside["too-long"]["detail"].startswith("HTTP 400")  # the server's context window is 2,048 tokens
    assert len([r for r in proxy.requests if r["turn"] == too_long["messages"][0]["content"]]) == 1  # not retried


def test_multi_turn_rows_are_answered_turn_by_turn_in_the_teachers_own_context(tmp_path, proxy):
    rows = [{"id": "capitals", "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "What is the capital of France?"},
                {"role": "assistant", "content": "The dataset's own answer, which the teacher replaces."},
                {"role": "user", "content": "And what is the capital of Italy?"}]},
            {"id": "colours", "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Name one primary colour."},
                {"role": "user", "content": "Name another one."}]}]
    run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows, sampling={"temperature": 0, "max_tokens": 48},
                               template={"name": "terse", "version": 1, "text": "{prompt} Answer in one sentence."})
    done = run_cli(run_dir)
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)
    journal = {(r["id"], r["turn"]): r for r in jsonl(run_dir / "answers.jsonl.journal")}
    answered = jsonl(run_dir / "answers.jsonl")
    assert [r["id"] for r in answered] == ["capitals", "colours"], jsonl(run_dir / "set_aside.jsonl")
    for row, record in zip(rows, answered):
        prompts = [m["content"] for m in row["messages"] if m["role"] == "user"]
        first, second = [r["messages"] for r in proxy.requests if r["turn"].startswith(tuple(prompts))]
        assert first == [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": f"{prompts[0]} Answer in one sentence."}]
        # The second turn is asked after the teacher's own first answer, not the dataset's.
        assert second == first + [{"role": "assistant", "content": journal[(row["id"], 0)]["content"]},
                                  {"role": "user", "content": f"{prompts[1]} Answer in one sentence."}]
        # The new row keeps the prompts as they were, with the teacher's two answers.
        assert record["messages"] == [{"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": prompts[0]},
                                      {"role": "assistant", "content": journal[(row["id"], 0)]["content"]},
                                      {"role": "user", "content": prompts[1]},
                                      {"role": "assistant", "content": journal[(row["id"], 1)]["content"]}]
        assert record["usage"]["completion_tokens"] == sum(journal[(row["id"], t)]["completion_tokens"] for t in (0, 1))


def test_429_500_dropped_and_stalled_requests_end_with_every_row_answered_exactly_once(tmp_path, server_port):
    rows = alpaca_rows(20, offset=20)
    faults = {1: "429", 2: "500", 3: "drop", 4: "stall", 7: "429", 9: "drop", 12: "500", 15: "429"}
    proxy = FaultProxy(server_port, faults, stall_s=12).start()
    try:
        run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows,
                                   endpoint={"base_url": proxy.base_url, "model": "smollm2-135m", "concurrency": 2,
                                             "timeout_s": 10})
        done = run_cli(run_dir)
    finally:
        proxy.stop()
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)
    assert [r["fault"] for r in proxy.requests if r["fault"]] == list(faults.values())
    # Every row's answer came through the proxy exactly once, however many tries it took.
    assert sorted(proxy.delivered) == sorted(prompt_of(r) for r in rows)
    assert sum(proxy.delivered.values()) == len(rows)
    assert read_events(run_dir)[-1]["result"]["requests_sent"] == len(proxy.requests) >= len(rows) + len(faults)
    # A 429's Retry-After: 1 sets the wait, not the backoff (0.2 s doubling here).
    waits = [e["message"].split("trying again in ")[1] for e in read_events(run_dir) if "HTTP 429" in e.get("message", "")]
    assert waits == ["1.0 s"] * 3


def test_a_job_killed_mid_run_resumes_without_asking_an_answered_row_again(tmp_path, proxy):
    rows = alpaca_rows(20, offset=40)
    run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows)
    answered_before = kill_once_journaled(run_dir, run_dir / "answers.jsonl.journal", 6)
    assert 6 <= len(answered_before) < len(rows)
    requests_before = len(proxy.requests)

    done = run_cli(run_dir, "--resume")
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)
    asked_after = [r["turn"] for r in proxy.requests[requests_before:]]
    by_prompt = {prompt_of(r): r["id"] for r in rows}
    assert not {by_prompt[t] for t in asked_after} & answered_before
    assert len(asked_after) == len(set(asked_after)) == len(rows) - len(answered_before)
    assert read_events(run_dir)[-1]["result"]["requests_sent"] == len(asked_after)


def test_sigterm_stops_the_job_for_a_resume_that_finishes_it(tmp_path, proxy):
    rows = alpaca_rows(8, offset=60)
    run_dir = write_answer_job(tmp_path / "run", proxy.base_url, rows)
    job = subprocess.Popen(distill_cli(run_dir), env=job_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while len(jsonl(run_dir / "answers.jsonl.journal")) < 2 and job.poll() is None:
        time.sleep(0.05)
    job.send_signal(signal.SIGTERM)
    assert job.wait(timeout=60) == 143, job.stderr.read()
    assert read_events(run_dir)[-1]["type"] not in ("done", "error")
    done = run_cli(run_dir, "--resume")
    assert done.returncode == 0, done.stderr
    assert_each_row_once(run_dir, rows)


def test_a_rerun_is_served_from_the_shared_cache_without_a_request(tmp_path, proxy):
    rows = alpaca_rows(20, offset=80)
    cache = tmp_path / "data" / "response-cache.sqlite"
    first = write_answer_job(tmp_path / "first", proxy.base_url, rows, cache=str(cache))
    assert run_cli(first).returncode == 0
    sent = len(proxy.requests)
    assert sent == 20

    rerun = run_cli(first)  # the same job again, from the start
    assert rerun.returncode == 0, rerun.stderr
    # Another job with the same endpoint, model, prompts and sampling, given the cache by the environment.
    second = write_answer_job(tmp_path / "second", proxy.base_url, rows)
    other = subprocess.run(distill_cli(second), env={**job_env(), "DISTILL_RESPONSE_CACHE": str(cache)},
                           capture_output=True, text=True, timeout=600)
    assert other.returncode == 0, other.stderr
    assert len(proxy.requests) == sent  # nothing reached the server
    for run_dir in (first, second):
        result = read_events(run_dir)[-1]["result"]
        assert (result["requests_sent"], result["cache_hits"], result["cost"]) == (0, 20, None)
    strip = lambda records: [(r["id"], r["messages"]) for r in records]  # noqa: E731
    assert strip(results(second)) == strip(results(first))
    assert KEY.encode() not in b"".join(p.read_bytes() for p in cache.parent.iterdir())  # the file and its WAL


def modules_after_run(run_dir: Path, modules: tuple[str, ...]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Runs the job as `python -m distill run` does (distill.cli.main) in a fresh interpreter; (the process, which
    of `modules` it had imported when the job ended)."""
    script = (f"import sys; from distill.cli import main; code = main(['run', {str(run_dir)!r}]); "
              f"print([m for m in {modules!r} if m in sys.modules]); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], env=job_env(), capture_output=True, text=True, timeout=600)
    return done, ast.literal_eval(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else []


def test_the_answer_path_never_imports_torch_and_a_cached_rerun_not_even_openai(tmp_path, server_port):
    # Every import is start-up time a generation job pays before its first request (bench/README.md): torch and
    # transformers alone take seconds, and the answer path needs neither.
    run_dir = write_answer_job(tmp_path / "run", f"http://127.0.0.1:{server_port}/v1", alpaca_rows(3, offset=40),
                               cache=str(tmp_path / "cache.sqlite"))
    heavy = ("torch", "transformers", "sentence_transformers", "numpy")
    # jsonschema (~0.2 s of CPU) only words a refusal: a valid job.json and its events pass the compiled check.
    heavy += ("jsonschema",)
    done, imported = modules_after_run(run_dir, heavy + ("openai",))
    assert done.returncode == 0, done.stderr
    assert read_events(run_dir)[-1]["result"]["requests_sent"] == 3
    assert imported == ["openai"]

    rerun, imported = modules_after_run(run_dir, heavy + ("openai",))
    assert rerun.returncode == 0, rerun.stderr
    assert read_events(run_dir)[-1]["result"]["cache_hits"] == 3
    assert imported == []


def test_an_unreachable_endpoint_pauses_the_job_which_goes_on_once_it_answers(tmp_path, server_port):
    port = free_port()
    run_dir = write_answer_job(tmp_path / "run", f"http://127.0.0.1:{port}/v1", alpaca_rows(3),
                               retry={"backoff_base_s": 0.2, "backoff_max_s": 0.5, "unreachable_after_s": 1,
                                      "probe_every_s": 0.5, "max_attempts": 2})
    job = subprocess.Popen(distill_cli(run_dir), env=job_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any("paused" in e.get("message", "") for e in read_events(run_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # paused for a while: far more connection failures than max_attempts, and it has not failed
    assert job.poll() is None
    proxy = FaultProxy(server_port, port=port).start()
    try:
        assert job.wait(timeout=300) == 0, job.stderr.read()
    finally:
        proxy.stop()
    events = read_events(run_dir)
    messages = [e.get("message", "") for e in events]
    assert any(m.startswith("paused: endpoint unreachable") for m in messages)
    assert any(m.startswith("resumed: the endpoint answers again") for m in messages)
    assert any(e["type"] == "progress" and e.get("message") == "paused: endpoint unreachable" for e in events)
    assert sum(proxy.delivered.values()) == 3
    # While paused, one request at a time probes, every probe_every_s: not each of the two workers.
    paused_at = next(e["seq"] for e in events if e.get("message", "").startswith("paused"))
    probes = [e["time"] for e in events if e["seq"] > paused_at and "connection failed" in e.get("message", "")]
    gaps = [b - a for a, b in zip(probes[2:], probes[3:])]  # the first two: workers that failed as it paused
    assert len(gaps) >= 4 and min(gaps) >= 0.4, gaps
