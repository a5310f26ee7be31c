//! IAM roles and policies. Terraform keeps inline policies and attachments in
//! their own resources, so one CloudFormation role becomes several.

use ecsforge_model::Value;

use super::{Cx, Props, Put, field, json_doc, numish};
use crate::cloudformation::names::identifier;

/// A name for a split-out part: the text when it is known, else `<fallback><i>`.
fn part_name(v: Option<&Value>, fallback: &str, i: usize) -> String {
    match v {
        Some(Value::String(s)) if !s.is_empty() => identifier(s),
        Some(Value::Ref(r)) => r.address.name().to_string(),
        _ => format!("{fallback}{i}"),
    }
}

pub(super) fn role(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("RoleName"));
    r.put("assume_role_policy", p.take("AssumeRolePolicyDocument").map(json_doc));
    r.put("path", p.take("Path"));
    r.put("description", p.take("Description"));
    r.put("max_session_duration", p.take("MaxSessionDuration").map(numish));
    r.put("permissions_boundary", p.take("PermissionsBoundary"));
    let role = cx.self_ref("id");

    match p.take("Policies") {
        Some(Value::List(policies)) => {
            for (i, pol) in policies.iter().enumerate() {
                let name = field(pol, "PolicyName");
                let suffix = part_name(name.as_ref(), "policy", i);
                let idx = i.to_string();
                let part = cx.part("aws_iam_role_policy", &suffix, &["Policies", &idx]);
                part.set("role", role.clone());
                part.put("name", name);
                part.set("policy", field(pol, "PolicyDocument").map(json_doc).unwrap_or(Value::Unknown));
            }
        }
        Some(other) => cx.primary().set("inline_policy", other),
        None => {}
    }
    match p.take("ManagedPolicyArns") {
        Some(Value::List(arns)) => {
            for (i, arn) in arns.into_iter().enumerate() {
                let suffix = match &arn {
                    Value::String(s) => identifier(s.rsplit('/').next().unwrap_or(s)),
                    other => part_name(Some(other), "managed", i),
                };
                let idx = i.to_string();
                let part = cx.part("aws_iam_role_policy_attachment", &suffix, &["ManagedPolicyArns", &idx]);
                part.set("role", role.clone());
                part.set("policy_arn", arn);
            }
        }
        Some(other) => cx.primary().set("managed_policy_arns", other),
        None => {}
    }
}

/// The principals a policy applies to: (Terraform type suffix, attribute, value, path).
fn principals(p: &mut Props) -> Vec<(&'static str, &'static str, Value, String)> {
    let mut out = Vec::new();
    for (key, kind, attr) in [("Roles", "role", "role"), ("Users", "user", "user"), ("Groups", "group", "group")] {
        match p.take(key) {
            Some(Value::List(l)) => {
                for (i, v) in l.into_iter().enumerate() {
                    out.push((kind, attr, v, format!("{key}/{i}")));
                }
            }
            Some(other) => out.push((kind, attr, other, key.to_string())),
            None => {}
        }
    }
    out
}

/// `AWS::IAM::Policy`: an inline policy of each role, user and group listed.
/// The first principal's policy is `<LogicalId>`; the others `<LogicalId>_<kind><i>`.
pub(super) fn policy(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let name = p.take("PolicyName");
    let doc = p.take("PolicyDocument").map(json_doc);
    let primary_kind = match cx.info.address.resource_type() {
        "aws_iam_user_policy" => "user",
        "aws_iam_group_policy" => "group",
        _ => "role",
    };
    let r = cx.primary();
    r.put("name", name.clone());
    r.put("policy", doc.clone());
    let mut primary_done = false;
    for (i, (kind, attr, v, path)) in principals(p).into_iter().enumerate() {
        if kind == primary_kind && !primary_done {
            cx.primary().set(attr, v);
            primary_done = true;
            continue;
        }
        let segs: Vec<&str> = path.split('/').collect();
        let part = cx.part(&format!("aws_iam_{kind}_policy"), &format!("{kind}{i}"), &segs);
        part.set(attr, v);
        part.put("name", name.clone());
        part.put("policy", doc.clone());
    }
}

/// `AWS::IAM::ManagedPolicy` → `aws_iam_policy` plus one attachment per principal.
pub(super) fn managed_policy(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("ManagedPolicyName"));
    r.put("path", p.take("Path"));
    r.put("description", p.take("Description"));
    r.put("policy", p.take("PolicyDocument").map(json_doc));
    let arn = cx.self_ref("arn");
    for (i, (kind, attr, v, path)) in principals(p).into_iter().enumerate() {
        let segs: Vec<&str> = path.split('/').collect();
        let part = cx.part(&format!("aws_iam_{kind}_policy_attachment"), &format!("{kind}{i}"), &segs);
        part.set(attr, v);
        part.set("policy_arn", arn.clone());
    }
}

pub(super) fn instance_profile(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("InstanceProfileName"));
    r.put("path", p.take("Path"));
    r.put(
        "role",
        p.take("Roles").map(|v| match v {
            Value::List(mut l) if l.len() == 1 => l.remove(0),
            other => other,
        }),
    );
}
