#!/usr/bin/env bash
# Measures `ecsforge check` on Terraform plan JSON against a bare serde_json
# parse of the same file and against checkov (`checkov -f plan.json
# --framework terraform_plan`), whole-process wall time and peak RSS.
#
#   bench/check.sh                 # twelve-services prod plan + a ~10,000-resource plan
#   SERVICES=250 bench/check.sh    # size of the generated plan (about 20 resources per service)
#   SKIP_CHECKOV=1 bench/check.sh  # without checkov
#
# Needs terraform and the /opt/tf-plugins mirror (plans are made offline), python3.
# checkov is installed into bench/.venv (created here) from PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SERVICES=${SERVICES:-500}
RUNS=${RUNS:-5}
OUT="$ROOT/bench/out/check-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 AWS_EC2_METADATA_DISABLED=true
TFRC="$OUT/terraform.rc"
printf 'provider_installation {\n  filesystem_mirror {\n    path    = "/opt/tf-plugins"\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n' > "$TFRC"
export TF_CLI_CONFIG_FILE="$TFRC"

echo "== build (release)"
cargo build -q --release -p ecsforge-cli
cargo build -q --release -p ecsforge-ingest --example bare_parse
ECSFORGE="$ROOT/target/release/ecsforge"
BARE="$ROOT/target/release/examples/bare_parse"

# plan_json MANIFEST ENV NAME: synth, terraform plan offline, show -json > $OUT/NAME.plan.json
plan_json() {
  local manifest=$1 env=$2 name=$3 dir="$OUT/$3"
  "$ECSFORGE" synth "$manifest" --env "$env" -o "$dir" > /dev/null
  cd "$dir/$env"
  echo '{"terraform":{"backend":{"local":{}}}}' > zz_local_backend_override.tf.json
  echo '{"provider":{"aws":{"access_key":"test","secret_key":"test","skip_credentials_validation":true,"skip_requesting_account_id":true,"skip_metadata_api_check":true}}}' > zz_provider_override.tf.json
  terraform init -input=false -no-color > "$OUT/$name.init.log"
  /usr/bin/time -f "%e s, %M KB" -o "$OUT/$name.plan.time" terraform plan -refresh=false -input=false -lock=false -no-color -out=plan.bin > "$OUT/$name.plan.log"
  terraform show -json plan.bin > "$OUT/$name.plan.json"
  cd "$ROOT"
  echo "$name: $(python3 -c "import json,sys; d=json.load(open('$OUT/$name.plan.json')); print(len(d['resource_changes']), 'resources')"), $(du -h "$OUT/$name.plan.json" | cut -f1), terraform plan took $(cat "$OUT/$name.plan.time")"
}

echo "== plans"
plan_json examples/twelve-services/ecsforge.yaml prod twelve-prod
python3 bench/gen_manifest.py "$SERVICES" > "$OUT/generated.yaml"
plan_json "$OUT/generated.yaml" develop generated

if [ "${SKIP_CHECKOV:-0}" != 1 ]; then
  echo "== checkov (bench/.venv)"
  [ -x bench/.venv/bin/checkov ] || { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q checkov; }
  bench/.venv/bin/checkov --version
fi

# measure NAME CMD...: mean wall seconds over $RUNS runs, and peak RSS of one run
measure() {
  local name=$1; shift
  local total=0 t
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N)
    total=$(python3 -c "print($total + $e - $s)")
  done
  /usr/bin/time -f "%M" -o "$OUT/$name.rss" "$@" > /dev/null 2>&1 || true
  printf '| %s | %.3f s | %s MiB |\n' "$name" "$(python3 -c "print($total / $RUNS)")" "$(( $(tail -n 1 "$OUT/$name.rss") / 1024 ))"
}

for plan in twelve-prod generated; do
  f="$OUT/$plan.plan.json"
  echo
  echo "### $plan ($(python3 -c "import json; print(len(json.load(open('$f'))['resource_changes']))") resources, $(du -h "$f" | cut -f1))"
  echo '| command | mean wall time | peak RSS |'
  echo '|---|---:|---:|'
  measure "$plan: bare serde_json parse" "$BARE" "$f"
  measure "$plan: ecsforge check" "$ECSFORGE" check "$f" --format json
  if [ "${SKIP_CHECKOV:-0}" != 1 ]; then
    RUNS=1 measure "$plan: checkov" bench/.venv/bin/checkov -f "$f" --framework terraform_plan --quiet --compact
  fi
done | tee "$OUT/results.md"
echo
echo "raw results: $OUT"
