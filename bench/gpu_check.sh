#!/usr/bin/env bash
# Issue 16's GPU check as one command, ≤ 8 min on an H200 (bench/README.md, "gpu_check.sh"):
#   1. On a CPU machine with PyPI, after committing (the carry holds HEAD's trainer/ and bench/):
#        bash bench/gpu_check.sh prepare          # .gpu-kit/ from ../shared/gpu-kit, its carry built (~22 MiB)
#   2. There too, tiny random models on the CPU:  DRY=1 OUT=/tmp/gpucheck-dry bash bench/gpu_check.sh
#   3. On the GPU machine, from the repository root, carrying .gpu-kit:  OUT=<folder> bash bench/gpu_check.sh
# Phases: gpu-kit's run.sh (install, imports, random-init SmolLM2-shaped models, SMALL and LARGE bench at batch
# 8 × 512 with one pass per side, as in gpu-kit's "before" table, and the end-to-end SIGTERM / --resume job on
# CUDA); then bench/trainer_throughput.py on LARGE and SMALL at batch $BEST_BATCH (default 32, where gpu-kit
# found the most tokens/s) over any row length, the sides alternating over $REPEATS (2) repeats; then
# bench/gpu_profile.py on LARGE (speed.precision fp32 against auto, and profiler tables). Each phase gets what is
# left of the 8 minutes at most; $OUT/summary.txt gathers the tables. PACK=1: our side of phase 2 packs each
# micro-batch's rows (speed.pack), whose padding at batch 32 over rows of any length gpu-kit put at ~60 %.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$ROOT/.gpu-kit
CARRY=$KIT/carry

if [ "${1:-}" = prepare ]; then
  set -e
  [ -d "$KIT" ] || cp -r "$ROOT/../shared/gpu-kit" "$KIT"
  EXCLUDE=$(git -C "$ROOT" rev-parse --git-path info/exclude)
  grep -qx '/.gpu-kit/' "$EXCLUDE" 2>/dev/null || echo /.gpu-kit/ >> "$EXCLUDE"
  # The bench takes the teacher and the student itself now ($BENCH_TEACHER / $BENCH_STUDENT, which run.sh sets):
  # gpu-kit's bench.patch is not needed, and no longer applies.
  : > "$KIT/bench.patch"
  PY=${PY:-$ROOT/.venv/bin/python} MAIN=$ROOT bash "$KIT/build_carry.sh"
  # The dry run's peer: the carried TRL (pure Python) and what it imports that the venv lacks.
  rm -rf "$KIT/dry-whl" && mkdir "$KIT/dry-whl"
  cp "$CARRY"/whl/six-*.whl "$CARRY"/whl/trl-*.whl "$KIT/dry-whl/"
  "${PY:-$ROOT/.venv/bin/python}" -m pip download -q --no-deps --only-binary=:all: accelerate psutil -d "$KIT/dry-whl"
  exit 0
fi

: "${OUT:?set OUT to an output folder}"
[ -f "$CARRY/project/bench/gpu_profile.py" ] || { echo "no $CARRY with this bench: run 'bash bench/gpu_check.sh prepare' first"; exit 2; }
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
DRY=${DRY:-0}
T0=$(date +%s)
REPEATS=${REPEATS:-2}
PACK_ARG=; [ "${PACK:-0}" = 1 ] && PACK_ARG=--pack
if [ "$DRY" = 1 ]; then
  SFX=-dry; DEV=cpu; BUDGET=${BUDGET:-1800}; BEST_BATCH=${BEST_BATCH:-2}; LEN=128; STEPS=3; WARM=1
  PY=${PY:-$ROOT/.venv/bin/python}
  # The carried wheels are for the GPU machine's Python 3.12: a dry run installs only pure-Python ones, those
  # the venv lacks (prepare's dry-whl: six, TRL, accelerate), and otherwise uses the venv's own packages.
  [ -d "$KIT/dry-whl" ] || { echo "no $KIT/dry-whl: run 'bash bench/gpu_check.sh prepare' again"; exit 2; }
  export WHL=$KIT/dry-whl EXTRA_PYTHONPATH=${EXTRA_PYTHONPATH:-}
else
  SFX=; DEV=cuda; BUDGET=${BUDGET:-480}; BEST_BATCH=${BEST_BATCH:-32}; LEN=512; STEPS=10; WARM=3
  PY=${PY:-python3}
