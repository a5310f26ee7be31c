//! # EF055 compliance-tags: every taggable resource carries the mandatory compliance tags
//!
//! **What it checks.** Every resource whose type accepts tags has non-empty
//! `Owner`, `CostCenter` and `Compliance` tags, read like EF051 (`tags_all`
//! when present, else `tags`; values known only at apply count as present;
//! unknown tag maps are not judged). The fourth mandatory tag of doc 003,
//! `Environment`, is EF051's and is not reported twice.
//!
//! **Why it matters.** Doc 003 §Compliance makes these tags mandatory: they
//! name who answers for a resource, who pays for it, and which regime (SOC2,
//! NIST) governs it. Audits sample resources by these tags; an untagged one
//! has no owner to ask.
//!
//! **Failing example.**
//! ```json
//! "aws_ecr_repository": {"api": {"name": "shop/prod/api", "tags": {"Environment": "prod"}}}
//! ```
//!
//! **Fix.** `"tags": {"Environment": "prod", "Owner": "platform-team", "CostCenter": "CC-1234", "Compliance": "SOC2"}`
//! (ecsforge takes them from the manifest's mandatory `tags:`), or the
//! provider's `default_tags`.
//!
//! Doc 003 property 55. NIST CM-2, CM-8. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF055",
    name: "compliance-tags",
    severity: Severity::Warning,
    property: Some(55),
    nist: &["CM-2", "CM-8"],
    soc2: &["CC8.1"],
    summary: "every taggable resource has Owner, CostCenter and Compliance tags",
};

const REQUIRED: [&str; 3] = ["Owner", "CostCenter", "Compliance"];

pub fn check(m: &InfraModel, out: &mut Findings) {
    for r in m.resources.values().filter(|r| r.taggable) {
        let missing: Vec<&str> = REQUIRED.into_iter().filter(|k| tag(r, k) == Tag::Missing).collect();
        if !missing.is_empty() {
            let (noun, pronoun) = if missing.len() > 1 { ("tags", "them") } else { ("tag", "it") };
            out.report(r, format!("resource lacks the mandatory {noun} {}; add {pronoun} (or the provider's default_tags) with the owner, cost center and compliance regime", missing.join(", ")));
        }
    }
}
