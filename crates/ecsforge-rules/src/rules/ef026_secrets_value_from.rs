//! # EF026 secrets-value-from: every injected secret says where it comes from
//!
//! **What it checks.** Every entry of every container's `secrets` array has a
//! `name` and a non-empty `valueFrom`: a Secrets Manager secret (ARN, or name
//! in the same account and region, optionally with `:json-key:version-stage:version-id`)
//! or an SSM parameter (ARN, or name). A `valueFrom` that is an ARN of
//! another service (e.g. `arn:aws:s3:::...`) is reported too.
//!
//! **Why it matters.** ECS resolves `valueFrom` when the task starts; an entry
//! without it is rejected by the ECS API, and a wrong ARN type makes every
//! task fail to start ("Secret Not Found" in doc 003 §Deployment Errors).
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"api": {"container_definitions":
//!   "[{\"name\": \"api\", \"secrets\": [{\"name\": \"DB_PASSWORD\"}]}]"}}
//! ```
//!
//! **Fix.** `{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/orders-db-AbCdEf"}`.
//!
//! Doc 003 property 26. NIST IA-5, SC-28. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF026",
    name: "secrets-value-from",
    severity: Severity::Error,
    property: Some(26),
    nist: &["IA-5", "SC-28"],
    soc2: &["CC6.1"],
    summary: "every container secret has a name and a valueFrom in Secrets Manager or SSM",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        for c in containers(td) {
            let container = c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
            for s in c.get("secrets").map(Value::as_list).unwrap_or(&[]) {
                let name = s.get("name").and_then(Value::as_str);
                if is_set(s.get("name")) == Some(false) {
                    out.report(td, format!("container `{container}` has a secret without a name; give it the environment variable name it is injected as"));
                }
                let label = name.unwrap_or("(unnamed)");
                match s.get("valueFrom") {
                    Some(Value::String(v)) if v.starts_with("arn:") => {
                        let service = v.split(':').nth(2).unwrap_or("");
                        if service != "secretsmanager" && service != "ssm" {
                            out.report(td, format!("container `{container}` secret `{label}` takes its value from `{v}`, which is neither a Secrets Manager secret nor an SSM parameter; use one of those ARNs"));
                        }
                    }
                    v if is_set(v) == Some(false) => out.report(td, format!("container `{container}` secret `{label}` has no valueFrom, so ECS rejects the task definition; set valueFrom to the Secrets Manager secret or SSM parameter ARN")),
                    _ => {}
                }
            }
        }
    }
}
