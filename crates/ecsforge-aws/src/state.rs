//! Naming live resources by their Terraform addresses.
//!
//! [`names_from_state`] turns `terraform show -json` of a root's state into
//! the [`crate::Scope::names`] map: every managed resource's `id` and `arn`,
//! and for the types whose live identity is not the Terraform id, the
//! identity the adapter uses (an IAM policy attachment is `<role>/<policy
//! ARN>` live, while Terraform gives it a generated id). Each id is also
//! entered qualified by its type (`<type> <id>`), which stays unique where
//! several resources share an id: a secret, its policy and its rotation are
//! all the secret's ARN.

use std::collections::BTreeMap;

use ecsforge_model::Address;
use serde_json::Value as Json;

/// The id/ARN → address map of `terraform show -json` state output.
pub fn names_from_state(state: &Json) -> BTreeMap<String, Address> {
    let mut all: BTreeMap<String, Vec<Address>> = BTreeMap::new();
    walk(&state["values"]["root_module"], &mut all);
    all.into_iter()
        .filter_map(|(k, mut v)| {
            v.dedup();
            (v.len() == 1).then(|| (k, v.remove(0)))
        })
        .collect()
}

fn walk(module: &Json, out: &mut BTreeMap<String, Vec<Address>>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        let Some(address) = r["address"].as_str() else { continue };
        let v = &r["values"];
        let mut keys: Vec<String> =
            ["id", "arn"].iter().filter_map(|k| v[*k].as_str()).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if r["type"] == "aws_iam_role_policy_attachment"
            && let (Some(role), Some(policy)) = (v["role"].as_str(), v["policy_arn"].as_str())
        {
            keys.push(format!("{role}/{policy}"));
        }
        keys.dedup();
        let ty = r["type"].as_str().unwrap_or("");
        let qualified: Vec<String> = keys.iter().map(|k| format!("{ty} {k}")).collect();
        for k in keys.into_iter().chain(qualified) {
            let list = out.entry(k).or_default();
            let a = Address(address.to_string());
            if !list.contains(&a) {
                list.push(a);
            }
        }
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        walk(child, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_arns_and_attachment_identities() {
        let state = serde_json::json!({"values": {"root_module": {
            "resources": [
                {"mode": "managed", "type": "aws_vpc", "address": "aws_vpc.main", "values": {"id": "vpc-1", "arn": "arn:vpc"}},
                {"mode": "managed", "type": "aws_iam_role_policy_attachment", "address": "aws_iam_role_policy_attachment.ssm",
                 "values": {"id": "r-2024", "role": "r", "policy_arn": "arn:aws:iam::aws:policy/P"}},
                {"mode": "data", "type": "aws_region", "address": "data.aws_region.x", "values": {"id": "us-east-1"}},
                {"mode": "managed", "type": "aws_ecs_task_definition", "address": "aws_ecs_task_definition.t",
                 "values": {"id": "fam", "arn": "arn:td:1"}},
                {"mode": "managed", "type": "aws_cloudwatch_dashboard", "address": "aws_cloudwatch_dashboard.d",
                 "values": {"id": "fam"}}
            ],
            "child_modules": [{"resources": [
                {"mode": "managed", "type": "aws_subnet", "address": "module.n.aws_subnet.a", "values": {"id": "subnet-1"}}
            ]}]
        }}});
        let names = names_from_state(&state);
        let get = |k: &str| names.get(k).map(|a| a.as_str());
        assert_eq!(get("vpc-1"), Some("aws_vpc.main"));
        assert_eq!(get("arn:vpc"), Some("aws_vpc.main"));
        assert_eq!(get("r/arn:aws:iam::aws:policy/P"), Some("aws_iam_role_policy_attachment.ssm"));
        assert_eq!(get("subnet-1"), Some("module.n.aws_subnet.a"));
        assert_eq!(get("us-east-1"), None);
        assert_eq!(get("fam"), None, "a shared id names neither resource");
        assert_eq!(get("aws_ecs_task_definition fam"), Some("aws_ecs_task_definition.t"), "but its typed form does");
        assert_eq!(get("aws_cloudwatch_dashboard fam"), Some("aws_cloudwatch_dashboard.d"));
        assert_eq!(get("arn:td:1"), Some("aws_ecs_task_definition.t"));
    }
}
