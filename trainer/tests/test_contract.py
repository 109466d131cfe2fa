"""The job contract's validation (distill.contract): a valid document passes without importing jsonschema, whose
import is most of a cached re-run's start-up (bench/README.md), and a document that breaks a schema is still
refused with jsonschema's message naming the field."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import distill_cli

from distill.contract import validate, validation_errors

ANSWER_JOB = {"schema_version": 1, "id": "a", "kind": "answer", "created_at": "2026-01-01T00:00:00Z",
              "endpoint": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "concurrency": 2, "timeout_s": 30},
              "sampling": {"temperature": 0, "top_p": 1, "max_tokens": 8},
              "template": {"name": "answer", "version": 1, "text": "{prompt}"}, "cache": None}


def test_a_valid_job_and_its_events_are_checked_without_importing_jsonschema(tmp_path):
    (tmp_path / "job.json").write_text(json.dumps(ANSWER_JOB))
    script = ("import sys; from pathlib import Path; from distill.contract import read_valid_json; "
              "from distill.events import EventWriter; "
              f"job = read_valid_json(Path({str(tmp_path / 'job.json')!r}), 'job.schema.json'); "
              f"events = EventWriter(Path({str(tmp_path / 'events.jsonl')!r})); "
              "events.log('hello'); events.progress(1, 2, 'rows'); "
              "print(job['sampling']['max_tokens'], 'jsonschema' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "False"]


def test_a_job_json_that_breaks_the_schema_is_refused_with_the_field_and_jsonschemas_message(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "job.json").write_text(json.dumps({**ANSWER_JOB, "sampling": {**ANSWER_JOB["sampling"], "max_tokens": 0}}))
    done = subprocess.run(distill_cli(run_dir), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "sampling.max_tokens: 0 is less than the minimum of 1" in done.stdout + done.stderr


@pytest.mark.parametrize("name, document, message", [
    ("job.schema.json", {**ANSWER_JOB, "endpoint": {**ANSWER_JOB["endpoint"], "concurrency": "2"}},
     "endpoint.concurrency: '2' is not of type 'integer'"),
    ("job.schema.json", {k: v for k, v in ANSWER_JOB.items() if k != "template"},
     "the document: 'template' is a required property"),
    # Python values JSON has no one spelling for: the compiled check must refuse them as jsonschema does.
    ("job.schema.json", {**ANSWER_JOB, "sampling": {**ANSWER_JOB["sampling"], "max_tokens": True}},
     "sampling.max_tokens: True is not of type 'integer'"),
    ("job.schema.json", {**ANSWER_JOB, "sampling": {**ANSWER_JOB["sampling"], "max_tokens": 10**30}},
     "sampling.max_tokens: 1000000000000000000000000000000 is greater than the maximum of 9007199254740991"),
    ("event.schema.json", {"seq": 1, "time": 1.0, "type": "log", "level": "loud", "message": "x"}, None),
])
def test_what_breaks_a_schema_gets_jsonschemas_messages_and_error(name, document, message):
    errors = validation_errors(name, document)
    assert errors and (message is None or message in errors)
    with pytest.raises(jsonschema.ValidationError):
        validate(name, document)
    assert validation_errors(name, ANSWER_JOB if name == "job.schema.json" else
                             {"seq": 1, "time": 1.0, "type": "log", "level": "info", "message": "x"}) == []
