#!/usr/bin/env bash
# Measures `ecsforge synth` (wall time and peak RSS) and the clean release build.
# See bench/README.md. Raw results go to bench/out/<UTC timestamp>/ (bench/out/latest
# points at the newest run); a markdown table is printed at the end.
#
# Knobs (environment):
#   RUNS=10           timed runs per synth case
#   WARMUP=2          untimed warm-up runs per synth case
#   SIZES="100 250 500 1000 2000"   service counts for the generated manifests
#   SKIP_CLEAN_BUILD=1              skip (c), the clean build (takes minutes)
#   NO_HYPERFINE=1                  use the bash loop even if hyperfine is available
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SIZES=${SIZES:-"100 250 500 1000 2000"}
SKIP_CLEAN_BUILD=${SKIP_CLEAN_BUILD:-0}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW=$OUT/$STAMP
mkdir -p "$RAW"
ln -sfn "$STAMP" "$OUT/latest"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecsforge-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS=$RAW/results.tsv
printf 'case\tservices\tresources\tfiles\tbytes\tmean_s\tstddev_s\tmin_s\tmax_s\truns\tpeak_rss_kb\ttool\n' >"$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- environment
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(uname -srm), $(nproc) CPU(s)"
  grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true
  grep -m1 MemTotal /proc/meminfo 2>/dev/null || true
  cargo --version
  rustc --version
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo 'no commit') $(git status --porcelain 2>/dev/null | grep -q . && echo '(dirty)')"
} >"$RAW/env.txt"
cat "$RAW/env.txt" >&2

# ------------------------------------------------------------------ tools
if [[ ${NO_HYPERFINE:-0} != 1 ]] && ! command -v hyperfine >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  log "hyperfine missing; trying apt-get install -y hyperfine"
  { apt-get install -y hyperfine || { apt-get update && apt-get install -y hyperfine; }; } >"$RAW/apt-get.log" 2>&1 ||
    echo "apt-get failed (see $RAW/apt-get.log); falling back to a bash loop" >&2
