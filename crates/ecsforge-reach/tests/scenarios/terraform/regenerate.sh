#!/usr/bin/env bash
# Regenerates the Terraform-plan form of the reachability scenarios
# (tests/scenarios.rs): synthesizes scenario.yaml with the ecsforge binary,
# then per scenario copies the develop root, makes the scenario's one edit in
# the generated *.tf.json (python3, stdlib only), runs an offline
# `terraform init`, `plan -refresh=false -out` and `show -json`, and writes
# <scenario>.plan.json here, pretty-printed with jq.
#
# Offline: Terraform 1.11 and hashicorp/aws 5.100.0 from the filesystem mirror
# /opt/tf-plugins (override with TF_PLUGIN_MIRROR), a local backend and fake
# credentials through the same override files as ecsforge-cli/tests/terraform.rs.
#
# Usage: tests/scenarios/terraform/regenerate.sh [SCENARIO...]   (default: all)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../../.." && pwd)"
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

(cd "$repo" && cargo build -q -p ecsforge-cli)
"$repo/target/debug/ecsforge" synth "$here/scenario.yaml" --output "$work/synth" >/dev/null
root="$work/synth/develop"

all=(successful-pull s3-endpoint-missing sg-blocking iam-permission-missing dns-disabled
  nacl-ephemeral-deny private-dns-off endpoint-one-az)
if [ "$#" -gt 0 ]; then scenarios=("$@"); else scenarios=("${all[@]}"); fi

for scenario in "${scenarios[@]}"; do
  dir="$work/$scenario"
  cp -r "$root" "$dir"
  python3 - "$dir" "$scenario" <<'PY'
import glob, json, os, sys

root, scenario = sys.argv[1], sys.argv[2]
files = {f: json.load(open(f)) for f in glob.glob(os.path.join(root, "*.tf.json"))}

def resource(kind, name):
    for doc in files.values():
        r = doc.get("resource", {}).get(kind, {})
        if name in r:
            return r[name]
    raise SystemExit(f"{scenario}: no {kind}.{name}")

def remove(kind, name):
    """Removes a resource and every resource that refers to it."""
    resource(kind, name)
    gone = [(kind, name)]
    while gone:
        k, n = gone.pop()
        for doc in files.values():
            if "resource" not in doc:
                continue
            res = doc["resource"]
            res.get(k, {}).pop(n, None)
            for k2, named in list(res.items()):
                for n2, body in list(named.items()):
                    if "${%s.%s." % (k, n) in json.dumps(body):
                        gone.append((k2, n2))
            doc["resource"] = {k2: v for k2, v in res.items() if v}
            if not doc["resource"]:
                del doc["resource"]
        for doc in files.values():
            for o in [o for o, v in doc.get("output", {}).items() if "${%s.%s." % (k, n) in json.dumps(v)]:
                del doc["output"][o]

def add(file, kind, name, body):
    doc = files.setdefault(os.path.join(root, file), {})
    doc.setdefault("resource", {}).setdefault(kind, {})[name] = body

if scenario == "successful-pull":
    pass
elif scenario == "s3-endpoint-missing":
    # The doc-000 outage: no S3 gateway endpoint (and so no egress rule to its prefix list).
    remove("aws_vpc_endpoint", "s3")
elif scenario == "sg-blocking":
    remove("aws_vpc_security_group_ingress_rule", "endpoints_from_file_processor")
elif scenario == "iam-permission-missing":
    p = resource("aws_iam_role_policy", "file_processor_execution")
    assert "ecr:GetAuthorizationToken" in p["policy"]
    p["policy"] = p["policy"].replace("ecr:GetAuthorizationToken", "ecr:DescribeRepositories")
elif scenario == "dns-disabled":
    resource("aws_vpc", "main")["enable_dns_hostnames"] = False
elif scenario == "nacl-ephemeral-deny":
    # HTTPS allowed both ways, ephemeral ports allowed out but not in: the
    # replies to the tasks hit the implicit deny.
    add("network.tf.json", "aws_network_acl", "private", {
        "vpc_id": "${aws_vpc.main.id}",
        "subnet_ids": ["${aws_subnet.private_a.id}", "${aws_subnet.private_b.id}"],
        "tags": {"Name": "reach-scenario-develop-private"},
    })
    for name, egress, lo, hi in [("https_out", True, 443, 443), ("ephemeral_out", True, 1024, 65535), ("https_in", False, 443, 443)]:
        add("network.tf.json", "aws_network_acl_rule", f"private_{name}", {
            "network_acl_id": "${aws_network_acl.private.id}",
            "rule_number": 110 if name == "ephemeral_out" else 100,
            "egress": egress, "protocol": "tcp", "rule_action": "allow",
            "cidr_block": "0.0.0.0/0", "from_port": lo, "to_port": hi,
        })
elif scenario == "private-dns-off":
    resource("aws_vpc_endpoint", "ecr_dkr")["private_dns_enabled"] = False
elif scenario == "endpoint-one-az":
    e = resource("aws_vpc_endpoint", "logs")
    e["subnet_ids"] = [s for s in e["subnet_ids"] if "private_a" in s]
    assert len(e["subnet_ids"]) == 1
else:
    raise SystemExit(f"unknown scenario {scenario}")

for f, doc in files.items():
    with open(f, "w") as out:
        json.dump(doc, out, indent=2, sort_keys=True)
PY
  printf '%s\n' '{"terraform":{"backend":{"local":{}}}}' >"$dir/zz_local_backend_override.tf.json"
  printf '%s\n' '{"provider":{"aws":{"access_key":"test","secret_key":"test","skip_credentials_validation":true,"skip_requesting_account_id":true,"skip_metadata_api_check":true}}}' \
    >"$dir/zz_provider_override.tf.json"
  (
    cd "$dir"
    terraform init -input=false -no-color >/dev/null
    terraform plan -refresh=false -input=false -lock=false -no-color -out=plan.bin >/dev/null
    terraform show -json -no-color plan.bin >plan.json
  )
  jq . "$dir/plan.json" >"$here/$scenario.plan.json"
  echo "wrote $scenario.plan.json ($(wc -c <"$here/$scenario.plan.json") bytes)"
done
