//! # EF052 cloudtrail-kms: CloudTrail logs are encrypted with a customer-managed key
//!
//! **What it checks.** Every `aws_cloudtrail` sets `kms_key_id` (a reference
//! to an `aws_kms_key`, or a key ARN; an `alias/aws/...` AWS-managed alias
//! does not count). Without any `aws_cloudtrail` in the model the rule has
//! nothing to check: ecsforge does not create the account's trail, which
//! usually lives in a separate security baseline.
//!
//! **Why it matters.** CloudTrail is the audit record of every API call. With
//! SSE-KMS under a customer-managed key, reading the logs needs `kms:Decrypt`
//! as well as S3 access, so whoever can read the bucket cannot quietly read
//! (or tamper with and re-write) the audit trail, and every decryption is
//! itself logged.
//!
//! **Failing example.**
//! ```json
//! "aws_cloudtrail": {"main": {"name": "shop-prod", "s3_bucket_name": "${aws_s3_bucket.trail.id}"}}
//! ```
//!
//! **Fix.** `"kms_key_id": "${aws_kms_key.cloudtrail.arn}"`, with a key policy
//! that lets `cloudtrail.amazonaws.com` `GenerateDataKey*` for this trail.
//!
//! Doc 003 property 52. NIST AU-9, SC-13, SC-28. SOC-2 CC6.1, CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF052",
    name: "cloudtrail-kms",
    severity: Severity::Error,
    property: Some(52),
    nist: &["AU-9", "SC-13", "SC-28"],
    soc2: &["CC6.1", "CC7.2"],
    summary: "CloudTrail trails set kms_key_id to a customer-managed key",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for t in of_type(m, "aws_cloudtrail") {
        let v = t.get("kms_key_id");
        let managed = v.and_then(Value::as_str).is_some_and(|s| s.contains("alias/aws/"));
        if is_set(v) == Some(false) || managed {
            out.report(t, "trail has no customer-managed kms_key_id, so its logs are protected only by S3 permissions; set kms_key_id to a KMS key whose policy admits cloudtrail.amazonaws.com");
        }
    }
}