fi
if [[ ${NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine >/dev/null 2>&1; then
  TOOL=hyperfine
  hyperfine --version >>"$RAW/env.txt"
else
  TOOL=loop
fi
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
  HAVE_TIME_V=1
else
  HAVE_TIME_V=0
  echo "/usr/bin/time -v unavailable (Debian: apt-get install time); peak RSS not measured" >&2
fi
echo "timing with: $TOOL" >&2

# ------------------------------------------------------------------ build
log "cargo build --release -p ecsforge-cli"
cargo build --release --locked -p ecsforge-cli
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR = /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
BIN=$TARGET_DIR/release/ecsforge
[[ -x $BIN ]] || { echo "no binary at $BIN" >&2; exit 1; }

# Per-run timings (seconds, one per line) -> "mean stddev min max runs".
stats() {
  python3 -c '
import statistics, sys
t = [float(x) for x in open(sys.argv[1]) if x.strip()]
sd = statistics.stdev(t) if len(t) > 1 else 0.0
print(f"{statistics.mean(t):.6f} {sd:.6f} {min(t):.6f} {max(t):.6f} {len(t)}")' "$1"
}

# Resources, files and bytes of the *.tf.json files under a directory.
output_size() {
  python3 -c '
import json, pathlib, sys
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.tf.json"))
resources = 0
for f in files:
    blocks = json.loads(f.read_text()).get("resource", {})
    for block in blocks if isinstance(blocks, list) else [blocks]:
        for names in block.values():
            for n in names if isinstance(names, list) else [names]:
                resources += len(n)
print(resources, len(files), sum(f.stat().st_size for f in files))' "$1"
}

# measure NAME SERVICES OUTDIR CMD... : times CMD (which writes into OUTDIR; the
# directory is emptied before every run, outside the timing) and records a result row.
measure() {
  local name=$1 services=$2 dir=$3
  shift 3
  local slug=${name//[^A-Za-z0-9]/_}
  local prep="$WORK/prep-$slug.sh"
  printf 'rm -rf %q && mkdir -p %q\n' "$dir" "$dir" >"$prep"
  log "$name: $*"
  local mean sd min max runs
  if [[ $TOOL == hyperfine ]]; then
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --prepare "bash $prep" \
      --command-name "$name" --export-json "$RAW/$slug.hyperfine.json" -- "$(printf '%q ' "$@")" >&2
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("\n".join(str(t) for t in r["times"]))' "$RAW/$slug.hyperfine.json" >"$RAW/$slug.times"
  else
    local i t0 t1
    : >"$RAW/$slug.times"
    for ((i = 0; i < WARMUP + RUNS; i++)); do
      bash "$prep"
      t0=$(date +%s.%N)
      "$@" >/dev/null
      t1=$(date +%s.%N)
      ((i < WARMUP)) || awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$RAW/$slug.times"
    done
  fi
  read -r mean sd min max runs < <(stats "$RAW/$slug.times")
  local rss=n/a
  bash "$prep"
  if [[ $HAVE_TIME_V == 1 ]]; then
    /usr/bin/time -v -o "$RAW/$slug.time-v.txt" "$@" >"$RAW/$slug.stdout" 2>"$RAW/$slug.stderr"
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RAW/$slug.time-v.txt")
  else
    "$@" >"$RAW/$slug.stdout" 2>"$RAW/$slug.stderr"
  fi
  local resources files bytes
  read -r resources files bytes < <(output_size "$dir")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$name" "$services" "$resources" "$files" "$bytes" "$mean" "$sd" "$min" "$max" "$runs" "$rss" "$TOOL" >>"$RESULTS"
}

# ------------------------------------------------- (a) twelve-services, --all
TWELVE=examples/twelve-services/ecsforge.yaml
measure "twelve-services --all" 12 "$WORK/a" "$BIN" synth "$TWELVE" --all -o "$WORK/a"

# ------------------------------------ (b) generated manifests, --env develop
for n in $SIZES; do
  python3 bench/gen_manifest.py "$n" >"$RAW/manifest-$n.yaml"
  measure "generated $n --env develop" "$n" "$WORK/b$n" "$BIN" synth "$RAW/manifest-$n.yaml" --env develop -o "$WORK/b$n"
done

# ------------------------------------------------------ (c) clean build
if [[ $SKIP_CLEAN_BUILD != 1 ]]; then
  CLEAN_TARGET=$OUT/target-clean
  log "clean release build of the workspace (CARGO_TARGET_DIR=$CLEAN_TARGET)"
  cargo fetch --locked >&2
  CARGO_TARGET_DIR=$CLEAN_TARGET cargo clean --release >&2
  t0=$(date +%s.%N)
  if [[ $HAVE_TIME_V == 1 ]]; then
    CARGO_TARGET_DIR=$CLEAN_TARGET /usr/bin/time -v -o "$RAW/clean-build.time-v.txt" \
      cargo build --release --workspace --locked 2>"$RAW/clean-build.stderr"
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RAW/clean-build.time-v.txt")
  else
    CARGO_TARGET_DIR=$CLEAN_TARGET cargo build --release --workspace --locked 2>"$RAW/clean-build.stderr"
    rss=n/a
  fi
  t1=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  printf 'clean build (release, workspace, %s jobs)\t-\t-\t-\t-\t%s\t0\t%s\t%s\t1\t%s\tdate\n' \
    "$(nproc)" "$secs" "$secs" "$secs" "$rss" >>"$RESULTS"
fi

# ------------------------------------------------------------------ report
python3 - "$RESULTS" "$RAW/results.md" <<'PY'
import csv, sys

def dur(s):
    s = float(s)
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
out = [
    "| Case | Services | Resources | Files | Output | Mean ± σ | Min | Max | Runs | Peak RSS | µs / resource |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    size = "-"
    if r["bytes"].isdigit():
        b = int(r["bytes"])
        size = f"{b / 1024:.0f} KiB" if b < 1024 * 1024 else f"{b / 1024 / 1024:.1f} MiB"
    rss = f"{int(r['peak_rss_kb']) / 1024:.1f} MiB" if r["peak_rss_kb"].isdigit() else r["peak_rss_kb"]
    per = (f"{float(r['mean_s']) * 1e6 / int(r['resources']):.1f}"
           if r["resources"].isdigit() and int(r["resources"]) > 0 else "-")
    out.append(
        f"| {r['case']} | {r['services']} | {r['resources']} | {r['files']} | {size} "
        f"| {dur(r['mean_s'])} ± {dur(r['stddev_s'])} | {dur(r['min_s'])} | {dur(r['max_s'])} "
        f"| {r['runs']} | {rss} | {per} |"
    )
text = "\n".join(out) + "\n"
open(sys.argv[2], "w").write(text)
print(text)
PY
echo "raw results: $RAW" >&2
