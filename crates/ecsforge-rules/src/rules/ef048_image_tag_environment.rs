//! # EF048 image-tag-environment: builds push an image tagged with the environment
//!
//! **What it checks.** Every `aws_codebuild_project` whose buildspec is
//! inline and pushes images pushes at least one tag that names the
//! environment: it expands a variable `ENVIRONMENT`, `ENVIRONMENT_NAME`,
//! `ENV`, `ENV_NAME`, `DEPLOY_ENV` or `STAGE` (directly or through
//! assignments), or contains the model's environment name as a word
//! (`prod-$COMMIT_HASH`). Pushed tags are read as in EF014.
//!
//! Not judged: buildspecs kept in the repository (the default
//! `buildspec.yml`), which are not part of the infrastructure; projects
//! without an inline buildspec and buildspecs that push nothing pass. The
//! commit-SHA tag (property 14) is EF014.
//!
//! **Why it matters.** Environment tags (`prod-a1b2c3d`) say which images
//! were promoted where; with IMMUTABLE repositories they are also what
//! ECR lifecycle rules keep (`tagPrefixList: ["prod-"]`), so production
//! images are never expired.
//!
//! **Failing example.**
//! ```json
//! "aws_codebuild_project": {"api": {"source": [{"type": "CODEPIPELINE",
//!   "buildspec": "version: 0.2\nphases:\n  post_build:\n    commands:\n      - docker push $REPO:$CODEBUILD_RESOLVED_SOURCE_VERSION\n"}]}}
//! ```
//!
//! **Fix.** `docker tag $REPO:$IMAGE_TAG $REPO:$ENVIRONMENT-$IMAGE_TAG` and
//! `docker push $REPO:$ENVIRONMENT-$IMAGE_TAG`, with `ENVIRONMENT` set in the
//! project's `environment.environment_variable`.
//!
//! Doc 003 property 48. NIST CM-2, CM-8. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF048",
    name: "image-tag-environment",
    severity: Severity::Warning,
    property: Some(48),
    nist: &["CM-2", "CM-8"],
    soc2: &["CC8.1"],
    summary: "inline buildspecs push an image tagged with the environment",
};

const ENV_VARS: [&str; 6] = ["ENVIRONMENT", "ENVIRONMENT_NAME", "ENV", "ENV_NAME", "DEPLOY_ENV", "STAGE"];

fn names_environment(t: &PushedTag, env: Option<&str>) -> bool {
    if t.vars.iter().any(|v| ENV_VARS.contains(&v.to_ascii_uppercase().as_str())) {
        return true;
    }
    let Some(env) = env.filter(|e| !e.is_empty()) else { return false };
    t.text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == env)
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let env = environment(m);
    for p in of_type(m, "aws_codebuild_project") {
        let Some(spec) = inline_buildspec(p) else { continue };
        let tags = buildspec_pushed_tags(spec);
        if !tags.is_empty() && !tags.iter().any(|t| names_environment(t, env.as_deref())) {
            let list: Vec<&str> = tags.iter().map(|t| t.tag.as_str()).collect();
            out.report(p, format!("buildspec pushes tags {} but none names the environment; also push $REPO:$ENVIRONMENT-$IMAGE_TAG with ENVIRONMENT set on the project", list.join(", ")));
        }
    }
}
