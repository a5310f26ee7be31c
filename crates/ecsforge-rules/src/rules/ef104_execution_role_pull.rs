//! # EF104 execution-role-pull: the execution role can pull, log and read secrets
//!
//! **What it checks.** For every task definition, the execution role allows
//! `ecr:GetAuthorizationToken`, `ecr:BatchCheckLayerAvailability`,
//! `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage`, plus
//! `logs:CreateLogStream` and `logs:PutLogEvents` when a container logs with
//! awslogs, `secretsmanager:GetSecretValue` / `ssm:GetParameters` when
//! containers reference secrets there. Inline role policies and the managed
//! `AmazonECSTaskExecutionRolePolicy` are understood.
//!
//! **Why it matters.** A missing action fails the task at start with
//! `AccessDeniedException` (IAM_PERMISSIONS in doc 000's diagnosis).
//!
//! **Failing example.** An execution role whose only policy allows
//! `ecr:GetAuthorizationToken`.
//!
//! **Fix.** Grant the four ECR actions on the repository (GetAuthorizationToken
//! on `*`), the two logs actions on the log group, and read access to exactly
//! the referenced secrets.
//!
//! Design doc 000 §4. NIST AC-6. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF104",
    name: "execution-role-pull",
    severity: Severity::Error,
    property: None,
    nist: &["AC-6"],
    soc2: &["CC6.1"],
    summary: "execution roles hold the ECR, logs and secrets actions tasks need",
};

const PULL: [&str; 4] = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        let Some(role) = td.get("execution_role_arn").and_then(|v| target(m, v)) else {
            if td.get("execution_role_arn").is_none() {
                out.report(td, "task definition has no execution role, so it cannot pull from private ECR or write logs");
            }
            continue;
        };
        let managed = m.of_kind(Kind::IamRolePolicyAttachment).any(|a| {
            a.get("role").is_some_and(|v| refers_to(v, &role.address))
                && str_attr(a, "policy_arn").is_some_and(|p| p.ends_with("/AmazonECSTaskExecutionRolePolicy"))
        });
        let allowed = role_allows(m, &role.address);
        let grants = |action: &str| allowed.iter().any(|s| s.actions.iter().any(|p| action_matches(p, action)));
        let mut needed: Vec<&str> = Vec::new();
        if !managed {
            needed.extend(PULL);
        }
        let cs = containers(td);
        let logs = cs.iter().any(|c| c.get("logConfiguration").and_then(|l| l.get("logDriver")).and_then(Value::as_str) == Some("awslogs"));
        if logs && !managed {
            needed.extend(["logs:CreateLogStream", "logs:PutLogEvents"]);
        }
        let from: Vec<&str> = cs
            .iter()
            .flat_map(|c| c.get("secrets").map(Value::as_list).unwrap_or(&[]))
            .filter_map(|s| s.get("valueFrom").and_then(Value::as_str))
            .collect();
        if from.iter().any(|f| !f.starts_with("arn:aws:ssm:")) {
            needed.push("secretsmanager:GetSecretValue");
        }
        if from.iter().any(|f| f.starts_with("arn:aws:ssm:")) {
            needed.push("ssm:GetParameters");
        }
        let missing: Vec<&str> = needed.into_iter().filter(|a| !grants(a)).collect();
        if !missing.is_empty() {
            out.report(td, format!("execution role {} lacks {}; tasks fail to start with AccessDenied", role.address, missing.join(", ")));
        }
    }
}
