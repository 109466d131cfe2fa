"""The generation job's parts that need no endpoint: templates, retry timing, the pause, screening, the response
cache (a real SQLite file) and the journal."""

from __future__ import annotations

import email.utils
import random
import subprocess
import sys
import textwrap
from importlib import resources

import pytest

from distill.contract import JobError, validation_errors, with_defaults
from distill.generate import journal, template
from distill.generate.cache import ResponseCache, endpoint_identity, request_key
from distill.generate.meter import cost
from distill.generate.retry import Reachability, backoff_s, is_retried_status, retry_after_s
from distill.generate.screen import reason_to_set_aside


def test_a_template_fills_its_placeholders_once_and_leaves_other_braces():
    text = 'Answer in JSON like {"a": 1}.\n\n{prompt}'
    assert template.render(text, {"prompt": "say {prompt} literally"}) == 'Answer in JSON like {"a": 1}.\n\nsay {prompt} literally'
    with pytest.raises(JobError, match=r"template 'style' version 2 uses \{task\}, which this job does not fill"):
        template.check({"name": "style", "version": 2, "text": "{task}: {prompt}"}, {"prompt"})


def test_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half():
    rng = random.Random(0)
    for failures, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (10, 30)]:
        delays = [backoff_s(failures, 1, 30, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # spread: requests failing together come back apart


def test_retry_after_in_milliseconds_seconds_or_as_a_date():
    assert retry_after_s({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_s({"retry-after": "7"}) == 7
    assert retry_after_s({"retry-after": email.utils.formatdate(1_000_030, usegmt=True)}, now=1_000_000) == 30
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None
    assert [s for s in (200, 400, 401, 404, 408, 422, 429, 500, 502, 503) if is_retried_status(s)] == [408, 429, 500, 502, 503]


def test_only_connection_failures_lasting_long_enough_pause_and_any_answer_resumes():
    now, changes = [0.0], []
    reach = Reachability(60, lambda paused, s: changes.append((paused, s)), clock=lambda: now[0])
    reach.connection_failed()
    now[0] = 59
    reach.connection_failed()
    assert not reach.paused
    reach.answered()  # an answer in between starts the count again
    now[0] = 100
    reach.connection_failed()
    now[0] = 160
    reach.connection_failed()
    assert reach.paused and changes == [(True, 60)]
    now[0] = 170
    reach.answered()
    assert not reach.paused and changes == [(True, 60), (False, 70)]


@pytest.mark.parametrize(("content", "finish_reason", "reason"), [
    ("", "stop", "empty"),
    ("  \n", "stop", "empty"),
    ("The capital of France is", "length", "length"),
    ("I'm sorry, but I can't help with that request.", "stop", "refusal"),
    ("I’m sorry, but I cannot provide that.", "stop", "refusal"),
    ("As an AI language model, I cannot browse the internet.", "stop", "refusal"),
    ("I am unable to assist with this.", "stop", "refusal"),
    ("Paris. " + "x" * 300 + " I cannot help noticing it is lovely.", "stop", None),
    ("Here are three tips: sleep, eat well, exercise.", "stop", None),
])
def test_answers_kept_aside_and_why(content, finish_reason, reason):
    assert reason_to_set_aside(content, finish_reason) == reason


def test_the_cache_key_follows_everything_that_decides_an_answer(tmp_path):
    messages = [{"role": "user", "content": "Hi"}]
    sampling = {"temperature": 0.7, "top_p": 1, "max_tokens": 32}
    key = request_key("http://h:1/v1", "m", messages, sampling)
    assert key == request_key("http://h:1/v1/", "m", [{"content": "Hi", "role": "user"}], dict(reversed(sampling.items())))
    others = {request_key("http://h:2/v1", "m", messages, sampling), request_key("http://h:1/v1", "m2", messages, sampling),
              request_key("http://h:1/v1", "m", [{"role": "user", "content": "Hi!"}], sampling),
              request_key("http://h:1/v1", "m", messages, {**sampling, "temperature": 0}),
              request_key("http://h:1/v1", "m", messages, {**sampling, "seed": 1})}
    assert key not in others and len(others) == 5

    path = tmp_path / "data" / "response-cache.sqlite"
    response = {"content": "Hello!", "finish_reason": "stop", "prompt_tokens": 9, "completion_tokens": 3}
    cache = ResponseCache(path)
    assert cache.get(key) is None
    cache.put(key, response)
    cache.close()
    other_job = ResponseCache(path)  # another job, later: same file
    assert other_job.get(key) == response


def test_an_endpoint_with_an_identity_keeps_its_keys_when_it_moves_to_another_port():
    embedded = {"base_url": "http://127.0.0.1:41001/v1", "model": "m", "identity": "embedded/m@sha256:ab12"}
    moved = {**embedded, "base_url": "http://127.0.0.1:52002/v1"}
    assert endpoint_identity(embedded) == endpoint_identity(moved) == "embedded/m@sha256:ab12"
    # Without one, the base URL is who answers.
    assert endpoint_identity({"base_url": "http://h:1/v1", "model": "m"}) == "http://h:1/v1"
    assert endpoint_identity({**embedded, "identity": "embedded/m@sha256:cd34"}) != endpoint_identity(embedded)


def test_the_journal_keeps_whole_lines_and_drops_a_torn_last_one(tmp_path):
    path = tmp_path / "answers.jsonl.journal"
    j = journal.Journal(path, fresh=True)
    j.append({"id": "a", "turn": 0})
    j.append({"id": "b", "turn": 0})
    j.close()
    with path.open("ab") as f:
        f.write(b'{"id": "c", "tu')  # killed mid-write
    assert [r["id"] for r in journal.read(path)] == ["a", "b"]
    j = journal.Journal(path, fresh=False)
    j.append({"id": "c", "turn": 0})
    j.close()
    assert [r["id"] for r in journal.read(path)] == ["a", "b", "c"]
    assert [r["id"] for r in journal.read(tmp_path / "none")] == []


def killed_after(tmp_path, code: str) -> None:
    """Runs `code` in a fresh Python process that then kills itself with SIGKILL: no close, no exit handlers."""
    script = textwrap.dedent(code) + "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr


def test_an_answer_is_in_the_journal_and_the_cache_as_soon_as_they_return_even_if_the_job_is_killed_then(tmp_path):
    # What a resume after kill -9 relies on, whenever the disk catches up with the writes (fsync).
    killed_after(tmp_path, """
        from pathlib import Path
        from distill.generate import journal
        from distill.generate.cache import ResponseCache
        j = journal.Journal(Path("answers.jsonl.journal"), fresh=True)
        j.append({"id": "a", "turn": 0})
        j.append({"id": "b", "turn": 0}, durable=False)
        ResponseCache(Path("cache.sqlite")).put("k", {"content": "Hi", "finish_reason": "stop", "prompt_tokens": 1,
                                                      "completion_tokens": 1})
    """)
    assert [r["id"] for r in journal.read(tmp_path / "answers.jsonl.journal")] == ["a", "b"]
    assert ResponseCache(tmp_path / "cache.sqlite").get("k") == {"content": "Hi", "finish_reason": "stop",
                                                                 "prompt_tokens": 1, "completion_tokens": 1}


def test_cost_from_prices_per_million_tokens():
    assert cost(2_000_000, 500_000, {"price_input_per_m": 0.5, "price_output_per_m": 2}) == 2.0
    assert cost(1000, 1000, {"price_output_per_m": 1}) == 0.001
    assert cost(1000, 1000, {}) is None


def test_an_answer_job_json_takes_defaults_and_names_a_bad_field():
    job = {"schema_version": 1, "id": "a", "kind": "answer", "created_at": "2026-01-01T00:00:00Z",
           "endpoint": {"base_url": "http://127.0.0.1:8080/v1", "model": "m"},
           "template": {"name": "answer", "version": 1, "text": "{prompt}"}}
    assert validation_errors("job.schema.json", job) == []
    filled = with_defaults("job.schema.json", job)
    assert filled["sampling"] == {"temperature": 0.7, "top_p": 1, "max_tokens": 1024}
    assert filled["retry"]["max_attempts"] == 8 and filled["endpoint"]["concurrency"] == 4
    assert filled["output"] == "answers.jsonl" and filled["cache"] is None
    bad = {**job, "sampling": {"max_tokens": 0}}
    assert any(e.startswith("sampling.max_tokens") for e in validation_errors("job.schema.json", bad))
    # The contract has no place for a key: the job reads it from its environment.
    assert "key" not in resources.files("distill").joinpath("schemas", "job.schema.json").read_text().lower()


def test_an_expansion_reply_is_read_as_its_list_of_instructions_whatever_its_shape():
    from distill.generate.instruction_list import numbered, parse

    reply = ("Here are five new instructions:\n\n"
             "1. What is 15% of 240?\n"
             "   - uses percentages\n"
             "2) Solve for x: 3x + 7 = 22.\n"
             "**3.** \"A train travels 180 km in 2.5 hours. What is its average speed?\"\n"
             "4. Fix the bug in this function:\n\n```python\ndef add(a, b):\n\n    return a - b\n```\n"
             "5. Instruction: Compute the sum of the first 100 odd numbers.\n\n"
             "I hope these help!")
    assert parse(reply) == ["What is 15% of 240?", "Solve for x: 3x + 7 = 22.",
                            "A train travels 180 km in 2.5 hours. What is its average speed?",
                            "Fix the bug in this function:\n```python\ndef add(a, b):\n\n    return a - b\n```",
                            "Compute the sum of the first 100 odd numbers."]
    assert parse("- Name three prime numbers.\n* Explain what a derivative is.\n- ok") == [
        "Name three prime numbers.", "Explain what a derivative is."]  # one kind of marker; too short dropped
    assert parse("Instruction 1: Convert 5 km to miles.\nInstruction 2: Divide 144 by 12 and") == [
        "Convert 5 km to miles.", "Divide 144 by 12 and"]
    assert parse("Instruction 1: Convert 5 km to miles.\nInstruction 2: Divide 144 by 12 and", cut_off=True) == [
        "Convert 5 km to miles."]  # the last item of a reply cut off by the length limit may be incomplete
    assert parse("New ones:\nConvert 5 km to miles.\nWhat is the square root of 144?") == [
        "Convert 5 km to miles.", "What is the square root of 144?"]  # no markers: one per line
    assert numbered(["a?", " b "]) == "1. a?\n\n2. b"


def test_minilm_finds_exact_and_near_duplicates_of_the_dataset_and_of_each_other():
    from distill.generate.dedup import Seen
    from distill.tagging.embedder import embedder

    dataset = {"d1": "What is 15% of 240?", "d2": "Write a short poem about the sea at night.",
               "d3": "Explain how photosynthesis works in plants."}
    seen = Seen(embedder("cpu").embed, 0.9, list(dataset), list(dataset.values()))
    new = {"n1": "what is 15%   of 240",                             # exact, once normalised
           "n2": "What is 15 percent of 240?",                       # paraphrases
           "n3": "Write a short poem about the sea at night time.",
           "n4": "Describe how photosynthesis works in plants.",
           "n5": "List three causes of the French Revolution.",      # unrelated: kept
           "n6": "Name three causes of the French Revolution.",      # a paraphrase of n5, new in the same batch
           "n7": "Translate 'good morning' into Spanish."}
    verdicts = dict(zip(new, seen.screen(list(new), list(new.values()))))
    assert {k: (v.kind, v.of) for k, v in verdicts.items() if v.kind} == {
        "n1": ("exact", "d1"), "n2": ("near", "d1"), "n3": ("near", "d2"), "n4": ("near", "d3"), "n6": ("near", "n5")}
    assert all(verdicts[k].similarity > 0.9 for k in ("n2", "n3", "n4", "n6"))
    assert verdicts["n5"].kind is None and verdicts["n7"].kind is None and verdicts["n7"].similarity < 0.9
    # What was kept is compared with from then on, exactly too.
    assert [v.kind for v in seen.screen(["m1", "m2"], ["Translate 'good morning' into Spanish!", "Describe a cat."])] == [
        "exact", None]
