#!/usr/bin/env bash
# Issue 4 measurements: resources per example and environment, `synth --all`
# time of the largest example, and `terraform plan` time of its largest root.
# See bench/README.md. Needs a release build (built here), terraform >= 1.11 and
# the hashicorp/aws provider in the filesystem mirror /opt/tf-plugins.
#
# Knobs: RUNS=10 (hyperfine runs for synth), PLAN_RUNS=3 (timed plans).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RUNS=${RUNS:-10}
PLAN_RUNS=${PLAN_RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecsforge-platform.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# The file server's admin password is read from the environment (never written out).
export ECSFORGE_FILE_SERVER_PASSWORD=${ECSFORGE_FILE_SERVER_PASSWORD:-Bench-Passw0rd}
export TF_VAR_file_server_admin_password=$ECSFORGE_FILE_SERVER_PASSWORD

cargo build --release --locked -p ecsforge-cli >/dev/null 2>&1
BIN=$ROOT/target/release/ecsforge

echo "## Resources per example and environment"
echo
echo "| example | environment | resources | files |"
echo "|---|---|---:|---:|"
largest=""; largest_n=0; largest_root=""; largest_root_n=0
for manifest in examples/*/ecsforge.yaml; do
  name=$(basename "$(dirname "$manifest")")
  out=$WORK/$name
  total=0
  while read -r _ dir files _ n _; do
    env=$(basename "$dir")
    n=${n%)}
    echo "| $name | $env | $n | ${files#(} |"
    total=$((total + n))
    if [ "$n" -gt "$largest_root_n" ]; then largest_root_n=$n; largest_root=$dir; fi
  done < <("$BIN" synth "$manifest" --all -o "$out" | grep -E '^wrote .* resources\)$')
  if [ "$total" -gt "$largest_n" ]; then largest_n=$total; largest=$manifest; fi
done
echo
echo "## synth --all of the largest example ($largest, $largest_n resources)"
echo
hyperfine --warmup 2 --runs "$RUNS" -N --export-markdown "$WORK/synth.md" \
  "$BIN synth $largest --all -o $WORK/synth-out" >/dev/null
cat "$WORK/synth.md"
echo
echo "## terraform plan of the largest root ($largest_root, $largest_root_n resources)"
echo
cat >"$WORK/tf.rc" <<RC
provider_installation {
  filesystem_mirror { path = "/opt/tf-plugins" }
}
RC
export TF_CLI_CONFIG_FILE=$WORK/tf.rc TF_IN_AUTOMATION=1
cp -r "$largest_root" "$WORK/plan"
cd "$WORK/plan"
echo '{"terraform":{"backend":{"local":{}}}}' >backend_override.tf.json
echo '{"provider":{"aws":{"access_key":"test","secret_key":"test","skip_credentials_validation":true,"skip_requesting_account_id":true,"skip_metadata_api_check":true}}}' >provider_override.tf.json
t0=$(date +%s.%N); terraform init -input=false >/dev/null; t1=$(date +%s.%N)
echo "- terraform init: $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); terraform validate >/dev/null; t1=$(date +%s.%N)
echo "- terraform validate: $(echo "$t1 - $t0" | bc) s"
for i in $(seq "$PLAN_RUNS"); do
  t0=$(date +%s.%N)
  terraform plan -refresh=false -input=false -out=plan.bin >/dev/null
  t1=$(date +%s.%N)
  echo "- terraform plan -refresh=false, run $i: $(echo "$t1 - $t0" | bc) s"
done
terraform show -json plan.bin >plan.json
t0=$(date +%s.%N); "$BIN" check plan.json >/dev/null || true; t1=$(date +%s.%N)
echo "- ecsforge check of that plan's JSON ($(du -k plan.json | cut -f1) KiB): $(echo "$t1 - $t0" | bc) s"
