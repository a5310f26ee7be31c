//! Account-wide audit: the CloudTrail trail (multi-region, log-file
//! validation, KMS, CloudWatch Logs), its S3 bucket, and the AWS Config
//! recorder and delivery channel.
//!
//! AWS allows one Config recorder per account and region, and one trail is
//! enough for the whole account, so only the root of one environment creates
//! them ([`ecsforge_manifest::Manifest::audit_environment`]). The other
//! environments' models record which environment that is
//! (`InfraModel::account_resources_in`).

use ecsforge_model::{Address, Concern, Kind, Value};

use crate::network::{lit, ref_part};
use crate::security::Keys;
use crate::{Cx, aws_name, policy, r};

/// Whether this environment's root owns the account-wide audit resources.
pub(crate) fn owns_audit(cx: &Cx) -> bool {
    cx.m.audit_environment() == Some(cx.env.env)
}

fn trail_name(cx: &Cx) -> String {
    format!("{}-trail", cx.prefix)
}

/// The trail's ARN, written out: the trail depends on the bucket policy and key
/// policy that name it, so they cannot reference it.
fn trail_arn(cx: &Cx) -> String {
    format!("arn:aws:cloudtrail:{}:{}:trail/{}", cx.region(), cx.account(), trail_name(cx))
}

fn source_arn(cx: &Cx) -> Value {
    Value::map([("aws:SourceArn", Value::from(trail_arn(cx)))])
}

/// The s3 key's statements for CloudTrail: encrypt this trail's log files, describe the key.
pub(crate) fn cloudtrail_key_statements(cx: &Cx) -> Vec<Value> {
    let principal = || Value::map([("Service", Value::from("cloudtrail.amazonaws.com"))]);
    let encrypt = policy::with(
        policy::with(
            policy::allow("CloudTrailEncrypt", &["kms:GenerateDataKey*"], vec![Value::from("*")]),
            "Principal",
            principal(),
        ),
        "Condition",
        Value::map([
            ("StringEquals", source_arn(cx)),
            (
                "StringLike",
                Value::map([(
                    "kms:EncryptionContext:aws:cloudtrail:arn",
                    Value::from(format!("arn:aws:cloudtrail:*:{}:trail/*", cx.account())),
                )]),
            ),
        ]),
    );
    let describe = policy::with(
        policy::with(
            policy::allow("CloudTrailDescribeKey", &["kms:DescribeKey"], vec![Value::from("*")]),
            "Principal",
            principal(),
        ),
        "Condition",
        Value::map([("StringEquals", source_arn(cx))]),
    );
    vec![encrypt, describe]
}

pub(crate) fn build(cx: &mut Cx, keys: &Keys) {
    if !owns_audit(cx) {
        if let Some(env) = cx.m.audit_environment() {
            cx.model.declare_account_resources_in(env.as_str());
        }
        return;
    }
    let bucket = bucket(cx, keys);
    cloudtrail(cx, keys, &bucket);
    config(cx, keys, &bucket);
}

