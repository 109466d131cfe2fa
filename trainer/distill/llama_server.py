"""`python -m distill.llama_server [LLAMA_SERVER_ARGS...]`: llama-cpp-python's OpenAI-compatible server
(`python -m llama_cpp.server`) for the embedded SmolLM2-135M-Instruct GGUF, as the studio's embedded endpoint
(server/endpoints/embedded-server.ts) runs it.

It adds four things to llama_cpp.server: `--model` is the embedded GGUF, found without loading torch; the first
line it prints names the GGUF by the SHA-256 of its content (IDENTITY_PREFIX), which the studio makes the
endpoint's identity; prompts are processed with as many threads as tokens are generated with, unless
`--n_threads_batch` says otherwise (batch_threads); and the server exits when its stdin closes. The studio holds
the other end of that pipe, so the server goes when the studio goes, even when the studio is killed with SIGKILL
and cannot stop it.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import runpy
import sys
import threading

from distill.contract import JobError
from distill.embedded import embedded_gguf_path


IDENTITY_PREFIX = "distill.llama_server: serving GGUF sha256:"


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def batch_threads(args: list[str]) -> list[str]:
    """`args` with `--n_threads_batch` set to the generation's thread count when they do not set it.

    llama-cpp-python's default is every logical CPU for prompts but half of them for generation. Its threads
    spin-wait for each other at every step of the graph, so on a machine where anything else runs (the studio, a
    training job) one of them off the CPU stalls the rest: on the 2-core dev VM at load ~18 a 16-token answer
    took 2.3 s of server CPU with 2 prompt threads and 0.4 s with 1 (bench/README.md, generation_throughput.py)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--n_threads", type=int, default=max(multiprocessing.cpu_count() // 2, 1))  # llama_cpp's
    parser.add_argument("--n_threads_batch", type=int)
    given, _ = parser.parse_known_args(args)
    return args if given.n_threads_batch is not None else [*args, "--n_threads_batch", str(given.n_threads)]


def _exit_when_stdin_closes() -> None:
    sys.stdin.buffer.read()
    # The server runs in the main thread (uvicorn); os._exit ends it without waiting for its requests.
    os._exit(0)


def main() -> None:
    try:
        model = embedded_gguf_path()
    except JobError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"{IDENTITY_PREFIX}{_sha256(model)} ({model.name})", flush=True)
    threading.Thread(target=_exit_when_stdin_closes, daemon=True, name="stdin-watch").start()
    sys.argv = ["llama_cpp.server", "--model", str(model), *batch_threads(sys.argv[1:])]
    try:
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    # A normal interpreter shutdown aborts (SIGABRT) on the watcher thread blocked reading stdin.
    os._exit(code)


if __name__ == "__main__":
    main()
