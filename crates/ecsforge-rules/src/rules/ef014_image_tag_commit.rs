//! # EF014 image-tag-commit: builds push an image tagged with the commit SHA
//!
//! **What it checks.** Every `aws_codebuild_project` whose buildspec is
//! inline (`source.buildspec` holds YAML, not a file name) and pushes images
//! pushes at least one tag built from the commit: a tag that expands
//! `$CODEBUILD_RESOLVED_SOURCE_VERSION` or `$CODEBUILD_SOURCE_VERSION`, a
//! variable named like `*COMMIT*` or `*SHA*`, or the output of
//! `git rev-parse`, directly or through assignments
//! (`COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)`,
//! `IMAGE_TAG=${COMMIT_HASH:=latest}`, then `docker push $REPO:$IMAGE_TAG`).
//! Pushed tags are read from `docker push` (with `--all-tags`, every tag set
//! by `docker tag` or `-t`) and `docker buildx build --push -t`.
//!
//! Not judged: a buildspec kept in the repository (`buildspec.yml`, the
//! default, or `source.buildspec` naming a file) is not part of the
//! infrastructure and cannot be read here; projects without an inline
//! buildspec, and buildspecs that push nothing, pass. Doc 003 property 14 also
//! asks for a `latest` tag; that is deliberately not required, because ECR
//! repositories here are IMMUTABLE (property 18, EF018) and a second push of
//! `latest` would fail. The environment tag (property 48) is EF048.
//!
//! **Why it matters.** A commit-SHA tag ties every running image to the exact
//! source it was built from, which is what rollbacks, incident timelines and
//! change-management evidence (SOC-2 CC8.1) rely on.
//!
//! **Failing example.**
//! ```json
//! "aws_codebuild_project": {"api": {"source": [{"type": "CODEPIPELINE",
//!   "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t $REPO:build .\n      - docker push $REPO:build\n"}]}}
//! ```
//!
//! **Fix.** Tag and push the commit:
//! `COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)`,
//! `docker tag $REPO:build $REPO:$COMMIT_HASH`, `docker push $REPO:$COMMIT_HASH`.
//!
//! Doc 003 property 14. NIST CM-2, CM-3. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF014",
    name: "image-tag-commit",
    severity: Severity::Warning,
    property: Some(14),
    nist: &["CM-2", "CM-3"],
    soc2: &["CC8.1"],
    summary: "inline buildspecs push an image tagged with the commit SHA",
};

fn from_commit(t: &PushedTag) -> bool {
    t.vars.iter().any(|v| {
        let v = v.to_ascii_uppercase();
        v == "CODEBUILD_RESOLVED_SOURCE_VERSION"
            || v == "CODEBUILD_SOURCE_VERSION"
            || v.split('_').any(|w| w.starts_with("COMMIT") || w == "SHA" || w == "GITSHA")
    })
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for p in of_type(m, "aws_codebuild_project") {
        let Some(spec) = inline_buildspec(p) else { continue };
        let tags = buildspec_pushed_tags(spec);
        if !tags.is_empty() && !tags.iter().any(from_commit) {
            let list: Vec<&str> = tags.iter().map(|t| t.tag.as_str()).collect();
            out.report(p, format!("buildspec pushes tags {} but none is the commit SHA, so a running image cannot be traced to its source; also push $REPO:$COMMIT_HASH with COMMIT_HASH from $CODEBUILD_RESOLVED_SOURCE_VERSION", list.join(", ")));
        }
    }
}
