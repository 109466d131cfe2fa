#!/usr/bin/env bash
# `npm run studio`: install what is missing, build, and serve the studio at http://127.0.0.1:3000.
# HOST and PORT override the address; DISTILL_DATA_DIR the data folder (default ./data, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
export DISTILL_DATA_DIR="${DISTILL_DATA_DIR:-$PWD/data}"
mkdir -p "$DISTILL_DATA_DIR"
echo "== Distill Studio on http://${HOST:-127.0.0.1}:${PORT:-3000} (data in $DISTILL_DATA_DIR)"
exec npx next start -H "${HOST:-127.0.0.1}" -p "${PORT:-3000}"
