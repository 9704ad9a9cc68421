#!/usr/bin/env bash
# LoCoMo: memory vs full-context vs no-memory with the same model, then comparison.md/.png.
#   scripts/locomo_compare.sh [FILES...]            (default: /work/shared/data/locomo/conv-42.json)
# Env: OUT (runs/locomo), ADAPTERS (default|none|DIR), EXTRA (extra args for every run, e.g.
# "--max-questions 50 --categories 1,2,3,4"), WITH_BASE=1 adds a memory run on the bare base (--adapters none).
# Each run resumes where it stopped (results.jsonl, ingest markers), so rerunning is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(/work/shared/data/locomo/conv-42.json)
OUT=${OUT:-runs/locomo}
ADAPTERS=${ADAPTERS:-default}
EXTRA=${EXTRA:-}
runs=()
for mode in memory full-context no-memory; do
  dir="$OUT/$mode-$(basename "$ADAPTERS")"
  # shellcheck disable=SC2086
  uv run memlora eval locomo "${FILES[@]}" --mode "$mode" --adapters "$ADAPTERS" --out "$dir" $EXTRA
  runs+=("$dir")
done
if [ "${WITH_BASE:-0}" = 1 ]; then
  # shellcheck disable=SC2086
  uv run memlora eval locomo "${FILES[@]}" --mode memory --adapters none --out "$OUT/memory-none" $EXTRA
  runs+=("$OUT/memory-none")
fi
uv run memlora eval locomo --compare "${runs[@]}" --out "$OUT"