fn bucket(cx: &mut Cx, keys: &Keys) -> (Address, Address) {
    let p = cx.env_prov();
    let c = Concern::Security;
    let account = cx.account().to_string();
    let name = aws_name(&[&cx.prefix, "audit", &account], 63);
    let b = cx
        .res(Kind::S3Bucket, "audit", c.clone(), p.clone())
        .with("bucket", name.as_str())
        .with("force_destroy", false);
    let b = cx.add(b, Some(&name));
    // MFA delete can only be switched on by the root user with its MFA device; it is
    // declared "Enabled" only once the manifest says the root user did so.
    let mfa = if cx.m.security.audit.mfa_delete { "Enabled" } else { "Disabled" };
    let v = cx.res(Kind::S3BucketVersioning, "audit", c.clone(), p.clone()).with("bucket", r(&b, "id")).with(
        "versioning_configuration",
        Value::block([("status", Value::from("Enabled")), ("mfa_delete", Value::from(mfa))]),
    );
    cx.add(v, None);
    let sse = cx.res(Kind::S3BucketEncryption, "audit", c.clone(), p.clone()).with("bucket", r(&b, "id")).with(
        "rule",
        Value::block([
            (
                "apply_server_side_encryption_by_default",
                Value::block([("sse_algorithm", Value::from("aws:kms")), ("kms_master_key_id", r(&keys.s3, "arn"))]),
            ),
            ("bucket_key_enabled", Value::from(true)),
        ]),
    );
    cx.add(sse, None);
    let pab = cx
        .res(Kind::S3BucketPublicAccessBlock, "audit", c.clone(), p.clone())
        .with("bucket", r(&b, "id"))
        .with("block_public_acls", true)
        .with("block_public_policy", true)
        .with("ignore_public_acls", true)
        .with("restrict_public_buckets", true);
    let pab = cx.add(pab, None);
    let own = cx
        .res(Kind::S3BucketOwnershipControls, "audit", c.clone(), p.clone())
        .with("bucket", r(&b, "id"))
        .with("rule", Value::block([("object_ownership", Value::from("BucketOwnerEnforced"))]));
    cx.add(own, None);

    let cloudtrail = || Value::map([("Service", Value::from("cloudtrail.amazonaws.com"))]);
    let acl_check = policy::with(
        policy::with(
            policy::allow("CloudTrailAclCheck", &["s3:GetBucketAcl"], vec![r(&b, "arn")]),
            "Principal",
            cloudtrail(),
        ),
        "Condition",
        Value::map([("StringEquals", source_arn(cx))]),
    );
    let write = policy::with(
        policy::with(
            policy::allow(
                "CloudTrailWrite",
                &["s3:PutObject"],
                vec![Value::Template(vec![ref_part(&b, "arn"), lit(&format!("/cloudtrail/AWSLogs/{account}/*"))])],
            ),
            "Principal",
            cloudtrail(),
        ),
        "Condition",
        Value::map([(
            "StringEquals",
            Value::map([
                ("aws:SourceArn", Value::from(trail_arn(cx))),
                ("s3:x-amz-acl", Value::from("bucket-owner-full-control")),
            ]),
        )]),
    );
    let tls = policy::with(
        policy::with(
            policy::statement(
                "DenyInsecureTransport",
                "Deny",
                &["s3:*"],
                vec![r(&b, "arn"), Value::Template(vec![ref_part(&b, "arn"), lit("/*")])],
            ),
            "Principal",
            Value::from("*"),
        ),
        "Condition",
        Value::map([("Bool", Value::map([("aws:SecureTransport", Value::from("false"))]))]),
    );
    let mut bp = cx
        .res(Kind::S3BucketPolicy, "audit", c, p)
        .with("bucket", r(&b, "id"))
        .with("policy", policy::document(vec![acl_check, write, tls]));
    // Policy and public-access block both update the bucket; S3 rejects them concurrently.
    bp.depends_on.push(pab);
    let bp = cx.add(bp, None);
    (b, bp)
}

