//! Private S3 buckets: the one shape every bucket ecsforge creates shares.
//!
//! A bucket is versioned, encrypted (SSE-S3 or a customer-managed key with a
//! bucket key), blocks every kind of public access, enforces bucket-owner
//! object ownership (no ACLs), and its policy denies any request not made
//! over TLS, after the statements the caller needs (log delivery, ...).

use ecsforge_model::{Address, Concern, Kind, Provenance, Value};

use crate::network::{lit, ref_part};
use crate::{Cx, policy, r};

/// How a bucket encrypts objects at rest.
pub(crate) enum Sse {
    /// SSE-S3 (`AES256`): for AWS services that cannot write with SSE-KMS,
    /// such as ELB access-log delivery.
    S3,
    /// SSE-KMS with this customer-managed key and an S3 bucket key.
    Kms(Address),
}

pub(crate) struct Bucket<'a> {
    /// Terraform name of the bucket and of its settings resources.
    pub id: &'a str,
    /// The S3 bucket name.
    pub name: &'a str,
    pub concern: Concern,
    pub prov: Provenance,
    pub sse: Sse,
    /// Statements placed before the TLS-only deny; they may refer to the
    /// bucket through the address passed in.
    pub statements: &'a dyn Fn(&Address) -> Vec<Value>,
}

/// `<bucket arn>/<suffix>` (an object ARN pattern).
pub(crate) fn objects(bucket: &Address, suffix: &str) -> Value {
    Value::Template(vec![ref_part(bucket, "arn"), lit(suffix)])
}

/// Creates the bucket and its settings; returns the bucket's address and its policy's.
pub(crate) fn build(cx: &mut Cx, b: Bucket) -> (Address, Address) {
    let (id, c, p) = (b.id, b.concern, b.prov);
    let bucket = cx.res(Kind::S3Bucket, id, c.clone(), p.clone()).with("bucket", b.name).with("force_destroy", false);
    let bucket = cx.add(bucket, Some(b.name));
    let versioning = cx
        .res(Kind::S3BucketVersioning, id, c.clone(), p.clone())
        .with("bucket", r(&bucket, "id"))
        .with("versioning_configuration", Value::block([("status", Value::from("Enabled"))]));
    cx.add(versioning, None);
    let rule = match &b.sse {
        Sse::S3 => Value::block([(
            "apply_server_side_encryption_by_default",
            Value::block([("sse_algorithm", Value::from("AES256"))]),
        )]),
        Sse::Kms(key) => Value::block([
            (
                "apply_server_side_encryption_by_default",
                Value::block([("sse_algorithm", Value::from("aws:kms")), ("kms_master_key_id", r(key, "arn"))]),
            ),
            ("bucket_key_enabled", Value::from(true)),
        ]),
    };
    let sse =
        cx.res(Kind::S3BucketEncryption, id, c.clone(), p.clone()).with("bucket", r(&bucket, "id")).with("rule", rule);
    cx.add(sse, None);
    let pab = cx
        .res(Kind::S3BucketPublicAccessBlock, id, c.clone(), p.clone())
        .with("bucket", r(&bucket, "id"))
        .with("block_public_acls", true)
        .with("block_public_policy", true)
        .with("ignore_public_acls", true)
        .with("restrict_public_buckets", true);
    cx.add(pab, None);
    let own = cx
        .res(Kind::S3BucketOwnershipControls, id, c.clone(), p.clone())
        .with("bucket", r(&bucket, "id"))
        .with("rule", Value::block([("object_ownership", Value::from("BucketOwnerEnforced"))]));
    cx.add(own, None);
    let mut statements = (b.statements)(&bucket);
    statements.push(policy::with(
        policy::with(
            policy::statement(
                "DenyInsecureTransport",
                "Deny",
                &["s3:*"],
                vec![r(&bucket, "arn"), objects(&bucket, "/*")],
            ),
            "Principal",
            Value::from("*"),
        ),
        "Condition",
        Value::map([("Bool", Value::map([("aws:SecureTransport", Value::from("false"))]))]),
    ));
    let bp = cx
        .res(Kind::S3BucketPolicy, id, c, p)
        .with("bucket", r(&bucket, "id"))
        .with("policy", policy::document(statements));
    let bp = cx.add(bp, None);
    (bucket, bp)
}
