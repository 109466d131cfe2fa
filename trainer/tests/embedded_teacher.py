"""The embedded teacher for the generation jobs' tests: conftest's llama-cpp-python server with the
SmolLM2-135M-Instruct GGUF (started once per test module, requiring EMBEDDED_KEY), a fault-injecting proxy
(fault_proxy.py) in front of it, and helpers to write, run and kill generation jobs. Import the fixtures into a
test module to use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import EMBEDDED_KEY as KEY
from conftest import distill_cli, free_port, server_port  # noqa: F401 (free_port and the fixture, for the test modules)
from fault_proxy import FaultProxy


@pytest.fixture
def proxy(server_port):
    started = FaultProxy(server_port).start()
    yield started
    started.stop()


def job_env(key: str = KEY) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DISTILL_RESPONSE_CACHE"}
    return {**env, "DISTILL_ENDPOINT_KEY": key}


def run_cli(run_dir: Path, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    done = subprocess.run(distill_cli(run_dir, *args), env=job_env(key), capture_output=True, text=True, timeout=600)
    (run_dir / "job.log").write_text(done.stdout + done.stderr)  # what the studio keeps of a job's output
    return done


def write_run(run_dir: Path, job: dict, rows: list[dict]) -> Path:
    """A run folder holding `job` as job.json and `rows` as data/rows.jsonl."""
    (run_dir / "data").mkdir(parents=True, exist_ok=True)
    (run_dir / "data" / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run_dir / "job.json").write_text(json.dumps(job, indent=2))
    return run_dir


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def kill_once_journaled(run_dir: Path, journal: Path, records: int, within_s: float = 300) -> set[str]:
    """Runs the job in `run_dir`, kills it with SIGKILL once its journal holds `records` answers (or it ended, or
    `within_s` ran out), and returns the ids of the rows the journal holds then."""
    job = subprocess.Popen(distill_cli(run_dir), env=job_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + within_s
    while len(jsonl(journal)) < records and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    return {r["id"] for r in jsonl(journal)}
