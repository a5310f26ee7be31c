//! # EF013 pipeline-codebuild: pipelines build with a named CodeBuild project
//!
//! **What it checks.** In every `aws_codepipeline`, each action with
//! `category = "Build"` uses `provider = "CodeBuild"` and a non-empty
//! `configuration.ProjectName` (a reference to an `aws_codebuild_project`, or a
//! literal name). Without any `aws_codepipeline` in the model the rule has
//! nothing to check (ecsforge does not synthesize pipelines yet).
//!
//! **Why it matters.** The build stage is where images are built, scanned and
//! tagged (doc 003 §CI/CD). A build action without a project fails when the
//! pipeline runs, and a third-party build provider (e.g. `Jenkins`) moves the
//! build, its credentials and its logs outside the account's audit trail.
//!
//! **Failing example.**
//! ```json
//! "aws_codepipeline": {"api": {"stage": [{"name": "Build", "action": [{"name": "Build", "category": "Build",
//!   "owner": "AWS", "provider": "CodeBuild", "configuration": {}}]}]}}
//! ```
//!
//! **Fix.** `"configuration": {"ProjectName": "${aws_codebuild_project.api.name}"}`.
//!
//! Doc 003 property 13. NIST CM-2, CM-3. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF013",
    name: "pipeline-codebuild",
    severity: Severity::Error,
    property: Some(13),
    nist: &["CM-2", "CM-3"],
    soc2: &["CC8.1"],
    summary: "CodePipeline build actions use CodeBuild with a project name",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for p in of_type(m, "aws_codepipeline") {
        for (stage, a) in pipeline_actions(p) {
            if a.get("category").and_then(Value::as_str) != Some("Build") {
                continue;
            }
            let name = a.get("name").and_then(Value::as_str).unwrap_or("?");
            match a.get("provider") {
                Some(Value::String(s)) if s == "CodeBuild" => {}
                Some(Value::String(s)) => {
                    out.report(p, format!("build action `{stage}/{name}` uses provider `{s}`; build with provider CodeBuild and a ProjectName"));
                    continue;
                }
                _ => continue,
            }
            if is_set(a.get("configuration").and_then(|c| c.get("ProjectName"))) == Some(false) {
                out.report(p, format!("build action `{stage}/{name}` names no CodeBuild project; set configuration.ProjectName to the aws_codebuild_project's name"));
            }
        }
    }
}
