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

# vitest runs its files one at a time on two cores (it keeps a core free) and waits on the real trainers and
# servers they start, so pytest runs beside it and then beside the studio's build; its output is shown whole when
# it ends.
pytest_log=$(mktemp)
.venv/bin/python -m pytest trainer/tests -q --durations=15 >"$pytest_log" 2>&1 &
pytest_pid=$!
# Background commands ignore Ctrl-C in a script: stop pytest with it, or with a kill of this script.
trap 'kill $pytest_pid 2>/dev/null' EXIT
echo "== TypeScript unit tests (Python tests run beside them)"
npx vitest run || failed+=(vitest)
echo "== building the studio for the browser tests (Python tests still beside it)"
bash scripts/build.sh; built=$?
echo "== Python tests"
wait $pytest_pid || failed+=(pytest)
trap - EXIT
cat "$pytest_log"
rm -f "$pytest_log"

echo "== browser tests"
[ $built = 0 ] && npx playwright test || failed+=(playwright)

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
