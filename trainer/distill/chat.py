"""`python -m distill chat MODEL_JSON`: a long-lived worker that answers chats with one model, token by token.

The studio (server/runs/chat-workers.ts) spawns one per model it is asked to try, and stops it when idle.
Protocol, JSON lines: stdin takes requests {"id", "messages": [{role, content}], "max_new_tokens"}; stdout
answers {"type": "ready"} once the model is loaded, then per request {"id", "type": "token", "text"} as the
text grows and {"id", "type": "done"} or {"id", "type": "error", "message"}. A load failure is one
{"type": "error", "message"} and exit status 2. Requests are answered one at a time, in order.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import IO, Iterator

import torch
from transformers import TextIteratorStreamer

from distill.contract import JobError
from distill.models import load_teacher, resolve_device

DEFAULT_MAX_NEW_TOKENS = 128


def prompt_text(tokenizer, messages: list[dict]) -> str:
    """The chat as the model was trained to read it; a tokenizer without a chat template gets the turns joined."""
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "\n\n".join(m["content"] for m in messages) + "\n\n"


def stream_answer(model, tokenizer, messages: list[dict], max_new_tokens: int) -> Iterator[str]:
    """Greedy answer pieces as generate() makes them; generation runs in a thread feeding the streamer."""
    device = next(model.parameters()).device
    inputs = tokenizer(prompt_text(tokenizer, messages), return_tensors="pt", add_special_tokens=False).to(device)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    failure: list[BaseException] = []

    def generate() -> None:
        try:
            with torch.no_grad():
                model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, streamer=streamer,
                               pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        except BaseException as e:  # re-raised in the caller's thread; the streamer must still end
            failure.append(e)
            streamer.end()

    thread = threading.Thread(target=generate, daemon=True)
    thread.start()
    for piece in streamer:
        if piece:
            yield piece
    thread.join()
    if failure:
        raise failure[0]


def _checked_request(request: dict) -> tuple[list[dict], int]:
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") in ("system", "user", "assistant")
            for m in messages):
        raise ValueError("messages must be a non-empty list of {role: system|user|assistant, content: text}")
    max_new = request.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)
    if not isinstance(max_new, int) or not 1 <= max_new <= 2048:
        raise ValueError("max_new_tokens must be a whole number from 1 to 2048")
    return messages, max_new


def serve(model, tokenizer, requests: IO[str], out: IO[str]) -> None:
    def send(**message) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    send(type="ready")
    for line in requests:
        if not line.strip():
            continue
        request_id = ""
        try:
            request = json.loads(line)
            request_id = str(request.get("id", ""))
            messages, max_new = _checked_request(request)
            for piece in stream_answer(model, tokenizer, messages, max_new):
                send(id=request_id, type="token", text=piece)
            send(id=request_id, type="done")
        except Exception as e:  # one bad request or failed generation must not end the worker
            send(id=request_id, type="error", message=f"{type(e).__name__}: {e}")


def main(model_ref: dict, base_dir: Path | None = None, device: str = "auto") -> int:
    try:
        model, tokenizer = load_teacher(model_ref, resolve_device(device), base_dir)
    except (JobError, OSError, ValueError) as e:
        sys.stdout.write(json.dumps({"type": "error", "message": str(e)}) + "\n")
        sys.stdout.flush()
        return 2
    serve(model, tokenizer, sys.stdin, sys.stdout)
    return 0
