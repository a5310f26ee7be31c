//! # EF005 kms-at-rest: stored data is encrypted with a customer-managed KMS key
//!
//! **What it checks.**
//! - `aws_ecr_repository`: `encryption_configuration` with
//!   `encryption_type = "KMS"` and a `kms_key`;
//! - `aws_cloudwatch_log_group`: a `kms_key_id`;
//! - `aws_s3_bucket`: default encryption (an
//!   `aws_s3_bucket_server_side_encryption_configuration`, or the bucket's
//!   legacy inline `server_side_encryption_configuration`) with
//!   `sse_algorithm` `aws:kms` or `aws:kms:dsse` and a `kms_master_key_id`;
//! - `aws_secretsmanager_secret` (when the model has any): a `kms_key_id`.
//!
//! A key given as an AWS-managed alias (`alias/aws/...`) or left out (so AWS
//! uses its managed key) does not count: doc 003 asks for a customer-managed
//! key, whose policy the account controls and whose use CloudTrail records.
//!
//! Exception: an S3 bucket that an `aws_lb`'s `access_logs` writes to is not
//! judged here. Elastic Load Balancing delivers ALB access logs only to
//! buckets encrypted with S3-managed keys (SSE-S3, `AES256`); with SSE-KMS
//! the delivery fails. Rule EF031 checks that such a bucket has SSE-S3.
//! Fargate task storage is always encrypted (with an AWS-owned key unless
//! the cluster names one in `managed_storage_configuration`); that option is
//! not checked.
//!
//! **Why it matters.** Encryption with a customer-managed key is what makes
//! access to stored images, logs and secrets an auditable, revocable IAM
//! decision (NIST SC-28); AWS-managed keys cannot be restricted or disabled.
//!
//! **Failing example.**
//! ```json
//! "aws_cloudwatch_log_group": {"api": {"name": "/ecs/shop-prod/api", "retention_in_days": 90}}
//! ```
//!
//! **Fix.** `"kms_key_id": "${aws_kms_key.logs.arn}"` (the key policy must let
//! `logs.<region>.amazonaws.com` use it); for ECR
//! `"encryption_configuration": [{"encryption_type": "KMS", "kms_key": "${aws_kms_key.ecr.arn}"}]`;
//! for S3 `sse_algorithm = "aws:kms"` with `kms_master_key_id`.
//!
//! Doc 003 property 5. NIST SC-13, SC-28. SOC-2 CC6.1, CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF005",
    name: "kms-at-rest",
    severity: Severity::Error,
    property: Some(5),
    nist: &["SC-13", "SC-28"],
    soc2: &["CC6.1", "CC6.6"],
    summary: "ECR, log groups, S3 buckets and secrets use a customer-managed KMS key",
};

/// Whether a key attribute names a customer-managed key: `Some(false)` when
/// absent or an AWS-managed alias, `None` when unknown.
fn customer_key(v: Option<&Value>) -> Option<bool> {
    match is_set(v)? {
        false => Some(false),
        true => Some(!v.and_then(Value::as_str).is_some_and(|s| s.contains("alias/aws/"))),
    }
}

/// The `(sse_algorithm, kms_master_key_id)` of an encryption configuration's first default rule.
fn sse_default(rule: Option<&Value>) -> Option<(Option<&Value>, Option<&Value>)> {
    let rule = rule.and_then(first_map)?;
    let d = rule.get("apply_server_side_encryption_by_default").and_then(first_map)?;
    Some((d.get("sse_algorithm"), d.get("kms_master_key_id")))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for r in m.of_kind(Kind::EcrRepository) {
        let enc = block(r, "encryption_configuration");
        match enc.and_then(|b| b.get("encryption_type")) {
            Some(Value::Unknown) => continue,
            Some(Value::String(t)) if t == "KMS" => {}
            _ => {
                out.report(r, "repository is encrypted with AES256 (S3-managed keys), not a customer-managed KMS key; set encryption_configuration { encryption_type = \"KMS\", kms_key = <key arn> }");
                continue;
            }
        }
        if customer_key(enc.and_then(|b| b.get("kms_key"))) == Some(false) {
            out.report(r, "repository uses KMS without kms_key, so AWS's managed aws/ecr key is used; set encryption_configuration.kms_key to a customer-managed key");
        }
    }
    for lg in m.of_kind(Kind::LogGroup) {
        if customer_key(lg.get("kms_key_id")) == Some(false) {
            out.report(lg, "log group has no kms_key_id, so logs are encrypted only with CloudWatch's service key; set kms_key_id to a customer-managed key whose policy admits logs.<region>.amazonaws.com");
        }
    }

    // S3: default encryption per bucket, except ALB access-log buckets (EF031).
    let log_buckets: Vec<&Value> = m
        .of_kind(Kind::Lb)
        .filter_map(|lb| block(lb, "access_logs").and_then(|a| a.get("bucket")))
        .collect();
    let configs = Links::new(m.of_kind(Kind::S3BucketEncryption), "bucket");
    for b in m.of_kind(Kind::S3Bucket) {
        let keys = ["bucket", "id"];
        if log_buckets.iter().any(|v| designates(v, b, &keys) != Some(false)) {
            continue;
        }
        let standalone = configs.to(b, &keys).into_iter().next();
        let inline = block(b, "server_side_encryption_configuration");
        let rule = match (standalone, inline) {
            (Some(c), _) => c.get("rule"),
            (None, Some(i)) => i.get("rule"),
            (None, None) => None,
        };
        if matches!(rule, Some(Value::Unknown)) {
            continue;
        }
        let sse = match (standalone, inline) {
            (Some(_), _) | (None, Some(_)) => sse_default(rule),
            (None, None) if configs.unknown => continue,
            (None, None) => None,
        };
        let Some((alg, key)) = sse else {
            out.report(b, "bucket declares no default encryption, so objects get SSE-S3 (AES256) at best; add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = \"aws:kms\" and kms_master_key_id");
            continue;
        };
        match alg {
            Some(Value::Unknown) => {}
            Some(Value::String(a)) if a == "aws:kms" || a == "aws:kms:dsse" => {
                if customer_key(key) == Some(false) {
                    out.report(b, "bucket uses aws:kms without kms_master_key_id, so AWS's managed aws/s3 key is used; set kms_master_key_id to a customer-managed key");
                }
            }
            other => {
                let a = other.and_then(Value::as_str).unwrap_or("none");
                out.report(b, format!("bucket default encryption is `{a}`, not a customer-managed KMS key; use sse_algorithm = \"aws:kms\" with kms_master_key_id"));
            }
        }
    }

    for s in of_type(m, "aws_secretsmanager_secret") {
        if customer_key(s.get("kms_key_id")) == Some(false) {
            out.report(s, "secret has no kms_key_id, so Secrets Manager encrypts it with the AWS-managed aws/secretsmanager key; set kms_key_id to a customer-managed key");
        }
    }
}

