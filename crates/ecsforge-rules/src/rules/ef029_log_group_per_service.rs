//! # EF029 log-group-per-service: each service logs to its own `/ecs/` log group
//!
//! **What it checks.** For every container that logs with the `awslogs`
//! driver: `options.awslogs-group` is set, its name starts with `/ecs/`, and
//! no other task definition writes to the same group (containers of one task
//! definition may share it). A group given as a reference is identified by
//! the referenced `aws_cloudwatch_log_group`, so a reference and a literal
//! name of the same group count as the same group.
//!
//! Interpretation: doc 003 names the pattern `/ecs/{service-name}`. ecsforge
//! uses `/ecs/<project>-<env>/<service>` so that several projects and
//! environments can share an account without colliding; that is a variant of
//! the same convention. The rule therefore requires only the `/ecs/` prefix
//! and uniqueness per service, not an exact name.
//!
//! **Why it matters.** Two services in one log group interleave their streams:
//! retention, encryption and access can no longer be set per service, metric
//! filters and alarms match the wrong service, and an audit cannot attribute a
//! line to a service without parsing stream names.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {
//!   "api": {"container_definitions": "[{\"name\": \"api\", \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/shop\"}}}]"},
//!   "worker": {"container_definitions": "[{\"name\": \"worker\", \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/shop\"}}}]"}}
//! ```
//!
//! **Fix.** One `aws_cloudwatch_log_group` per service (`/ecs/shop-prod/api`,
//! `/ecs/shop-prod/worker`), each referenced by its own task definition.
//!
//! Doc 003 property 29. NIST AU-2, AU-9. SOC-2 CC7.2.

use std::collections::HashMap;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF029",
    name: "log-group-per-service",
    severity: Severity::Warning,
    property: Some(29),
    nist: &["AU-2", "AU-9"],
    soc2: &["CC7.2"],
    summary: "awslogs groups start with /ecs/ and are not shared between task definitions",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let by_name: HashMap<&str, &Address> =
        m.of_kind(Kind::LogGroup).filter_map(|g| str_attr(g, "name").map(|n| (n, &g.address))).collect();
    let mut owner: HashMap<String, &Address> = HashMap::new();
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        let mut mine: Vec<String> = Vec::new();
        for c in containers(td) {
            let Some(lc) = c.get("logConfiguration") else { continue };
            if lc.get("logDriver").and_then(Value::as_str) != Some("awslogs") {
                continue;
            }
            let container = c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
            let group = lc.get("options").and_then(|o| o.get("awslogs-group"));
            // (identity, known head of the name)
            let (id, head) = match group {
                Some(Value::Unknown) => continue,
                Some(Value::String(n)) => {
                    (by_name.get(n.as_str()).map(|a| a.to_string()).unwrap_or_else(|| n.clone()), Some(n.clone()))
                }
                Some(v @ (Value::Ref(_) | Value::Template(_))) => {
                    let t = target(m, v).filter(|t| t.kind == Kind::LogGroup);
                    match t {
                        Some(t) => (t.address.to_string(), t.get("name").and_then(known_prefix)),
                        None => (format!("{v:?}"), known_prefix(v)),
                    }
                }
                _ => {
                    out.report(td, format!("container `{container}` logs with awslogs but has no awslogs-group; point it at the service's own /ecs/ log group"));
                    continue;
                }
            };
            if let Some(h) = head
                && !h.starts_with("/ecs/")
                && !"/ecs/".starts_with(h.as_str())
            {
                out.report(td, format!("container `{container}` logs to a group named `{h}`…, outside /ecs/; use the service's own group /ecs/<project>-<env>/<service>"));
            }
            if !mine.contains(&id) {
                mine.push(id);
            }
        }
        for id in mine {
            match owner.get(&id) {
                Some(first) => out.report(td, format!("task definition shares its awslogs group {id} with {first}; give each service its own log group")),
                None => {
                    owner.insert(id, &td.address);
                }
            }
        }
    }
}
