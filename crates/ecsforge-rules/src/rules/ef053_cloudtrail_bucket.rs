//! # EF053 cloudtrail-bucket: the CloudTrail bucket keeps every version and needs MFA to delete one
//!
//! **What it checks.** For every `aws_cloudtrail`, the bucket named by
//! `s3_bucket_name` (a reference to an `aws_s3_bucket`, or its literal name),
//! when it is in the model, has versioning `Enabled` and MFA delete
//! `Enabled`: an `aws_s3_bucket_versioning` with
//! `versioning_configuration { status = "Enabled", mfa_delete = "Enabled" }`,
//! or the bucket's legacy inline `versioning { enabled = true, mfa_delete = true }`.
//! A bucket outside the model, and a model without trails, are not judged.
//!
//! **Why it matters.** Versioning keeps overwritten log files; MFA delete makes
//! removing a version (or switching versioning off) require the root user's
//! MFA device, so stolen credentials alone cannot erase the audit trail.
//!
//! **Failing example.**
//! ```json
//! "aws_s3_bucket_versioning": {"trail": {"bucket": "${aws_s3_bucket.trail.id}",
//!   "versioning_configuration": [{"status": "Enabled"}]}}
//! ```
//!
//! **Fix.** `"versioning_configuration": [{"status": "Enabled", "mfa_delete": "Enabled"}]`
//! (applied with the root user's `mfa` serial and code, as AWS requires).
//!
//! Doc 003 property 53. NIST AU-9, CP-9. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF053",
    name: "cloudtrail-bucket",
    severity: Severity::Error,
    property: Some(53),
    nist: &["AU-9", "CP-9"],
    soc2: &["CC7.2"],
    summary: "the CloudTrail bucket has versioning and MFA delete enabled",
};

/// `(versioning, mfa_delete)`, each `None` when unknown.
fn versioning(m: &InfraModel, b: &Resource) -> (Option<bool>, Option<bool>) {
    for v in m.of_kind(Kind::S3BucketVersioning) {
        match v.get("bucket").and_then(|x| designates(x, b, &["bucket", "id"])) {
            Some(true) => {
                let cfg = block(v, "versioning_configuration");
                let read = |k: &str| match cfg.and_then(|c| c.get(k)) {
                    Some(Value::Unknown) => None,
                    Some(Value::String(s)) => Some(s == "Enabled"),
                    _ => Some(false),
                };
                return (read("status"), read("mfa_delete"));
            }
            None => return (None, None),
            Some(false) => {}
        }
    }
    let inline = block(b, "versioning");
    let read = |k: &str| match inline.and_then(|c| c.get(k)) {
        Some(Value::Unknown) => None,
        Some(v) => Some(as_bool(v) == Some(true)),
        None => Some(false),
    };
    (read("enabled"), read("mfa_delete"))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for t in of_type(m, "aws_cloudtrail") {
        let Some(name) = t.get("s3_bucket_name") else { continue };
        let Some(b) = m.of_kind(Kind::S3Bucket).find(|b| designates(name, b, &["bucket", "id"]) == Some(true)) else {
            continue;
        };
        let (ver, mfa) = versioning(m, b);
        let mut missing = Vec::new();
        if ver == Some(false) {
            missing.push("versioning");
        }
        if mfa == Some(false) {
            missing.push("MFA delete");
        }
        if !missing.is_empty() {
            out.report(t, format!("trail bucket {} does not have {} enabled, so log files can be overwritten or deleted with ordinary credentials; set versioning_configuration {{ status = \"Enabled\", mfa_delete = \"Enabled\" }}", b.address, missing.join(" or ")));
        }
    }
}
