//! IAM policy documents as structured values (kept structured in the model,
//! rendered as JSON strings by the emitter).

use ecsforge_model::Value;

/// A policy document from statements.
pub fn document(statements: Vec<Value>) -> Value {
    Value::json(Value::map([("Version", Value::from("2012-10-17")), ("Statement", Value::List(statements))]))
}

/// An `Allow` statement.
pub fn allow(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    statement(sid, "Allow", actions, resources)
}

pub fn statement(sid: &str, effect: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    let resource =
        if resources.len() == 1 { resources.into_iter().next().expect("one") } else { Value::List(resources) };
    Value::map([
        ("Sid", Value::from(sid)),
        ("Effect", Value::from(effect)),
        ("Action", actions_value(actions)),
        ("Resource", resource),
    ])
}

fn actions_value(actions: &[&str]) -> Value {
    if actions.len() == 1 {
        Value::from(actions[0])
    } else {
        Value::List(actions.iter().map(|a| Value::from(*a)).collect())
    }
}

/// Adds a key to a statement map.
pub fn with(stmt: Value, key: &str, v: Value) -> Value {
    match stmt {
        Value::Map(mut m) => {
            m.insert(key.to_string(), v);
            Value::Map(m)
        }
        other => other,
    }
}

/// A trust policy letting an AWS service assume the role, limited to this account.
pub fn assume_role(service: &str, account: &str) -> Value {
    document(vec![Value::map([
        ("Sid", Value::from("AssumeFromService")),
        ("Effect", Value::from("Allow")),
        ("Principal", Value::map([("Service", Value::from(service))])),
        ("Action", Value::from("sts:AssumeRole")),
        ("Condition", Value::map([("StringEquals", Value::map([("aws:SourceAccount", Value::from(account))]))])),
    ])])
}
