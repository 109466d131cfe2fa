"""The arguments distill.llama_server gives llama-cpp-python's server."""

from __future__ import annotations

import multiprocessing

from distill.llama_server import batch_threads


def test_prompts_get_the_generations_thread_count_unless_the_caller_sets_one():
    # llama-cpp-python's own defaults: half the CPUs generate, all of them process prompts (bench/README.md).
    generation_threads = max(multiprocessing.cpu_count() // 2, 1)
    assert batch_threads(["--n_ctx", "2048"]) == ["--n_ctx", "2048", "--n_threads_batch", str(generation_threads)]
    assert batch_threads(["--n_threads", "3"]) == ["--n_threads", "3", "--n_threads_batch", "3"]
    assert batch_threads(["--n_threads", "3", "--n_threads_batch", "2"]) == ["--n_threads", "3", "--n_threads_batch", "2"]
