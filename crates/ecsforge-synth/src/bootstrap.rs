//! The state bootstrap root (`ecsforge bootstrap`): the S3 bucket and DynamoDB
//! lock table that every environment's S3 backend (manifest `state`) uses.
//!
//! This root keeps its own state locally (it creates the backend the others
//! use), so its model has no backend. It is shared by every environment: one
//! bucket and one table per manifest, with a state file per environment.

use std::collections::BTreeMap;

use ecsforge_manifest::Manifest;
use ecsforge_model::{Address, Concern, InfraModel, Kind, Output, Provenance, Resource, Value};

use crate::network::{lit, ref_part};
use crate::{SynthError, policy, r};

/// The environment name of the bootstrap root, which every environment shares.
pub const SHARED: &str = "shared";

/// The model of the bootstrap root for `m`'s `state` section.
pub fn bootstrap(m: &Manifest) -> Result<InfraModel, SynthError> {
    let st = &m.state;
    let project = m.project.value.as_str();
    let account = m.account_id.value.as_str();
    let p = Provenance { file: m.file.clone(), pointer: st.loc.pointer.clone(), line: st.loc.line, col: st.loc.col };
    let mut tags = m.tags.clone();
    tags.insert("ManagedBy".into(), "ecsforge".into());
    tags.insert("Project".into(), project.to_string());
    tags.insert("Purpose".into(), "terraform-state".into());
    // Shared by every environment.
    tags.insert("Environment".into(), SHARED.into());
    let tagged = |r: Resource, name: &str| {
        let mut t = tags.clone();
        t.insert("Name".into(), name.to_string());
        r.with("tags", Value::from(t))
    };
    let res = |kind: Kind, name: &str| Resource::new(kind, name, Concern::State, p.clone());

    let mut model = InfraModel {
        project: project.to_string(),
        environment: SHARED.to_string(),
        region: st.region.clone(),
        account_id: account.to_string(),
        backend: None,
        ..InfraModel::default()
    };
    // The account's CloudTrail trail and Config recorder live in the audit environment's root.
    if let Some(env) = m.audit_environment() {
        model.declare_account_resources_in(env.as_str());
    }
    let mut errors = Vec::new();
    let mut add = |model: &mut InfraModel, r: Resource| -> Address {
        let a = r.address.clone();
        if let Err(e) = model.insert(r) {
            errors.push(e);
        }
        a
    };

    let key_name = format!("{project}-tfstate");
    let key = add(
        &mut model,
        tagged(
            res(Kind::KmsKey, "state")
                .with("description", format!("{key_name}: Terraform state bucket and lock table"))
                .with("enable_key_rotation", true)
                .with("deletion_window_in_days", 30)
                .with("policy", policy::document(vec![crate::security::admin_statement(account)])),
            &key_name,
        ),
    );
    add(
        &mut model,
        res(Kind::KmsAlias, "state").with("name", format!("alias/{key_name}")).with("target_key_id", r(&key, "key_id")),
    );

    let bucket = add(
        &mut model,
        tagged(
            res(Kind::S3Bucket, "state").with("bucket", st.bucket.as_str()).with("force_destroy", false),
            &st.bucket,
        ),
    );
    add(
        &mut model,
        res(Kind::S3BucketVersioning, "state")
            .with("bucket", r(&bucket, "id"))
            .with("versioning_configuration", Value::block([("status", Value::from("Enabled"))])),
    );
    add(
        &mut model,
        res(Kind::S3BucketEncryption, "state").with("bucket", r(&bucket, "id")).with(
            "rule",
            Value::block([
                (
                    "apply_server_side_encryption_by_default",
                    Value::block([("sse_algorithm", Value::from("aws:kms")), ("kms_master_key_id", r(&key, "arn"))]),
                ),
                ("bucket_key_enabled", Value::from(true)),
            ]),
        ),
    );
    let pab = add(
        &mut model,
        res(Kind::S3BucketPublicAccessBlock, "state")
            .with("bucket", r(&bucket, "id"))
            .with("block_public_acls", true)
            .with("block_public_policy", true)
            .with("ignore_public_acls", true)
            .with("restrict_public_buckets", true),
    );
    add(
        &mut model,
        res(Kind::S3BucketOwnershipControls, "state")
            .with("bucket", r(&bucket, "id"))
            .with("rule", Value::block([("object_ownership", Value::from("BucketOwnerEnforced"))])),
    );
    let tls_only = policy::with(
        policy::with(
            policy::statement(
                "DenyInsecureTransport",
                "Deny",
                &["s3:*"],
                vec![r(&bucket, "arn"), Value::Template(vec![ref_part(&bucket, "arn"), lit("/*")])],
            ),
            "Principal",
            Value::from("*"),
        ),
        "Condition",
        Value::map([("Bool", Value::map([("aws:SecureTransport", Value::from("false"))]))]),
    );
    let mut bp = res(Kind::S3BucketPolicy, "state")
        .with("bucket", r(&bucket, "id"))
        .with("policy", policy::document(vec![tls_only]));
    bp.depends_on.push(pab);
    add(&mut model, bp);

    let table = add(
        &mut model,
        tagged(
            res(Kind::from_terraform_type("aws_dynamodb_table"), "lock")
                .with("name", st.lock_table.as_str())
                .with("billing_mode", "PAY_PER_REQUEST")
                .with("hash_key", "LockID")
                .with("attribute", Value::block([("name", Value::from("LockID")), ("type", Value::from("S"))]))
                .with("point_in_time_recovery", Value::block([("enabled", Value::from(true))]))
                .with(
                    "server_side_encryption",
                    Value::block([("enabled", Value::from(true)), ("kms_key_arn", r(&key, "arn"))]),
                )
                .with("deletion_protection_enabled", true),
            &st.lock_table,
        ),
    );

    let outputs: BTreeMap<String, Output> = [
        ("state_bucket", r(&bucket, "id"), "S3 bucket holding every environment's Terraform state"),
        ("lock_table", r(&table, "name"), "DynamoDB table locking the Terraform state"),
        ("state_kms_key_arn", r(&key, "arn"), "KMS key encrypting the state bucket and lock table"),
    ]
    .into_iter()
    .map(|(n, v, d)| (n.to_string(), Output { value: v, description: d.to_string() }))
    .collect();
    model.outputs.extend(outputs);
    if let Err(errs) = model.check_references() {
        errors.extend(errs);
    }
    if errors.is_empty() { Ok(model) } else { Err(SynthError::Model { env: "bootstrap".into(), errors }) }
}
