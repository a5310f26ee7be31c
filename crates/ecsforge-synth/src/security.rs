//! Customer-managed KMS keys used by this environment's platform.

use ecsforge_model::{Address, Concern, Kind, Value};

use crate::policy;
use crate::{Cx, r};

pub(crate) struct Keys {
    /// Encrypts CloudWatch log groups (services, flow logs, ECS Exec).
    pub logs: Address,
    /// Encrypts ECR repositories.
    pub ecr: Address,
}

pub(crate) fn logs_key_address() -> Address {
    Address::new("aws_kms_key", "logs")
}

pub(crate) fn build(cx: &mut Cx) -> Keys {
    let account = cx.account().to_string();
    let region = cx.region().to_string();
    let root = Value::from(format!("arn:aws:iam::{account}:root"));
    let admin = policy::with(
        policy::allow("AccountAdministers", &["kms:*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("AWS", root)]),
    );
    let logs_service = policy::with(
        policy::with(
            policy::allow(
                "CloudWatchLogsUse",
                &["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                vec![Value::from("*")],
            ),
            "Principal",
            Value::map([("Service", Value::from(format!("logs.{region}.amazonaws.com")))]),
        ),
        "Condition",
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
        "CloudWatch Logs: service, flow and ECS Exec logs",
        policy::document(vec![admin.clone(), logs_service]),
    );
    let ecr = key(cx, "ecr", "ECR repositories", policy::document(vec![admin]));
    Keys { logs, ecr }
}

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
