#!/usr/bin/env bash
# Measures `ecsforge cost` (whole process, release build): the largest example
# with --all, --compare egress and --diff, and a generated platform.
#
#   bench/cost.sh                  # twelve-services + a 1,000-service manifest
#   SERVICES=2000 RUNS=5 bench/cost.sh
#
# Needs hyperfine (falls back to a bash loop), python3 for bench/gen_manifest.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SERVICES=${SERVICES:-1000}
RUNS=${RUNS:-10}
OUT="$ROOT/bench/out/cost-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
cargo build -q --release -p ecsforge-cli
E="$ROOT/target/release/ecsforge"
M=examples/twelve-services/ecsforge.yaml
python3 bench/gen_manifest.py "$SERVICES" > "$OUT/generated.yaml"
G="$OUT/generated.yaml"

cases=(
  "twelve-services cost --all|$E cost $M --all"
  "twelve-services cost --all --format json|$E cost $M --all --format json"
  "twelve-services cost --compare egress|$E cost $M --compare egress"
  "twelve-services cost --diff (self)|$E cost --diff $M $M"
  "generated $SERVICES cost --all|$E cost $G --all"
)
for c in "${cases[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  $cmd > "$OUT/$(echo "$name" | tr ' /' '__').out"
  rss=$(/usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1)
  if command -v hyperfine > /dev/null && [ "${NO_HYPERFINE:-0}" != 1 ]; then
    hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/tmp.json" "$cmd" > /dev/null
    mean=$(python3 -c "import json; r=json.load(open('$OUT/tmp.json'))['results'][0]; print(f\"{r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f} ms\")")
  else
    s=$(date +%s.%N); for _ in $(seq "$RUNS"); do $cmd > /dev/null; done; e=$(date +%s.%N)
    mean=$(python3 -c "print(f'{($e-$s)/$RUNS*1000:.1f} ms')")
  fi
  printf '| %s | %s | %s MiB |\n' "$name" "$mean" "$(python3 -c "print(round($rss/1024,1))")" | tee -a "$OUT/results.md"
done
echo "results: $OUT/results.md"
