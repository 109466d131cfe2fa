"""The embedded teacher for the generation jobs' tests: llama-cpp-python's OpenAI-compatible server with the
SmolLM2-135M-Instruct GGUF, started once per test module, with an API key it requires, and a fault-injecting
proxy (fault_proxy.py) in front of it. Import the fixtures into a test module to use them."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import distill_cli
from fault_proxy import FaultProxy

from distill.models import embedded_gguf_path

KEY = f"sk-distill-test-{secrets.token_hex(12)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_port(tmp_path_factory):
    port = free_port()
    gguf = embedded_gguf_path()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with log_path.open("wb") as log:
        # chatml: the template in the GGUF's metadata makes this model answer nonsense (../shared/FACTS.md).
        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--chat_format",
                                   "chatml", "--host", "127.0.0.1", "--port", str(port), "--api_key", KEY,
                                   "--n_ctx", "2048"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models",
                                             headers={"Authorization": f"Bearer {KEY}"})
            with urllib.request.urlopen(request, timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the llama server did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
    yield port
    server.terminate()
    server.wait(timeout=30)


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
