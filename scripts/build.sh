#!/usr/bin/env bash
# Builds the Next.js app unless the sources are unchanged since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time: concurrent `next build`s in one .next folder corrupt each other.
exec 9>"${TMPDIR:-/tmp}/distill-studio-build.lock"
flock 9
src_stamp=$( (git rev-parse HEAD 2>/dev/null; git status --porcelain 2>/dev/null; git diff 2>/dev/null) | sha256sum | cut -c1-16)
# The build is the Next app and the ingest worker bundled into one JS file (`next start` runs it; see
# server/jobs/command.ts).
if [ "$(cat .next/.distill-stamp 2>/dev/null)" != "$src_stamp" ] || [ ! -f .next/BUILD_ID ] || [ ! -f .next/ingest-worker.mjs ]; then
  echo "== building the studio"
  NEXT_TELEMETRY_DISABLED=1 npx next build
  bash scripts/build-ingest-worker.sh
  echo "$src_stamp" > .next/.distill-stamp
fi
