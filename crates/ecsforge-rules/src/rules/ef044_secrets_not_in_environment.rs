//! # EF044 secrets-not-in-environment: secrets are injected, never written into the task definition
//!
//! **What it checks.** No container `environment` entry
//! - has a name that says it holds a secret: a `_`-separated word `PASSWORD`,
//!   `PASSWD`, `SECRET`, `TOKEN`, `APIKEY` or `CREDENTIALS`, or the word
//!   pairs `API_KEY` / `PRIVATE_KEY` (`DB_PASSWORD`, `STRIPE_API_KEY`; not
//!   `TOKENIZER_MODEL`); values that are plain numbers or booleans
//!   (`TOKEN_TTL_SECONDS = 3600`) are settings, not secrets, and pass;
//! - or has a value that is a Secrets Manager or SSM parameter ARN (it
//!   belongs in `secrets`, where ECS resolves it; in `environment` the task
//!   just sees the ARN).
//!
//! Together with EF026 (every `secrets` entry has a `valueFrom`) this is doc
//! 003 property 44: secrets are in the `secrets` array, not `environment`.
//!
//! **Why it matters.** Environment values are stored in plain text in the task
//! definition, visible to anyone with `ecs:DescribeTaskDefinition`, in
//! Terraform state and plans, and in CloudTrail.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"api": {"container_definitions":
//!   "[{\"name\": \"api\", \"environment\": [{\"name\": \"DB_PASSWORD\", \"value\": \"hunter2\"}]}]"}}
//! ```
//!
//! **Fix.** Store the value in Secrets Manager and inject it:
//! `"secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:...:secret:shop/orders-db-AbCdEf"}]`.
//!
//! Doc 003 property 44. NIST IA-5, SC-28. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF044",
    name: "secrets-not-in-environment",
    severity: Severity::Error,
    property: Some(44),
    nist: &["IA-5", "SC-28"],
    soc2: &["CC6.1"],
    summary: "no secret-looking names or secret ARNs in container environment variables",
};

/// Whether an environment variable name says it holds a secret.
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-', '.']).collect();
    words.iter().any(|w| matches!(*w, "PASSWORD" | "PASSWD" | "SECRET" | "TOKEN" | "APIKEY" | "CREDENTIALS"))
        || words.windows(2).any(|p| (p[0] == "API" || p[0] == "PRIVATE") && p[1] == "KEY")
}

fn is_secret_arn(v: &str) -> bool {
    v.starts_with("arn:") && (v.contains(":secretsmanager:") || (v.contains(":ssm:") && v.contains(":parameter/")))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        for c in containers(td) {
            let container = c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
            for (name, value) in container_environment(c) {
                let literal = value.and_then(Value::as_str);
                if literal.is_some_and(is_secret_arn) {
                    out.report(td, format!("container `{container}` environment variable `{name}` holds a secret ARN, so the task sees the ARN, not the secret; move it to secrets with valueFrom"));
                    continue;
                }
                let setting = literal.is_some_and(|v| v.is_empty() || v.parse::<f64>().is_ok() || v == "true" || v == "false");
                if secret_name(name) && !setting && !matches!(value, Some(Value::Unknown)) {
                    out.report(td, format!("container `{container}` environment variable `{name}` looks like a secret and is stored in plain text in the task definition; put it in Secrets Manager and inject it through secrets with valueFrom"));
                }
            }
        }
    }
}
