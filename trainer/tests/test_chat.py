"""`python -m distill chat`: the worker the studio's Try-it panel talks to, with the real embedded SmolLM2."""

from __future__ import annotations

import json
import subprocess
import sys

from distill.chat import prompt_text
from distill.models import load_tokenizer


def test_prompt_uses_the_chat_template():
    tokenizer = load_tokenizer({"source": "embedded"})
    text = prompt_text(tokenizer, [{"role": "user", "content": "Name a colour."}])
    assert "Name a colour." in text and text.rstrip().endswith("assistant")


def test_worker_streams_tokens_then_done_and_survives_a_bad_request():
    worker = subprocess.Popen([sys.executable, "-m", "distill", "chat", json.dumps({"source": "embedded"}), "--device", "cpu"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(worker.stdout.readline()) == {"type": "ready"}
        worker.stdin.write(json.dumps({"id": "bad", "messages": "hello"}) + "\n")
        worker.stdin.write(json.dumps({"id": "a", "messages": [{"role": "user", "content": "What is 2 + 2?"}],
                                       "max_new_tokens": 8}) + "\n")
        worker.stdin.flush()
        bad = json.loads(worker.stdout.readline())
        assert bad["id"] == "bad" and bad["type"] == "error" and "messages must be" in bad["message"]
        tokens = []
        while (line := json.loads(worker.stdout.readline()))["type"] == "token":
            assert line["id"] == "a"
            tokens.append(line["text"])
        assert line == {"id": "a", "type": "done"}
        assert len(tokens) >= 2 and "".join(tokens).strip()
    finally:
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0


def test_a_model_that_does_not_exist_is_one_error_line_and_status_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "distill", "chat",
                             json.dumps({"source": "dir", "path": str(tmp_path / "nowhere")})],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    message = json.loads(result.stdout)
    assert message["type"] == "error" and "does not exist" in message["message"]