fi
MODELS=/tmp/models$SFX  # where run.sh builds them
SITE=/tmp/gpucheck$SFX/site-packages
LOG=$OUT/gpu_check.log
: > "$LOG"
left() { echo $(( BUDGET - $(date +%s) + T0 )); }
phase() { printf '=== [%s +%ss, %ss left] %s\n' "$(date -u +%H:%M:%S)" "$(( $(date +%s) - T0 ))" "$(left)" "$*" | tee -a "$LOG"; }

phase "gpu-kit run.sh (DRY=$DRY), its files in $OUT/kit"
# run.sh's own phases are each under a timeout; the whole is bounded by what is left.
BENCH_REPEATS=1 DRY=$DRY PY=$PY OUT=$OUT/kit timeout --kill-after=5 "$(left)" bash "$KIT/run.sh" >> "$LOG" 2>&1
echo "kit=$?" > "$OUT/exit_codes.txt"

export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export HF_HOME=/tmp/gpucheck$SFX/hf DISTILL_CACHE=/tmp/gpucheck$SFX/distill-cache TRL_EXPERIMENTAL_SILENCE=1
export DISTILL_SHARED_DATASETS=$CARRY/shared/datasets
export PYTHONPATH=$SITE:$CARRY/project/trainer${EXTRA_PYTHONPATH:+:$EXTRA_PYTHONPATH}

bench() {  # NAME LIMIT TEACHER_JSON STUDENT_JSON
  local limit=$2 rest
  rest=$(left); [ "$rest" -lt "$limit" ] && limit=$rest
  if [ "$limit" -lt 20 ]; then phase "$1: skipped, ${limit}s left"; echo "$1=skipped" >> "$OUT/exit_codes.txt"; return; fi
  phase "$1: trainer_throughput.py at batch $BEST_BATCH × $LEN, $REPEATS repeats (limit ${limit}s)"
  timeout --kill-after=5 "$limit" "$PY" "$CARRY/project/bench/trainer_throughput.py" --device "$DEV" \
    --teacher "$3" --student "$4" --batch-size "$BEST_BATCH" --max-length "$LEN" --min-length 0 --steps "$STEPS" \
    --warmup-steps "$WARM" --repeats "$REPEATS" $PACK_ARG > "$OUT/$1.jsonl" 2>> "$LOG"
  echo "$1=$?" >> "$OUT/exit_codes.txt"
}
bench large_best 200 "{\"source\": \"dir\", \"path\": \"$MODELS/smol1.7b\"}" "{\"source\": \"dir\", \"path\": \"$MODELS/smol360\"}"
bench small_best 120 "{\"source\": \"dir\", \"path\": \"$MODELS/smol135\"}" '{"source": "pruned", "num_layers": 6}'

limit=$(left)
if [ "$limit" -ge 30 ]; then
  phase "profile: gpu_profile.py on LARGE at batch $BEST_BATCH (limit ${limit}s)"
  timeout --kill-after=5 "$limit" "$PY" "$CARRY/project/bench/gpu_profile.py" --device "$DEV" \
    --teacher "$MODELS/smol1.7b" --student "$MODELS/smol360" --datasets "$DISTILL_SHARED_DATASETS" --out "$OUT" \
    --batch-size "$BEST_BATCH" --max-length "$LEN" --steps "$STEPS" --warmup-steps "$WARM" >> "$LOG" 2>&1
  echo "profile=$?" >> "$OUT/exit_codes.txt"
else
  phase "profile: skipped, ${limit}s left"; echo "profile=skipped" >> "$OUT/exit_codes.txt"
fi

phase "summary ($OUT/summary.txt)"
"$PY" - "$OUT" > "$OUT/summary.txt" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
def lines(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.startswith("{")] if path.exists() else []
kit = out / "kit" / "summary.txt"
print("## gpu-kit run.sh (batch 8 × 512, one pass per side)\n" + (kit.read_text() if kit.exists() else "missing\n"))
for name in ("large_best", "small_best"):
    print(f"## {name}: medians over the repeats (ratio = median of per-repeat ours / TRL)")
    for r in lines(out / f"{name}.jsonl"):
        if r.get("repeat") == "median":
            print(f"  {r['metric']}: ours {r['value']} {r['unit']}, TRL {r['peer_value']}, ratio {r['ratio']} "
                  f"(per repeat {r['per_repeat_ratios']}; batch {r['batch_size']}; speed {r.get('speed', {})})")
print("## gpu_profile.py (LARGE)")
for r in lines(out / "profile_summary.jsonl"):
    print("  " + json.dumps(r))
print("## exit codes\n" + (out / "exit_codes.txt").read_text())
EOF
cat "$OUT/summary.txt"
phase "end"
