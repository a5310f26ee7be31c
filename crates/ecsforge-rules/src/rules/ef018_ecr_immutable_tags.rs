//! # EF018 ecr-immutable-tags: image tags cannot be overwritten
//!
//! **What it checks.** Every `aws_ecr_repository` sets
//! `image_tag_mutability = "IMMUTABLE"`.
//!
//! **Why it matters.** With mutable tags, `v1.2.3` can silently point at a
//! different image tomorrow: deployments stop being reproducible and a pushed
//! image can replace an audited one.
//!
//! **Failing example.**
//! ```json
//! "aws_ecr_repository": {"api": {"image_tag_mutability": "MUTABLE"}}
//! ```
//!
//! **Fix.** `"image_tag_mutability": "IMMUTABLE"`; push a new tag per build.
//!
//! Doc 003 property 18. NIST CM-2, SI-7. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF018",
    name: "ecr-immutable-tags",
    severity: Severity::Error,
    property: Some(18),
    nist: &["CM-2", "SI-7"],
    soc2: &["CC8.1"],
    summary: "ECR repositories use immutable tags",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for r in m.of_kind(Kind::EcrRepository) {
        match r.get("image_tag_mutability") {
            Some(Value::Unknown) => {}
            Some(Value::String(v)) if v == "IMMUTABLE" => {}
            Some(Value::String(v)) => out.report(r, format!("image tags are {v}; set image_tag_mutability = IMMUTABLE")),
            _ => out.report(r, "image tags are MUTABLE by default; set image_tag_mutability = IMMUTABLE"),
        }
    }
}