fn cloudtrail(cx: &mut Cx, keys: &Keys, (bucket, bucket_policy): &(Address, Address)) {
    let p = cx.env_prov();
    let c = Concern::Security;
    let account = cx.account().to_string();
    let name = trail_name(cx);
    // CloudTrail also delivers to CloudWatch Logs (metric filters and alarms read it there).
    let lg = cx
        .res(Kind::LogGroup, "cloudtrail", c.clone(), p.clone())
        .with("name", format!("/aws/cloudtrail/{name}"))
        .with("retention_in_days", cx.env.log_retention_days.max(365))
        .with("kms_key_id", r(&keys.logs, "arn"));
    let lg = cx.add(lg, None);
    let role_name = aws_name(&[&cx.prefix, "cloudtrail-logs"], 64);
    let role = cx
        .res(Kind::IamRole, "cloudtrail_logs", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", policy::assume_role("cloudtrail.amazonaws.com", &account));
    let role = cx.add(role, Some(&role_name));
    let rp = cx
        .res(Kind::IamRolePolicy, "cloudtrail_logs", c.clone(), p.clone())
        .with("name", "cloudtrail-to-cloudwatch-logs")
        .with("role", r(&role, "id"))
        .with(
            "policy",
            policy::document(vec![policy::allow(
                "DeliverTrailEvents",
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                vec![Value::Template(vec![ref_part(&lg, "arn"), lit(":*")])],
            )]),
        );
    let rp = cx.add(rp, None);
    let mut trail = cx
        .res(Kind::CloudTrail, "main", c, p)
        .with("name", name.as_str())
        .with("s3_bucket_name", r(bucket, "id"))
        .with("s3_key_prefix", "cloudtrail")
        .with("is_multi_region_trail", true)
        .with("include_global_service_events", true)
        .with("enable_log_file_validation", true)
        .with("enable_logging", true)
        .with("kms_key_id", r(&keys.s3, "arn"))
        .with("cloud_watch_logs_group_arn", Value::Template(vec![ref_part(&lg, "arn"), lit(":*")]))
        .with("cloud_watch_logs_role_arn", r(&role, "arn"));
    // CloudTrail checks the bucket policy and the role's permissions when the trail is created.
    trail.depends_on.push(bucket_policy.clone());
    trail.depends_on.push(rp);
    let trail = cx.add(trail, Some(&name));
    cx.output("cloudtrail_arn", r(&trail, "arn"), "ARN of the account's CloudTrail trail");
    cx.output("audit_bucket", r(bucket, "id"), "S3 bucket holding CloudTrail logs and AWS Config snapshots");
}

fn config(cx: &mut Cx, keys: &Keys, (bucket, bucket_policy): &(Address, Address)) {
    let p = cx.env_prov();
    let c = Concern::Security;
    let account = cx.account().to_string();
    let role_name = aws_name(&[&cx.prefix, "config"], 64);
    let role = cx
        .res(Kind::IamRole, "config", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", policy::assume_role("config.amazonaws.com", &account));
    let role = cx.add(role, Some(&role_name));
    let managed = cx
        .res(Kind::IamRolePolicyAttachment, "config", c.clone(), p.clone())
        .with("role", r(&role, "name"))
        .with("policy_arn", "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole");
    let managed = cx.add(managed, None);
    let deliver = cx
        .res(Kind::IamRolePolicy, "config_delivery", c.clone(), p.clone())
        .with("name", "config-delivery")
        .with("role", r(&role, "id"))
        .with(
            "policy",
            policy::document(vec![
                policy::allow("CheckBucketAcl", &["s3:GetBucketAcl"], vec![r(bucket, "arn")]),
                policy::with(
                    policy::allow(
                        "DeliverSnapshots",
                        &["s3:PutObject"],
                        vec![Value::Template(vec![
                            ref_part(bucket, "arn"),
                            lit(&format!("/config/AWSLogs/{account}/Config/*")),
                        ])],
                    ),
                    "Condition",
                    Value::map([(
                        "StringEquals",
                        Value::map([("s3:x-amz-acl", Value::from("bucket-owner-full-control"))]),
                    )]),
                ),
                policy::allow("EncryptSnapshots", &["kms:GenerateDataKey", "kms:Decrypt"], vec![r(&keys.s3, "arn")]),
            ]),
        );
    let deliver = cx.add(deliver, None);
    let name = format!("{}-config", cx.prefix);
    let mut recorder = cx
        .res(Kind::ConfigRecorder, "main", c.clone(), p.clone())
        .with("name", name.as_str())
        .with("role_arn", r(&role, "arn"))
        .with(
            "recording_group",
            Value::block([("all_supported", Value::from(true)), ("include_global_resource_types", Value::from(true))]),
        );
    recorder.depends_on.push(managed);
    let recorder = cx.add(recorder, None);
    let mut channel = cx
        .res(Kind::ConfigDeliveryChannel, "main", c.clone(), p.clone())
        .with("name", name.as_str())
        .with("s3_bucket_name", r(bucket, "id"))
        .with("s3_key_prefix", "config")
        .with("s3_kms_key_arn", r(&keys.s3, "arn"))
        .with("snapshot_delivery_properties", Value::block([("delivery_frequency", Value::from("TwentyFour_Hours"))]));
    // A delivery channel needs an existing recorder, and the role must be able to deliver.
    channel.depends_on.extend([recorder.clone(), deliver, bucket_policy.clone()]);
    let channel = cx.add(channel, None);
    let mut status =
        cx.res(Kind::ConfigRecorderStatus, "main", c, p).with("name", r(&recorder, "name")).with("is_enabled", true);
    // Recording starts only once there is somewhere to deliver to.
    status.depends_on.push(channel);
    cx.add(status, None);
}
