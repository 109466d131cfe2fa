"""Shared fixtures: real rows from ../shared/datasets and run folders (job.json, data, plan.json) to run the
trainer's CLI on, as the studio would write them."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("DISTILL_SHARED_DATASETS") or REPO_ROOT.parent / "shared" / "datasets")


def alpaca_rows(n: int, offset: int = 0) -> list[dict]:
    """Rows {id, messages} from alpaca_en_demo.json: instruction (+ input) as the user turn, output as the
    assistant turn; ids are alpaca-<index> so train and eval slices never collide."""
    records = json.loads((DATASETS / "alpaca_en_demo.json").read_text())[offset:offset + n]
    rows = []
    for i, r in enumerate(records, start=offset):
        user = r["instruction"] + (f"\n\n{r['input']}" if r.get("input") else "")
        rows.append({"id": f"alpaca-{i}", "messages": [{"role": "user", "content": user},
                                                         {"role": "assistant", "content": r["output"]}]})
    return rows


def plain_plan(sample_ids: list[str], epochs: int = 1, temperature: float = 1.0, kd_weight: float = 1.0) -> dict:
    return {"schema_version": 1, "source": "plain",
            "stages": [{"stage": 1, "sample_ids": sample_ids, "epochs": epochs, "temperature": temperature,
                        "kd_weight": kd_weight}]}


def small_train_job(**overrides) -> dict:
    """A train job small enough for two shared CPU cores: embedded teacher, 6-layer pruned student,
    batch 2, 128 tokens. Keyword overrides replace top-level fields."""
    job = {
        "schema_version": 1, "id": "test-train", "kind": "train", "created_at": "2026-01-01T00:00:00Z",
        "seed": 10, "device": "cpu",
        "teacher": {"source": "embedded"},
        "student": {"source": "pruned", "num_layers": 6},
        "loss": {"name": "fkl"},
        "optim": {"lr": 3e-4, "batch_size": 2, "grad_accum": 1},
        "max_length": 128, "max_prompt_length": 64,
        "checkpoint_every": 0,
        "eval": {"every": 0, "max_new_tokens": 8, "num_prompts": 2},
    }
    job.update(overrides)
    return job


def write_run_dir(run_dir: Path, job: dict, train_rows: list[dict], eval_rows: list[dict] | None = None,
                  plan: dict | None = None) -> Path:
    """A run folder: job.json, data/train.jsonl, data/eval.jsonl (when given) and plan.json (plain by default)."""
    (run_dir / "data").mkdir(parents=True, exist_ok=True)
    if eval_rows is not None:
        (run_dir / "data" / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in eval_rows))
    elif job.get("kind") == "train":
        job = {**job, "eval_data": None}
    (run_dir / "job.json").write_text(json.dumps(job, indent=2))
    (run_dir / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train_rows))
    plan = plan or plain_plan([r["id"] for r in train_rows])
    (run_dir / "plan.json").write_text(json.dumps(plan, indent=2))
    return run_dir


def read_events(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def distill_cli(run_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "distill", "run", str(run_dir), *args]


def run_cli(run_dir: Path, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    """`python -m distill run RUN_DIR ...` as the studio starts it, in a real process."""
    return subprocess.run(distill_cli(run_dir, *args), capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def make_run_dir(tmp_path):
    """Factory: make_run_dir(job, train_rows, eval_rows=None, plan=None, name="run") → a written run folder."""
    def make(job: dict, train_rows: list[dict], eval_rows: list[dict] | None = None, plan: dict | None = None,
             name: str = "run") -> Path:
        return write_run_dir(tmp_path / name, job, train_rows, eval_rows, plan)
    return make


EMBEDDED_KEY = f"sk-distill-test-{secrets.token_hex(12)}"


@pytest.fixture(scope="module")
def tiny_teacher(tmp_path_factory):
    """A random 3-layer Llama with tied embeddings and the embedded model's tokenizer, saved as a model folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from distill.models import load_tokenizer

    tokenizer = load_tokenizer({"source": "embedded"})
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, head_dim=8, intermediate_size=64,
                         num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    path = tmp_path_factory.mktemp("tiny-teacher")
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path, tokenizer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_port(tmp_path_factory):
    """The embedded teacher behind llama-cpp-python's OpenAI-compatible server, requiring EMBEDDED_KEY; started
    once per test module."""
    pytest.importorskip("llama_cpp.server", reason="the embedded teacher's server (llama-cpp-python[server]) is not installed")
    from distill.embedded import embedded_gguf_path

    port = free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with log_path.open("wb") as log:
        # chatml: the template in the GGUF's metadata makes this model answer nonsense (../shared/FACTS.md).
        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf_path()),
                                   "--chat_format", "chatml", "--host", "127.0.0.1", "--port", str(port), "--api_key",
                                   EMBEDDED_KEY, "--n_ctx", "2048"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models",
                                             headers={"Authorization": f"Bearer {EMBEDDED_KEY}"})
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
