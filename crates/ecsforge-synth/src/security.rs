//! Security: one customer-managed KMS key per purpose, the secrets ecsforge
//! manages for services, and the roles people assume (operator roles).
//!
//! Every key is `aws_kms_key.<purpose>` with the alias
//! `alias/<project>-<env>-<purpose>`, rotation on, and a key policy that lets
//! the account administer it through IAM and names exactly the service
//! principals that use it directly. Other modules find keys with
//! [`key_address`] and add keys of their own purpose with [`key`].

use std::collections::BTreeMap;

use ecsforge_manifest::{ManagedSecret, SecretRef, Service};
use ecsforge_model::{Address, Concern, Kind, Value};

use crate::policy;
use crate::{Cx, r, tf_ident};

pub(crate) struct Keys {
    /// Fargate ephemeral storage and ECS Exec sessions.
    pub ecs: Address,
    /// Encrypts ECR repositories.
    pub ecr: Address,
    /// Encrypts the Secrets Manager secrets ecsforge creates.
    pub secrets: Address,
    /// Encrypts CloudWatch log groups (services, flow logs, ECS Exec, CloudTrail).
    pub logs: Address,
    /// Encrypts S3 buckets that accept SSE-KMS (the audit bucket) and CloudTrail's log files.
    pub s3: Address,
}

/// The address of this environment's key for `purpose` (`ecs`, `ecr`,
/// `secrets`, `logs`, `s3`, or a purpose another module created with [`key`]).
pub(crate) fn key_address(purpose: &str) -> Address {
    Address::new("aws_kms_key", purpose)
}

pub(crate) fn logs_key_address() -> Address {
    key_address("logs")
}

