//! # EF104 execution-role-pull: the execution role can pull, log and read secrets
//!
//! **What it checks.** For every task definition, the execution role allows
//! `ecr:GetAuthorizationToken`, `ecr:BatchCheckLayerAvailability`,
//! `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage`, plus
//! `logs:CreateLogStream` and `logs:PutLogEvents` when a container logs with
//! awslogs, `secretsmanager:GetSecretValue` / `ssm:GetParameters` when
//! containers reference secrets there. Inline role policies (resources and
//! `inline_policy` blocks), customer managed `aws_iam_policy` resources of the
//! model attached to the role, and the AWS managed
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
//! `kms:Decrypt` for secrets encrypted with a customer managed key is not
//! demanded here: reachability rule EF211 (reach-kms, `KMS_DECRYPT`) judges
//! it, because it follows each secret to its key, also judges the key policy
//! and the `kms:ViaService` condition, and covers the task role; demanding it
//! here too would report one gap twice.
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

pub fn check(m: &InfraModel, out: &mut Findings) {
    let roles = crate::iam::RolePolicies::new(m);
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        if let Some(gap) = crate::iam::execution_role_gap(m, &roles, td) {
            out.report(td, gap);
        }
    }
}
