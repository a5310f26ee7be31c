//! DynamoDB tables (`tables:`), their customer-managed key, and each task
//! role's access to the tables its service lists (`services[].tables`).

use std::collections::BTreeMap;

use ecsforge_manifest::{Service, TableAccess};
use ecsforge_model::{Address, Concern, Kind, Provenance, Value};

use crate::network::{lit, ref_part};
use crate::{Cx, policy, r, tf_ident};

/// The tables of this environment and the key encrypting them.
pub(crate) struct Tables {
    pub key: Address,
    /// By manifest table name.
    pub tables: BTreeMap<String, Address>,
}

const READ: [&str; 6] = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];
const WRITE: [&str; 6] = [
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];

/// The AWS name of a table: `<project>-<env>-<table>`.
pub(crate) fn table_name(cx: &Cx, table: &str) -> String {
    format!("{}-{table}", cx.prefix)
}

/// The key and the tables, when the manifest declares any.
pub(crate) fn build(cx: &mut Cx) -> Option<Tables> {
    if cx.m.tables.is_empty() {
        return None;
    }
    let root = Value::from(format!("arn:aws:iam::{}:root", cx.account()));
    let admin = policy::with(
        policy::allow("AccountAdministers", &["kms:*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("AWS", root)]),
    );
    // The account's principals (with IAM permission) use the key only through
    // DynamoDB in this region, which also creates its grants with it.
    let use_via_dynamodb = policy::with(
        policy::with(
            policy::allow(
                "AccountUsesThroughDynamodb",
                &[
                    "kms:CreateGrant",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                ],
                vec![Value::from("*")],
            ),
            "Principal",
            Value::map([("AWS", Value::from(format!("arn:aws:iam::{}:root", cx.account())))]),
        ),
        "Condition",
        Value::map([(
            "StringEquals",
            Value::map([
                ("kms:CallerAccount", Value::from(cx.account())),
                ("kms:ViaService", Value::from(format!("dynamodb.{}.amazonaws.com", cx.region()))),
            ]),
        )]),
    );
    let key = crate::security::key(
        cx,
        "dynamodb",
        "DynamoDB tables (task roles use it only through DynamoDB)",
        policy::document(vec![admin, use_via_dynamodb]),
    );
    let mut tables = BTreeMap::new();
    for t in &cx.m.tables {
        let name = table_name(cx, &t.name);
        let attributes = Value::List(
            t.attributes()
                .into_iter()
                .map(|(n, k)| Value::map([("name", Value::from(n)), ("type", Value::from(k.as_str()))]))
                .collect(),
        );
        let mut res = cx
            .res(Kind::DynamodbTable, &tf_ident(&t.name), Concern::Data, cx.prov(&t.loc))
            .with("name", name.as_str())
            .with("billing_mode", "PAY_PER_REQUEST")
            .with("hash_key", t.hash_key.name.as_str())
            .with("attribute", attributes)
            .with("point_in_time_recovery", Value::block([("enabled", Value::from(true))]))
            .with(
                "server_side_encryption",
                Value::block([("enabled", Value::from(true)), ("kms_key_arn", r(&key, "arn"))]),
            )
            .with("deletion_protection_enabled", cx.env.env.is_prod());
        if let Some(rk) = &t.range_key {
            res.set("range_key", rk.name.as_str());
        }
        if !t.indexes.is_empty() {
            let gsis = t
                .indexes
                .iter()
                .map(|i| {
                    let mut m = BTreeMap::new();
                    m.insert("name".to_string(), Value::from(i.name.as_str()));
                    m.insert("hash_key".to_string(), Value::from(i.hash_key.name.as_str()));
                    if let Some(rk) = &i.range_key {
                        m.insert("range_key".to_string(), Value::from(rk.name.as_str()));
                    }
                    m.insert("projection_type".to_string(), Value::from("ALL"));
                    Value::Map(m)
                })
                .collect();
            res.set("global_secondary_index", Value::List(gsis));
        }
        let addr = cx.add(res, Some(&name));
        let id = tf_ident(&t.name);
        cx.output(&format!("table_{id}_name"), r(&addr, "name"), &format!("DynamoDB table {}", t.name.value));
        cx.output(&format!("table_{id}_arn"), r(&addr, "arn"), &format!("ARN of the DynamoDB table {}", t.name.value));
        tables.insert(t.name.value.clone(), addr);
    }
    Some(Tables { key, tables })
}

/// The task role's access to the service's tables (and their indexes), and
/// to the table key through DynamoDB only.
pub(crate) fn grant(cx: &mut Cx, s: &Service, task_role: &Address, prov: &Provenance, tables: Option<&Tables>) {
    let Some(tables) = tables.filter(|_| !s.tables.is_empty()) else { return };
    let mut statements = Vec::new();
    for (access, sid) in [
        (TableAccess::Read, "ReadTables"),
        (TableAccess::Write, "WriteTables"),
        (TableAccess::ReadWrite, "ReadWriteTables"),
    ] {
        let mut resources = Vec::new();
        for g in s.tables.iter().filter(|g| g.access == access) {
            let t = &tables.tables[&g.table];
            resources.push(r(t, "arn"));
            resources.push(Value::Template(vec![ref_part(t, "arn"), lit("/index/*")]));
        }
        if resources.is_empty() {
            continue;
        }
        let mut actions: Vec<&str> = Vec::new();
        if access.reads() {
            actions.extend(READ);
        }
        if access.writes() {
            actions.extend(WRITE);
        }
        actions.sort();
        actions.dedup();
        statements.push(policy::allow(sid, &actions, resources));
    }
    let kms: &[&str] = if s.tables.iter().any(|g| g.access.writes()) {
        &["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    } else {
        &["kms:Decrypt", "kms:DescribeKey"]
    };
    statements.push(policy::with(
        policy::allow("TableKeyThroughDynamodb", kms, vec![r(&tables.key, "arn")]),
        "Condition",
        Value::map([(
            "StringEquals",
            Value::map([("kms:ViaService", Value::from(format!("dynamodb.{}.amazonaws.com", cx.region())))]),
        )]),
    ));
    let svc = s.name.as_str();
    let rp = cx
        .res(Kind::IamRolePolicy, &format!("{}_tables", tf_ident(svc)), Concern::Service(svc.to_string()), prov.clone())
        .with("name", "dynamodb-tables")
        .with("role", r(task_role, "id"))
        .with("policy", policy::document(statements));
    cx.add(rp, None);
}

/// The DynamoDB gateway endpoint's policy: only this environment's tables.
pub(crate) fn endpoint_policy(cx: &Cx) -> Value {
    let mut resources = Vec::new();
    for t in &cx.m.tables {
        let arn = format!("arn:aws:dynamodb:{}:{}:table/{}", cx.region(), cx.account(), table_name(cx, &t.name));
        resources.push(Value::from(format!("{arn}/index/*")));
        resources.push(Value::from(arn));
    }
    resources.sort_by_key(|v| v.as_str().map(str::to_string));
    policy::document(vec![policy::with(
        policy::allow("ThisEnvironmentTables", &["dynamodb:*"], resources),
        "Principal",
        Value::from("*"),
    )])
}
