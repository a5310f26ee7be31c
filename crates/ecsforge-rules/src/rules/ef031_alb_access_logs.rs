//! # EF031 alb-access-logs: ALBs log every request to an encrypted bucket
//!
//! **What it checks.** Every application load balancer (`aws_lb` with
//! `load_balancer_type` absent or `application`) has an `access_logs` block
//! with `enabled = true` (the provider's default is `false`, even with a
//! bucket) and a `bucket`. When that bucket is in the model, it declares
//! default encryption with `sse_algorithm = "AES256"` (an
//! `aws_s3_bucket_server_side_encryption_configuration` or the legacy inline
//! block).
//!
//! Why AES256 and not KMS: Elastic Load Balancing delivers ALB access logs
//! only to buckets encrypted with S3-managed keys (SSE-S3); a bucket whose
//! default encryption is SSE-KMS makes delivery fail. This is the one place
//! where rule EF005 (customer-managed KMS keys at rest) accepts SSE-S3, and
//! the reason EF005 leaves ALB log buckets to this rule.
//!
//! **Why it matters.** Access logs are the record of who called what through
//! the internet edge: client IPs, paths, TLS versions and response codes. They
//! are audit evidence (NIST AU-2) and must themselves be protected (AU-9).
//!
//! **Failing example.**
//! ```json
//! "aws_lb": {"main": {"load_balancer_type": "application", "access_logs": [{"bucket": "${aws_s3_bucket.alb_logs.id}"}]}}
//! ```
//!
//! **Fix.** `"access_logs": [{"bucket": "${aws_s3_bucket.alb_logs.id}", "prefix": "alb", "enabled": true}]`,
//! and on the bucket `apply_server_side_encryption_by_default { sse_algorithm = "AES256" }`
//! plus a bucket policy admitting `logdelivery.elasticloadbalancing.amazonaws.com`.
//!
//! Doc 003 property 31. NIST AU-2, AU-9, SC-28. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF031",
    name: "alb-access-logs",
    severity: Severity::Error,
    property: Some(31),
    nist: &["AU-2", "AU-9", "SC-28"],
    soc2: &["CC7.2"],
    summary: "ALBs have access logs enabled into a bucket with SSE-S3 encryption",
};

/// The default-encryption algorithm of a bucket: `Ok(Some(alg))`, `Ok(None)`
/// when none is declared, `Err(())` when unknown.
fn bucket_sse<'a>(m: &'a InfraModel, b: &'a Resource) -> Result<Option<&'a str>, ()> {
    let keys = ["bucket", "id"];
    let mut rule = None;
    for c in m.of_kind(Kind::S3BucketEncryption) {
        match c.get("bucket").and_then(|v| designates(v, b, &keys)) {
            Some(true) => rule = c.get("rule"),
            None => return Err(()),
            Some(false) => {}
        }
    }
    if rule.is_none() {
        rule = block(b, "server_side_encryption_configuration").and_then(|i| i.get("rule"));
    }
    let Some(rule) = rule else { return Ok(None) };
    let alg = first_map(rule)
        .and_then(|r| r.get("apply_server_side_encryption_by_default"))
        .and_then(first_map)
        .and_then(|d| d.get("sse_algorithm"));
    match alg {
        Some(Value::String(a)) => Ok(Some(a.as_str())),
        Some(Value::Unknown) => Err(()),
        _ if matches!(rule, Value::Unknown) => Err(()),
        _ => Ok(None),
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for lb in m.of_kind(Kind::Lb) {
        match lb.get("load_balancer_type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "application" => {}
            _ => continue,
        }
        let logs = block(lb, "access_logs");
        let enabled = logs.and_then(|l| l.get("enabled"));
        if matches!(enabled, Some(Value::Unknown)) {
            continue;
        }
        if enabled.and_then(as_bool) != Some(true) {
            out.report(lb, "access logs are not enabled (access_logs.enabled defaults to false even with a bucket); set access_logs { bucket = <log bucket>, enabled = true }");
            continue;
        }
        let bucket = logs.and_then(|l| l.get("bucket"));
        if is_set(bucket) == Some(false) {
            out.report(lb, "access logs are enabled without a bucket; set access_logs.bucket to the encrypted log bucket");
            continue;
        }
        let Some(bucket) = bucket else { continue };
        let Some(b) = m.of_kind(Kind::S3Bucket).find(|b| designates(bucket, b, &["bucket", "id"]) == Some(true)) else {
            continue;
        };
        match bucket_sse(m, b) {
            Err(()) => {}
            Ok(Some("AES256")) => {}
            Ok(Some(a)) if a.starts_with("aws:kms") => out.report(lb, format!("access-log bucket {} is encrypted with {a}, and ELB cannot deliver ALB logs to an SSE-KMS bucket; use sse_algorithm = \"AES256\" on that bucket", b.address)),
            Ok(Some(a)) => out.report(lb, format!("access-log bucket {} has default encryption `{a}`; use sse_algorithm = \"AES256\"", b.address)),
            Ok(None) => out.report(lb, format!("access-log bucket {} declares no default encryption; add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = \"AES256\" (ELB cannot deliver to SSE-KMS buckets)", b.address)),
        }
    }
}
