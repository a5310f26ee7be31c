//! # EF051 environment-tag: every taggable resource says which environment it belongs to
//!
//! **What it checks.** Every resource whose type accepts tags
//! (`Resource::taggable`: the provider type takes tags and the source format
//! lets the author set them) has an `Environment` tag,
//! equal to the model's environment when that is known. The tags the
//! provider applies are read from `tags_all` when the model has it (plans:
//! it includes the provider's `default_tags`), else from `tags`. A tag whose
//! value is known only at apply counts as present; a tag map unknown until
//! apply is not judged. The other mandatory tags (Owner, CostCenter,
//! Compliance) are EF055.
//!
//! **Why it matters.** Cost reports, IAM conditions (`aws:ResourceTag/Environment`),
//! Config rules and incident triage all select resources by environment; an
//! untagged or mistagged resource is invisible to them or, worse, treated as
//! another environment's.
//!
//! **Failing example.**
//! ```json
//! "aws_security_group": {"api": {"name": "shop-prod-api", "tags": {"Owner": "platform-team"}}}
//! ```
//!
//! **Fix.** `"tags": {"Environment": "prod", ...}`, or once for all resources
//! with the provider's `default_tags`.
//!
//! Doc 003 property 51. NIST CM-2, CM-8. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF051",
    name: "environment-tag",
    severity: Severity::Warning,
    property: Some(51),
    nist: &["CM-2", "CM-8"],
    soc2: &["CC8.1"],
    summary: "every taggable resource has an Environment tag with the environment's name",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let env = (!m.environment.is_empty()).then_some(m.environment.as_str());
    for r in m.resources.values().filter(|r| r.taggable) {
        match tag(r, "Environment") {
            Tag::Missing => out.report(r, format!("resource has no Environment tag; tag it Environment = {}", env.unwrap_or("<environment>"))),
            Tag::Literal(v) if env.is_some_and(|e| e != v) => {
                out.report(r, format!("resource is tagged Environment = {v} in the {} environment; tag it Environment = {}", env.unwrap_or(""), env.unwrap_or("")))
            }
            _ => {}
        }
    }
}
