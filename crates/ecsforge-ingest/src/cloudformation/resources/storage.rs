//! ECR, CloudWatch Logs, KMS and S3.

use ecsforge_model::Value;

use super::{Cx, Props, Put, blocks, boolish, field, json_doc, numish};

pub(super) fn ecr_repository(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("RepositoryName"));
    r.put("image_tag_mutability", p.take("ImageTagMutability"));
    r.put("force_delete", p.take("EmptyOnDelete").map(boolish));
    r.put(
        "image_scanning_configuration",
        p.take("ImageScanningConfiguration").map(|c| match field(&c, "ScanOnPush") {
            Some(v) => Value::block([("scan_on_push", boolish(v))]),
            None => blocks(c),
        }),
    );
    r.put(
        "encryption_configuration",
        p.take("EncryptionConfiguration").map(|c| match &c {
            Value::Map(_) => {
                let mut b =
                    vec![("encryption_type", field(&c, "EncryptionType").unwrap_or_else(|| Value::from("AES256")))];
                if let Some(k) = field(&c, "KmsKey") {
                    b.push(("kms_key", k));
                }
                Value::block(b)
            }
            _ => c,
        }),
    );
    let repo = cx.self_ref("name");
    if let Some(lc) = p.take("LifecyclePolicy") {
        let part = cx.part("aws_ecr_lifecycle_policy", "lifecycle", &["LifecyclePolicy"]);
        part.set("repository", repo.clone());
        match &lc {
            Value::Map(_) => {
                part.put("policy", field(&lc, "LifecyclePolicyText").map(json_doc));
                part.put("registry_id", field(&lc, "RegistryId"));
            }
            _ => part.set("policy", lc),
        }
    }
    if let Some(policy) = p.take("RepositoryPolicyText") {
        let part = cx.part("aws_ecr_repository_policy", "policy", &["RepositoryPolicyText"]);
        part.set("repository", repo);
        part.set("policy", json_doc(policy));
    }
}

pub(super) fn log_group(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("LogGroupName"));
    r.put("retention_in_days", p.take("RetentionInDays").map(numish));
    r.put("kms_key_id", p.take("KmsKeyId"));
    r.put("log_group_class", p.take("LogGroupClass"));
}

pub(super) fn kms_key(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("description", p.take("Description"));
    r.put("enable_key_rotation", p.take("EnableKeyRotation").map(boolish));
    r.put("policy", p.take("KeyPolicy").map(json_doc));
    r.put("key_usage", p.take("KeyUsage"));
    r.put("customer_master_key_spec", p.take("KeySpec"));
    r.put("is_enabled", p.take("Enabled").map(boolish));
    r.put("multi_region", p.take("MultiRegion").map(boolish));
    r.put("deletion_window_in_days", p.take("PendingWindowInDays").map(numish));
    r.put("rotation_period_in_days", p.take("RotationPeriodInDays").map(numish));
}

/// `AWS::S3::Bucket` → `aws_s3_bucket` plus the resources Terraform splits
/// bucket settings into, each with `bucket` = the bucket's id.
pub(super) fn s3_bucket(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("bucket", p.take("BucketName"));
    r.put("object_lock_enabled", p.take("ObjectLockEnabled").map(boolish));
    let bucket = cx.self_ref("id");

    if let Some(v) = p.take("VersioningConfiguration") {
        let part = cx.part("aws_s3_bucket_versioning", "versioning", &["VersioningConfiguration"]);
        part.set("bucket", bucket.clone());
        part.set(
            "versioning_configuration",
            match field(&v, "Status") {
                Some(s) => Value::block([("status", s)]),
                None => blocks(v),
            },
        );
    }
    if let Some(v) = p.take("BucketEncryption") {
        let part = cx.part("aws_s3_bucket_server_side_encryption_configuration", "encryption", &["BucketEncryption"]);
        part.set("bucket", bucket.clone());
        let rules = match field(&v, "ServerSideEncryptionConfiguration") {
            Some(Value::List(rules)) => Value::List(
                rules
                    .iter()
                    .map(|rule| {
                        let mut m = std::collections::BTreeMap::new();
                        if let Some(d) = field(rule, "ServerSideEncryptionByDefault") {
                            let mut b = vec![];
                            if let Some(a) = field(&d, "SSEAlgorithm") {
                                b.push(("sse_algorithm", a));
                            }
                            if let Some(k) = field(&d, "KMSMasterKeyID") {
                                b.push(("kms_master_key_id", k));
                            }
                            m.insert("apply_server_side_encryption_by_default".to_string(), Value::block(b));
                        }
                        if let Some(k) = field(rule, "BucketKeyEnabled") {
                            m.insert("bucket_key_enabled".to_string(), boolish(k));
                        }
                        Value::Map(m)
                    })
                    .collect(),
            ),
            Some(other) => other,
            None => blocks(v),
        };
        part.set("rule", rules);
    }
    if let Some(v) = p.take("PublicAccessBlockConfiguration") {
        let part =
            cx.part("aws_s3_bucket_public_access_block", "public_access_block", &["PublicAccessBlockConfiguration"]);
        part.set("bucket", bucket.clone());
        for (from, to) in [
            ("BlockPublicAcls", "block_public_acls"),
            ("BlockPublicPolicy", "block_public_policy"),
            ("IgnorePublicAcls", "ignore_public_acls"),
            ("RestrictPublicBuckets", "restrict_public_buckets"),
        ] {
            // Each setting is off unless set.
            part.set(to, field(&v, from).map(boolish).unwrap_or(Value::Bool(false)));
        }
    }
    if let Some(v) = p.take("OwnershipControls") {
        let part = cx.part("aws_s3_bucket_ownership_controls", "ownership_controls", &["OwnershipControls"]);
        part.set("bucket", bucket.clone());
        part.set("rule", field(&v, "Rules").map(blocks).unwrap_or_else(|| blocks(v)));
    }
    if let Some(v) = p.take("LifecycleConfiguration") {
        let part = cx.part("aws_s3_bucket_lifecycle_configuration", "lifecycle", &["LifecycleConfiguration"]);
        part.set("bucket", bucket);
        part.set("rule", field(&v, "Rules").map(blocks).unwrap_or_else(|| blocks(v)));
    }
}

pub(super) fn s3_bucket_policy(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("bucket", p.take("Bucket"));
    r.put("policy", p.take("PolicyDocument").map(json_doc));
}
