//! # EF046 env-specific-config: production differs from non-production
//!
//! **What it checks.** For each non-production environment, at least one of
//! resource limits (task cpu/memory, desired counts, autoscaling bounds),
//! retention periods (log groups) or security settings (ALB deletion
//! protection, Spot use) differs from production.
//!
//! **Why it matters.** A production root that is byte-for-byte a copy of
//! develop usually means production settings were never applied: short log
//! retention, no deletion protection, development-sized tasks.
//!
//! **Failing example.** prod and develop both with `retention_in_days: 30`,
//! `enable_deletion_protection: false` and identical task sizes.
//!
//! **Fix.** Give prod its own settings (ecsforge's prod defaults: 90-day logs,
//! deletion protection, all FARGATE).
//!
//! Interpretation: doc 003 says "any two environments"; environments of the same
//! tier (develop, test, qa) may legitimately be identical, so the rule compares
//! each non-production environment with prod only. Only resources both roots
//! have are compared: account-wide resources that live in one root (the
//! CloudTrail log group of `security.audit`) are not a difference in settings.
//!
//! Doc 003 property 46. NIST CM-2, CM-6. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF046",
    name: "env-specific-config",
    severity: Severity::Warning,
    property: Some(46),
    nist: &["CM-2", "CM-6"],
    soc2: &["CC8.1"],
    summary: "production settings differ from every non-production environment",
};

/// The settings compared, as sorted `(address, text)` pairs.
fn fingerprint(m: &InfraModel) -> Vec<(&Address, String)> {
    let mut v = Vec::new();
    for r in m.resources.values() {
        let keys: &[&str] = match r.kind {
            Kind::EcsTaskDefinition => &["cpu", "memory"],
            Kind::EcsService => &["desired_count"],
            Kind::AppAutoscalingTarget => &["min_capacity", "max_capacity"],
            Kind::LogGroup => &["retention_in_days"],
            Kind::Lb => &["enable_deletion_protection"],
            Kind::EcsClusterCapacityProviders => &["default_capacity_provider_strategy"],
            _ => continue,
        };
        for k in keys {
            v.push((&r.address, format!("{}.{}={:?}", r.address, k, r.get(k))));
        }
    }
    v.sort();
    v
}

pub fn check(models: &[&InfraModel], out: &mut Findings) {
    let Some(prod) = models.iter().find(|m| env_of(m) == "prod") else { return };
    let prod_fp = fingerprint(prod);
    for m in models.iter().filter(|m| env_of(m) != "prod") {
        let theirs = fingerprint(m);
        let shared = |fp: &[(&Address, String)], other: &InfraModel| -> Vec<String> {
            fp.iter().filter(|(a, _)| other.get(a).is_some()).map(|(_, s)| s.clone()).collect()
        };
        let (ours, theirs) = (shared(&prod_fp, m), shared(&theirs, prod));
        if !ours.is_empty() && ours == theirs {
            out.report_model(prod, format!("prod has the same resource limits, retention and security settings as {}; give prod its own", env_of(m)));
        }
    }
}
