//! S3: buckets, with their default encryption, versioning, public access
//! block and policy.
//!
//! A bucket is in scope when it is named `<project>-<environment>…` (synth's
//! buckets: `<project>-<environment>-alb-logs-<account>`) or an in-scope
//! resource names it (a load balancer's `access_logs` bucket), and it lives
//! in the scope's region. Buckets are not selected by tag: that would take a
//! GetBucketTagging call for every bucket of the account. Lifecycle rules and
//! ownership controls are not read (no rule reads them).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_s3::error::ProvideErrorMetadata;
use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, document, present, strings_under};

const SVC: &str = "s3";

/// The error codes S3 answers when a bucket simply has no such configuration.
const ABSENT: &[&str] = &[
    "NoSuchTagSet",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchBucketPolicy",
];

/// Bucket names that in-scope resources refer to (`bucket` attributes, at any depth).
pub(crate) fn bucket_uses(items: &[Item]) -> BTreeSet<String> {
    strings_under(items, |k| k == "bucket")
}

/// `Ok(None)` when the call failed only because the configuration is absent.
fn optional<T, E: ProvideErrorMetadata>(r: Result<T, E>) -> Result<Option<T>, E> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code().is_some_and(|c| ABSENT.contains(&c)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn read(ctx: &Ctx<'_>, used: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let listed = ctx.s3.list_buckets().send().await.map_err(|e| ctx.err(SVC, "ListBuckets", None, e))?;
    for b in listed.buckets() {
        let Some(name) = b.name() else { continue };
        if !(ctx.scope.named(name) || used.contains(name)) {
            continue;
        }
        let location = ctx
            .s3
            .get_bucket_location()
            .bucket(name)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "GetBucketLocation", Some(name), e))?;
        // No location constraint is us-east-1.
        let region =
            location.location_constraint().map(|l| l.as_str()).filter(|l| !l.is_empty()).unwrap_or("us-east-1");
        if region != ctx.region {
            continue;
        }
        let arn = format!("arn:aws:s3:::{name}");
        let mut it = Item::new(Kind::S3Bucket, SVC, name, name).arn(Some(&arn));
        it.handles.push((name.to_string(), "bucket"));
        it.set("bucket", name);
        let tags = optional(ctx.s3.get_bucket_tagging().bucket(name).send().await)
            .map_err(|e| ctx.err(SVC, "GetBucketTagging", Some(name), e))?;
        let tags: BTreeMap<String, String> = tags
            .map(|t| t.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
            .unwrap_or_default();
        it.tags(tags);
        out.push(it);

        let sse = optional(ctx.s3.get_bucket_encryption().bucket(name).send().await)
            .map_err(|e| ctx.err(SVC, "GetBucketEncryption", Some(name), e))?;
        if let Some(config) = sse.as_ref().and_then(|s| s.server_side_encryption_configuration()) {
            let rules: Vec<Value> = config
                .rules()
                .iter()
                .map(|r| {
                    let default = r.apply_server_side_encryption_by_default().map(|d| {
                        Value::List(vec![present([
                            ("sse_algorithm", Some(Value::from(d.sse_algorithm().as_str()))),
                            ("kms_master_key_id", d.kms_master_key_id().map(Value::from)),
                        ])])
                    });
                    present([
                        ("apply_server_side_encryption_by_default", default),
                        ("bucket_key_enabled", r.bucket_key_enabled().map(Value::from)),
                    ])
                })
                .collect();
            let mut it = Item::new(Kind::S3BucketEncryption, SVC, name, name);
            it.set("bucket", name);
            it.set("rule", Value::List(rules));
            out.push(it);
        }

        let versioning = ctx
            .s3
            .get_bucket_versioning()
            .bucket(name)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "GetBucketVersioning", Some(name), e))?;
        // A bucket that never had versioning answers no status; Terraform has no resource for it then.
        if let Some(status) = versioning.status() {
            let mut it = Item::new(Kind::S3BucketVersioning, SVC, name, name);
            it.set("bucket", name);
            it.set(
                "versioning_configuration",
                Value::List(vec![present([
                    ("status", Some(Value::from(status.as_str()))),
                    ("mfa_delete", versioning.mfa_delete().map(|m| Value::from(m.as_str()))),
                ])]),
            );
            out.push(it);
        }

        let block = optional(ctx.s3.get_public_access_block().bucket(name).send().await)
            .map_err(|e| ctx.err(SVC, "GetPublicAccessBlock", Some(name), e))?;
        if let Some(c) = block.as_ref().and_then(|b| b.public_access_block_configuration()) {
            let mut it = Item::new(Kind::S3BucketPublicAccessBlock, SVC, name, name);
            it.set("bucket", name);
            it.opt("block_public_acls", c.block_public_acls());
            it.opt("block_public_policy", c.block_public_policy());
            it.opt("ignore_public_acls", c.ignore_public_acls());
            it.opt("restrict_public_buckets", c.restrict_public_buckets());
            out.push(it);
        }

        let policy = optional(ctx.s3.get_bucket_policy().bucket(name).send().await)
            .map_err(|e| ctx.err(SVC, "GetBucketPolicy", Some(name), e))?;
        if let Some(text) = policy.as_ref().and_then(|p| p.policy()) {
            let mut it = Item::new(Kind::S3BucketPolicy, SVC, name, name);
            it.set("bucket", name);
            it.set("policy", document(text));
            out.push(it);
        }
    }
    Ok(())
}