/// The statement every key policy starts with: the account administers the key
/// through IAM, so IAM policies can grant its use.
pub(crate) fn admin_statement(account: &str) -> Value {
    policy::with(
        policy::allow("AccountAdministers", &["kms:*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("AWS", Value::from(format!("arn:aws:iam::{account}:root")))]),
    )
}

fn service_principal(stmt: Value, service: &str) -> Value {
    policy::with(stmt, "Principal", Value::map([("Service", Value::from(service))]))
}

fn condition(stmt: Value, cond: Value) -> Value {
    policy::with(stmt, "Condition", cond)
}

pub(crate) fn build(cx: &mut Cx) -> Keys {
    let account = cx.account().to_string();
    let region = cx.region().to_string();
    let admin = admin_statement(&account);

    // logs: CloudWatch Logs encrypts log groups of this account and region.
    let logs_service = condition(
        service_principal(
            policy::allow(
                "CloudWatchLogsUse",
                &["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                vec![Value::from("*")],
            ),
            &format!("logs.{region}.amazonaws.com"),
        ),
        Value::map([(
            "ArnLike",
            Value::map([(
                "kms:EncryptionContext:aws:logs:arn",
                Value::from(format!("arn:aws:logs:{region}:{account}:log-group:*")),
            )]),
        )]),
    );
    let logs = key(
        cx,
        "logs",
        "CloudWatch Logs: service, flow, ECS Exec and CloudTrail logs",
        policy::document(vec![admin.clone(), logs_service]),
    );

    // ecr: ECR uses the key through grants it creates for the caller, so IAM suffices.
    let ecr = key(cx, "ecr", "ECR repositories", policy::document(vec![admin.clone()]));

    // ecs: Fargate encrypts task ephemeral storage for this cluster only.
    let cluster = cx.prefix.clone();
    let ecs_context = || {
        Value::map([
            ("kms:EncryptionContext:aws:ecs:clusterAccount", Value::from(account.as_str())),
            ("kms:EncryptionContext:aws:ecs:clusterName", Value::from(cluster.as_str())),
        ])
    };
    let fargate_data_key = condition(
        service_principal(
            policy::allow(
                "FargateEphemeralStorageDataKey",
                &["kms:GenerateDataKeyWithoutPlaintext"],
                vec![Value::from("*")],
            ),
            "fargate.amazonaws.com",
        ),
        Value::map([("StringEquals", ecs_context())]),
    );
    let fargate_grant = condition(
        service_principal(
            policy::allow("FargateEphemeralStorageGrant", &["kms:CreateGrant"], vec![Value::from("*")]),
            "fargate.amazonaws.com",
        ),
        Value::map([
            ("StringEquals", ecs_context()),
            ("ForAllValues:StringEquals", Value::map([("kms:GrantOperations", Value::list([Value::from("Decrypt")]))])),
        ]),
    );
    let ecs = key(
        cx,
        "ecs",
        "ECS: Fargate ephemeral storage and ECS Exec sessions",
        policy::document(vec![admin.clone(), fargate_data_key, fargate_grant]),
    );

    // secrets: only through Secrets Manager, by principals of this account.
    let via_secrets_manager = condition(
        policy::with(
            policy::allow(
                "SecretsManagerUse",
                &["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                vec![Value::from("*")],
            ),
            "Principal",
            Value::map([("AWS", Value::from(format!("arn:aws:iam::{account}:root")))]),
        ),
        Value::map([(
            "StringEquals",
            Value::map([
                ("kms:ViaService", Value::from(format!("secretsmanager.{region}.amazonaws.com"))),
                ("kms:CallerAccount", Value::from(account.as_str())),
            ]),
        )]),
    );
    let secrets = key(
        cx,
        "secrets",
        "Secrets Manager secrets of the services",
        policy::document(vec![admin.clone(), via_secrets_manager]),
    );

    // s3: the audit bucket; CloudTrail encrypts log files only where this root owns the trail.
    let mut s3_statements = vec![admin];
    if crate::audit::owns_audit(cx) {
        s3_statements.extend(crate::audit::cloudtrail_key_statements(cx));
    }
    let s3 = key(cx, "s3", "S3: audit bucket and CloudTrail log files", policy::document(s3_statements));
    Keys { ecs, ecr, secrets, logs, s3 }
}

/// A customer-managed key for `purpose` with rotation, a 30-day deletion
/// window, the given key policy and the alias `alias/<project>-<env>-<purpose>`.
pub(crate) fn key(cx: &mut Cx, purpose: &str, description: &str, key_policy: Value) -> Address {
    let p = cx.env_prov();
    let name = format!("{}-{purpose}", cx.prefix);
    let k = cx
        .res(Kind::KmsKey, purpose, Concern::Security, p.clone())
        .with("description", format!("{name}: {description}"))
        .with("enable_key_rotation", true)
        .with("deletion_window_in_days", 30)
        .with("policy", key_policy);
    let k = cx.add(k, Some(&name));
    let alias = cx
        .res(Kind::KmsAlias, purpose, Concern::Security, p)
        .with("name", format!("alias/{name}"))
        .with("target_key_id", r(&k, "key_id"));
    cx.add(alias, None);
    k
}

/// The name of a managed secret: `<project>/<env>/<service>/<NAME>`.
pub(crate) fn managed_secret_name(cx: &Cx, service: &str, var: &str) -> String {
    format!("{}/{}/{service}/{var}", cx.m.project.value, cx.env.env)
}

/// Creates the service's managed secrets (no value: it is put out of band or
/// by the rotation Lambda), encrypted with the secrets key, with rotation when
/// a rotation Lambda is given. Returns the secret address per variable name.
pub(crate) fn managed_secrets(cx: &mut Cx, keys: &Keys, s: &Service) -> BTreeMap<String, Address> {
    let svc = s.name.as_str();
    let c = Concern::Service(svc.to_string());
    let p = cx.prov(&s.loc);
    let mut out = BTreeMap::new();
    for (var, secret) in &s.secrets {
        let SecretRef::Managed(ManagedSecret { rotation_lambda_arn, rotation_days }) = secret else { continue };
        let id = format!("{}_{}", tf_ident(svc), var.to_ascii_lowercase());
        let name = managed_secret_name(cx, svc, var);
        let recovery = if cx.env.env.is_prod() { 30 } else { 7 };
        let res = cx
            .res(Kind::SecretsManagerSecret, &id, c.clone(), p.clone())
            .with("name", name.as_str())
            .with("description", format!("{var} of {svc} ({}); the value is set outside Terraform", cx.env.env))
            .with("kms_key_id", r(&keys.secrets, "arn"))
            .with("recovery_window_in_days", recovery);
        let addr = cx.add(res, Some(&name));
        // Secrets are tagged with their service as well as the environment.
        if let Some(Value::Map(tags)) = cx.model.resources.get_mut(&addr).and_then(|r| r.attrs.get_mut("tags")) {
            tags.insert("Service".into(), Value::from(svc));
        }
        if let Some(lambda) = rotation_lambda_arn {
            let rot = cx
                .res(Kind::SecretsManagerSecretRotation, &id, c.clone(), p.clone())
                .with("secret_id", r(&addr, "id"))
                .with("rotation_lambda_arn", lambda.as_str())
                .with("rotation_rules", Value::block([("automatically_after_days", Value::from(*rotation_days))]));
            cx.add(rot, None);
        }
        out.insert(var.clone(), addr);
    }
    out
}

/// The resource policy of each managed secret: only the service's execution
/// role may read it, and nothing is allowed without TLS.
pub(crate) fn managed_secret_policies(cx: &mut Cx, s: &Service, secrets: &BTreeMap<String, Address>, exec: &Address) {
    let c = Concern::Service(s.name.value.clone());
    let p = cx.prov(&s.loc);
    for addr in secrets.values() {
        let doc = policy::document(vec![
            policy::with(
                policy::allow("ReadByExecutionRole", &["secretsmanager:GetSecretValue"], vec![Value::from("*")]),
                "Principal",
                Value::map([("AWS", r(exec, "arn"))]),
            ),
            policy::with(
                policy::with(
                    policy::statement("DenyInsecureTransport", "Deny", &["secretsmanager:*"], vec![Value::from("*")]),
                    "Principal",
                    Value::from("*"),
                ),
                "Condition",
                Value::map([("Bool", Value::map([("aws:SecureTransport", Value::from("false"))]))]),
            ),
        ]);
        let pol = cx
            .res(Kind::SecretsManagerSecretPolicy, addr.name(), c.clone(), p.clone())
            .with("secret_arn", r(addr, "arn"))
            .with("block_public_policy", true)
            .with("policy", doc);
        cx.add(pol, None);
    }
}

/// Roles people assume (`security.operator_roles`). In prod the trust
/// requires MFA, no older than `mfa_max_age_seconds`; elsewhere it does not.
pub(crate) fn operator_roles(cx: &mut Cx) {
    let prod = cx.env.env.is_prod();
    for role in &cx.m.security.operator_roles {
        let p = cx.prov(&role.loc);
        let id = format!("operator_{}", tf_ident(&role.name));
        let name = format!("{}-operator-{}", cx.prefix, role.name);
        let principals: Vec<Value> = role
            .trusted_principals
            .iter()
            .map(|t| {
                if t.starts_with("arn:") {
                    Value::from(t.as_str())
                } else {
                    Value::from(format!("arn:aws:iam::{t}:root"))
                }
            })
            .collect();
        let principal =
            if principals.len() == 1 { principals.into_iter().next().expect("one") } else { Value::List(principals) };
        let mut stmt = Value::map([
            ("Sid", Value::from("AssumeByPeople")),
            ("Effect", Value::from("Allow")),
            ("Principal", Value::map([("AWS", principal)])),
            ("Action", Value::from("sts:AssumeRole")),
        ]);
        if prod {
            stmt = condition(
                stmt,
                Value::map([
                    ("Bool", Value::map([("aws:MultiFactorAuthPresent", Value::from("true"))])),
                    (
                        "NumericLessThan",
                        Value::map([("aws:MultiFactorAuthAge", Value::from(role.mfa_max_age_seconds.to_string()))]),
                    ),
                ]),
            );
        }
        let res = cx
            .res(Kind::IamRole, &id, Concern::Security, p.clone())
            .with("name", name.as_str())
            .with(
                "description",
                format!("Operator role `{}` for people{}", role.name, if prod { "; MFA required" } else { "" }),
            )
            .with("max_session_duration", 3600)
            .with("assume_role_policy", policy::document(vec![stmt]));
        let addr = cx.add(res, Some(&name));
        // Policy names may hold characters Terraform identifiers cannot: number them.
        for (i, arn) in role.managed_policy_arns.iter().enumerate() {
            let att = cx
                .res(Kind::IamRolePolicyAttachment, &format!("{id}_{i}"), Concern::Security, p.clone())
                .with("role", r(&addr, "name"))
                .with("policy_arn", arn.as_str());
            cx.add(att, None);
        }
    }
}
