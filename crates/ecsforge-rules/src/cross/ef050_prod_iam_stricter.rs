//! # EF050 prod-iam-stricter: production IAM is never broader than non-production
//!
//! **What it checks.** For every IAM role policy present in prod and in a
//! non-production environment under the same address, each action prod allows
//! is also allowed in the other environment; and where a non-production role
//! trust policy requires MFA (`aws:MultiFactorAuthPresent`), the prod one does too.
//!
//! **Why it matters.** Permissions added "just in prod" escape the testing
//! that non-production environments give, and are a common route to privilege
//! escalation.
//!
//! **Failing example.** `aws_iam_role_policy.api_task` allows `s3:*` in prod but
//! only `s3:GetObject` in develop.
//!
//! **Fix.** Grant the permission in every environment first, or narrow prod.
//!
//! Interpretation: "more restrictive" is judged as "not broader" for the roles
//! both environments share; doc 003 property 54 (MFA for people in prod) is a
//! separate single-environment rule.
//!
//! Doc 003 property 50. NIST AC-2, AC-6, IA-2. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF050",
    name: "prod-iam-stricter",
    severity: Severity::Error,
    property: Some(50),
    nist: &["AC-2", "AC-6", "IA-2"],
    soc2: &["CC6.1"],
    summary: "prod IAM policies are no broader than non-prod ones",
};

fn requires_mfa(r: &Resource) -> bool {
    let mut text = String::new();
    if let Some(v) = r.get("assume_role_policy") {
        text = format!("{v:?}");
    }
    text.contains("aws:MultiFactorAuthPresent")
}

pub fn check(models: &[&InfraModel], out: &mut Findings) {
    let Some(prod) = models.iter().find(|m| env_of(m) == "prod") else { return };
    for m in models.iter().filter(|m| env_of(m) != "prod") {
        for p in prod.of_kind(Kind::IamRolePolicy) {
            let Some(other) = m.get(&p.address) else { continue };
            let theirs = statements(other.get("policy"));
            for s in statements(p.get("policy")).into_iter().filter(|s| s.effect == "Allow") {
                for a in &s.actions {
                    let covered = theirs.iter().any(|t| t.effect == "Allow" && t.actions.iter().any(|x| action_matches(x, a) || x == a));
                    if !covered {
                        out.report(p, format!("prod allows `{a}`, which {} does not; prod must not be broader", env_of(m)));
                    }
                }
            }
        }
        for r in prod.of_kind(Kind::IamRole) {
            if let Some(other) = m.get(&r.address)
                && requires_mfa(other) && !requires_mfa(r) {
                    out.report(r, format!("{} requires MFA to assume this role but prod does not", env_of(m)));
                }
        }
    }
}
