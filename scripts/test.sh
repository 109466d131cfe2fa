#!/usr/bin/env bash
# `npm test`: install what is missing (Chromium from Debian too) and run every test: the dependency rules,
# TypeScript unit tests, Python tests, then Playwright browser tests in Debian's Chromium against a built studio.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium from Debian"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null || { echo "could not install chromium"; exit 1; }
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 NEXT_TELEMETRY_DISABLED=1
failed=()

echo "== dependency rules (.dependency-cruiser.cjs)"
npm run --silent depcheck || failed+=(depcheck)

echo "== TypeScript unit tests"
npx vitest run || failed+=(vitest)

echo "== Python tests"
.venv/bin/python -m pytest trainer/tests -q || failed+=(pytest)

echo "== browser tests"
bash scripts/build.sh && npx playwright test || failed+=(playwright)

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
