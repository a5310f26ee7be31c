//! # EF012 pipeline-codeconnections: pipelines fetch source through a CodeConnections connection
//!
//! **What it checks.** In every `aws_codepipeline`, each action with
//! `category = "Source"` that reads a code repository uses
//! `provider = "CodeStarSourceConnection"` (the CodePipeline provider name of
//! AWS CodeConnections, formerly CodeStar Connections) and a
//! `configuration.ConnectionArn`: a reference to an
//! `aws_codeconnections_connection` / `aws_codestarconnections_connection`, or
//! a literal ARN of one. Source actions that read artifacts rather than a
//! repository (`S3`, `ECR`) are not judged. Without any `aws_codepipeline` in
//! the model the rule has nothing to check (ecsforge does not synthesize
//! pipelines yet; it applies to ingested plans and templates).
//!
//! **Why it matters.** The other providers authenticate with long-lived
//! secrets: the GitHub v1 provider stores an OAuth token in the pipeline, and
//! webhook-based setups keep credentials in parameters. A connection is an
//! AWS-managed, revocable OAuth installation with an auditable ARN (doc 003
//! "CodeConnections Authentication Failure").
//!
//! **Failing example.**
//! ```json
//! "aws_codepipeline": {"api": {"stage": [{"name": "Source", "action": [{"name": "Source", "category": "Source",
//!   "owner": "ThirdParty", "provider": "GitHub", "configuration": {"OAuthToken": "ghp_..."}}]}]}}
//! ```
//!
//! **Fix.** `"provider": "CodeStarSourceConnection", "owner": "AWS"` with
//! `"configuration": {"ConnectionArn": "${aws_codestarconnections_connection.bitbucket.arn}",
//! "FullRepositoryId": "shop/orders-api", "BranchName": "main"}`.
//!
//! Doc 003 property 12. NIST IA-2, IA-5. SOC-2 CC6.1, CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF012",
    name: "pipeline-codeconnections",
    severity: Severity::Error,
    property: Some(12),
    nist: &["IA-2", "IA-5"],
    soc2: &["CC6.1", "CC8.1"],
    summary: "CodePipeline source actions use a CodeConnections connection",
};

fn is_connection(m: &InfraModel, v: &Value) -> Option<bool> {
    match v {
        Value::Unknown => None,
        Value::String(s) => Some(s.contains(":codestar-connections:") || s.contains(":codeconnections:")),
        other => match target(m, other) {
            Some(t) => Some(matches!(
                t.address.resource_type(),
                "aws_codestarconnections_connection" | "aws_codeconnections_connection"
            )),
            None => Some(is_set(Some(other)) != Some(false)),
        },
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for p in of_type(m, "aws_codepipeline") {
        for (stage, a) in pipeline_actions(p) {
            if a.get("category").and_then(Value::as_str) != Some("Source") {
                continue;
            }
            let name = a.get("name").and_then(Value::as_str).unwrap_or("?");
            let provider = match a.get("provider") {
                Some(Value::String(s)) => s.as_str(),
                _ => continue,
            };
            if provider == "S3" || provider == "ECR" {
                continue;
            }
            if provider != "CodeStarSourceConnection" && provider != "CodeConnections" {
                out.report(p, format!("source action `{stage}/{name}` uses provider `{provider}`, which authenticates with a stored token; use provider CodeStarSourceConnection with a CodeConnections ConnectionArn"));
                continue;
            }
            match a.get("configuration").and_then(|c| c.get("ConnectionArn")) {
                Some(v) if is_connection(m, v) != Some(false) => {}
                _ => out.report(p, format!("source action `{stage}/{name}` has no ConnectionArn of a CodeConnections connection; set configuration.ConnectionArn to the connection's ARN")),
            }
        }
    }
}
