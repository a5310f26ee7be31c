//! # EF007 ecr-scan-on-push: ECR repositories scan images on push
//!
//! **What it checks.** Every `aws_ecr_repository` has
//! `image_scanning_configuration { scan_on_push = true }`.
//!
//! **Why it matters.** Without scanning, images with known CVEs reach production
//! unnoticed; scan results also feed the audit trail.
//!
//! **Failing example.**
//! ```json
//! "aws_ecr_repository": {"api": {"name": "shop/api"}}
//! ```
//!
//! **Fix.** `"image_scanning_configuration": [{"scan_on_push": true}]`.
//!
//! Doc 003 property 7. NIST RA-5, SI-2. SOC-2 CC7.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF007",
    name: "ecr-scan-on-push",
    severity: Severity::Error,
    property: Some(7),
    nist: &["RA-5", "SI-2"],
    soc2: &["CC7.1"],
    summary: "ECR repositories scan images on push",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for r in m.of_kind(Kind::EcrRepository) {
        match block(r, "image_scanning_configuration").and_then(|b| b.get("scan_on_push")) {
            Some(Value::Unknown) => {}
            Some(v) if as_bool(v) == Some(true) => {}
            _ => out.report(r, "repository does not scan images on push; set image_scanning_configuration.scan_on_push = true"),
        }
    }
}
