//! # EF043 task-role-secret-scope: task roles read only the secrets their tasks use
//!
//! **What it checks.** For every task role (`task_role_arn` of an
//! `aws_ecs_task_definition`, when the role is in the model), each `Allow`
//! statement granting `secretsmanager:GetSecretValue` (also through
//! `secretsmanager:*`, `secretsmanager:Get*` or `*`) names specific secrets,
//! and only secrets that a container of a task definition using that role
//! references in its `secrets` (`valueFrom`):
//! - `"*"`, `...:secret:*` or a wildcard inside the secret name is reported;
//! - a literal ARN `arn:aws:secretsmanager:<region>:<account>:secret:<name>`
//!   may end in the random-suffix wildcard (`-??????`, `-*`) and must name a
//!   referenced secret (by full ARN, by name without the suffix, or by the
//!   name used in `valueFrom`);
//! - a reference (`${aws_secretsmanager_secret.db.arn}`) must be to a secret a
//!   container references the same way.
//!
//! Inline policies, `inline_policy` blocks and attached `aws_iam_policy`
//! resources are read; of managed policies outside the model,
//! `AdministratorAccess`, `PowerUserAccess` and `SecretsManagerReadWrite`
//! (which grant every secret) are reported, others cannot be judged. The
//! execution role (which ECS uses to inject the secrets) is EF104's concern.
//!
//! **Why it matters.** The task role is what application code runs as. A
//! wildcard lets one compromised service read every team's database
//! passwords and keys; doc 003 grants each service exactly its own secrets.
//!
//! **Failing example.**
//! ```json
//! "aws_iam_role_policy": {"api_task": {"role": "${aws_iam_role.api_task.id}", "policy":
//!   "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"secretsmanager:GetSecretValue\", \"Resource\": \"*\"}]}"}}
//! ```
//!
//! **Fix.** `"Resource": ["arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/orders-db-AbCdEf"]`,
//! exactly the secrets in the task definition's `secrets`.
//!
//! Doc 003 property 43. NIST AC-3, AC-6. SOC-2 CC6.1.

use std::collections::{BTreeSet, HashMap};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF043",
    name: "task-role-secret-scope",
    severity: Severity::Error,
    property: Some(43),
    nist: &["AC-3", "AC-6"],
    soc2: &["CC6.1"],
    summary: "task roles grant GetSecretValue only on the secrets their containers reference",
};

const BROAD_MANAGED: [&str; 3] = ["/AdministratorAccess", "/PowerUserAccess", "/SecretsManagerReadWrite"];

/// What containers reference: secret names (with and without the random
/// suffix), full ARNs without JSON-key selectors, and referenced addresses.
#[derive(Default)]
struct Referenced<'a> {
    names: BTreeSet<String>,
    arns: BTreeSet<String>,
    addresses: BTreeSet<&'a Address>,
}

/// `arn:...:secret:<name>[:json-key:stage:version]` → (arn without selectors, name).
fn split_secret_arn(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts[2] != "secretsmanager" || parts[5] != "secret" {
        return None;
    }
    Some((parts[..7].join(":"), parts[6].to_string()))
}

/// A secret name without its 6-character random suffix (`db-AbCdEf` → `db`).
fn without_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, sfx)) if sfx.len() == 6 && sfx.chars().all(|c| c.is_ascii_alphanumeric()) => base,
        _ => name,
    }
}

impl<'a> Referenced<'a> {
    fn add(&mut self, v: &'a Value) {
        match v {
            Value::String(s) if s.starts_with("arn:") => {
                if let Some((arn, name)) = split_secret_arn(s) {
                    self.names.insert(without_suffix(&name).to_string());
                    self.names.insert(name);
                    self.arns.insert(arn);
                }
            }
            Value::String(s) => {
                self.names.insert(s.clone());
            }
            other => {
                let mut refs = Vec::new();
                other.collect_refs(&mut refs);
                self.addresses.extend(refs);
            }
        }
    }

    /// Why a granted resource is too broad or unused; `None` when it is fine or unknown.
    fn problem(&self, r: &Value) -> Option<String> {
        match r {
            Value::String(s) => {
                if s == "*" {
                    return Some("every secret (`*`)".into());
                }
                let Some((_, name)) = s.split_once(":secret:") else {
                    return s.contains("secretsmanager").then(|| format!("`{s}`, which is not one secret"));
                };
                let base = name.strip_suffix("-??????").or_else(|| name.strip_suffix("-*")).unwrap_or(name);
                if base.contains(['*', '?']) || base.is_empty() {
                    return Some(format!("`{s}`, a wildcard over several secrets"));
                }
                let by_arn = self.arns.iter().any(|a| glob_match(s, a));
                let by_name = self.names.contains(base) || self.names.contains(without_suffix(base));
                (!by_arn && !by_name).then(|| format!("`{s}`, which no container of its task definitions references"))
            }
            Value::Ref(rf) => (!self.addresses.contains(&rf.address))
                .then(|| format!("{}, which no container of its task definitions references", rf.address)),
            _ => None,
        }
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let mut roles: HashMap<&Address, (&Resource, Referenced)> = HashMap::new();
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        let Some(role) = td.get("task_role_arn").and_then(|v| target(m, v)) else { continue };
        if role.kind != Kind::IamRole {
            continue;
        }
        let entry = roles.entry(&role.address).or_insert_with(|| (role, Referenced::default()));
        for c in containers(td) {
            for s in c.get("secrets").map(Value::as_list).unwrap_or(&[]) {
                if let Some(v) = s.get("valueFrom") {
                    entry.1.add(v);
                }
            }
        }
    }
    let index = RoleIndex::new(m);
    let mut ordered: Vec<_> = roles.into_values().collect();
    ordered.sort_by(|a, b| a.0.address.cmp(&b.0.address));
    for (role, referenced) in ordered {
        let (stmts, managed) = index.policies(role);
        for arn in managed {
            if BROAD_MANAGED.iter().any(|p| arn.starts_with("arn:aws") && arn.ends_with(p) && arn.contains(":iam::aws:policy")) {
                out.report(role, format!("task role has the managed policy {arn}, which grants secretsmanager:GetSecretValue on every secret; detach it and grant only the task's own secret ARNs"));
            }
        }
        let mut reported = BTreeSet::new();
        for s in stmts.iter().filter(|s| s.effect == "Allow") {
            if !s.actions.iter().any(|a| action_matches(a, "secretsmanager:GetSecretValue")) {
                continue;
            }
            for r in &s.resources {
                if let Some(p) = referenced.problem(r)
                    && reported.insert(p.clone())
                {
                    out.report(role, format!("task role grants secretsmanager:GetSecretValue on {p}; grant only the ARNs of the secrets its containers inject"));
                }
            }
        }
    }
}
