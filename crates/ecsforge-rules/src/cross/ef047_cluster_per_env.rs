//! # EF047 cluster-per-env: each environment has its own, named ECS cluster
//!
//! **What it checks.** Every environment has exactly one `aws_ecs_cluster`;
//! its name contains the environment name; no two environments share a
//! cluster name.
//!
//! **Why it matters.** A shared cluster lets a develop deployment starve or
//! disturb production tasks and blurs audit boundaries.
//!
//! **Failing example.** develop and prod both declaring
//! `"aws_ecs_cluster": {"main": {"name": "shop"}}`.
//!
//! **Fix.** Name clusters `<project>-<env>` (what ecsforge synthesizes).
//!
//! Doc 003 property 47. NIST SC-7, CM-2. SOC-2 CC6.1.

use std::collections::BTreeMap;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF047",
    name: "cluster-per-env",
    severity: Severity::Error,
    property: Some(47),
    nist: &["SC-7", "CM-2"],
    soc2: &["CC6.1"],
    summary: "one ECS cluster per environment, named after it",
};

pub fn check(models: &[&InfraModel], out: &mut Findings) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for m in models {
        let env = env_of(m);
        let clusters: Vec<&Resource> = m.of_kind(Kind::EcsCluster).collect();
        if clusters.len() != 1 {
            out.report_model(m, format!("{env} has {} ECS clusters; expected exactly one", clusters.len()));
        }
        for c in clusters {
            let Some(name) = str_attr(c, "name") else { continue };
            if !env.is_empty() && !name.contains(env.as_str()) {
                out.report(c, format!("cluster `{name}` of {env} does not contain the environment name"));
            }
            if let Some(other) = seen.insert(name.to_string(), env.clone()) {
                out.report(c, format!("cluster `{name}` is used by both {other} and {env}"));
            }
        }
    }
}
