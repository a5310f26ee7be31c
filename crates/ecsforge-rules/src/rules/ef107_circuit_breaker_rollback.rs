//! # EF107 circuit-breaker-rollback: failed deployments roll back by themselves
//!
//! **What it checks.** Every `aws_ecs_service` using the ECS deployment
//! controller has `deployment_circuit_breaker { enable = true, rollback = true }`.
//!
//! **Why it matters.** Without the breaker, a release whose tasks never become
//! healthy keeps retrying forever; with it ECS stops and restores the last
//! working task definition (doc 003 "ECS Service Update Timeout", doc 002).
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"deployment_circuit_breaker": [{"enable": true, "rollback": false}]}}
//! ```
//!
//! **Fix.** `"deployment_circuit_breaker": [{"enable": true, "rollback": true}]`.
//!
//! Design docs 002 §Deployment Strategies, 003 §Deployment Errors. NIST CP-10, SI-13. SOC-2 CC8.1, A1.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF107",
    name: "circuit-breaker-rollback",
    severity: Severity::Error,
    property: None,
    nist: &["CP-10", "SI-13"],
    soc2: &["CC8.1", "A1.2"],
    summary: "ECS services enable the deployment circuit breaker with rollback",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for s in m.of_kind(Kind::EcsService) {
        let controller = block(s, "deployment_controller").and_then(|b| b.get("type")).and_then(Value::as_str).unwrap_or("ECS");
        if controller != "ECS" {
            continue;
        }
        let b = block(s, "deployment_circuit_breaker");
        let on = |k: &str| b.and_then(|b| b.get(k)).and_then(as_bool);
        if b.is_some_and(|b| matches!(b.get("enable"), Some(Value::Unknown))) {
            continue;
        }
        if on("enable") != Some(true) || on("rollback") != Some(true) {
            out.report(s, "deployment circuit breaker with rollback is not enabled; set deployment_circuit_breaker { enable = true, rollback = true }");
        }
    }
}
