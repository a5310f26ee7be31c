//! # EF020 ecr-policy-not-public: repository policies never grant to everyone unconditionally
//!
//! **What it checks.** No `Allow` statement of an `aws_ecr_repository_policy`
//! (or of an `aws_ecr_registry_policy`) has `Principal` `"*"` or
//! `{"AWS": "*"}` (alone or in a list) without a `Condition`. `Deny`
//! statements with `Principal: "*"` are how access is narrowed and are fine.
//!
//! **Why it matters.** `Principal: "*"` means every AWS account: anyone can
//! pull (or, with push actions, overwrite) the images, which leaks code and
//! embedded configuration and opens the supply chain.
//!
//! **Failing example.**
//! ```json
//! "aws_ecr_repository_policy": {"api": {"policy": "{\"Statement\": [{\"Effect\": \"Allow\",
//!   \"Principal\": \"*\", \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]}]}"}}
//! ```
//!
//! **Fix.** Name the principal that pulls (`{"AWS": "${aws_iam_role.api_execution.arn}"}`),
//! or keep `"*"` only together with a `Condition` such as `aws:PrincipalOrgID`.
//!
//! Doc 003 property 20. NIST AC-3, AC-6. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF020",
    name: "ecr-policy-not-public",
    severity: Severity::Error,
    property: Some(20),
    nist: &["AC-3", "AC-6"],
    soc2: &["CC6.1"],
    summary: "ECR repository policies do not allow Principal \"*\" without a Condition",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let policies = m.of_kind(Kind::EcrRepositoryPolicy).chain(of_type(m, "aws_ecr_registry_policy"));
    for p in policies {
        for s in statements(p.get("policy")) {
            if s.effect != "Allow" || is_set(s.condition) != Some(false) {
                continue;
            }
            if principals(s.principal, "AWS").iter().any(|v| v.as_str() == Some("*")) {
                let actions = if s.actions.is_empty() { "its actions".to_string() } else { s.actions.join(", ") };
                out.report(p, format!("policy allows {actions} to Principal \"*\" (every AWS account) without a Condition; name the pulling role, or add a Condition such as aws:PrincipalOrgID"));
            }
        }
    }
}
