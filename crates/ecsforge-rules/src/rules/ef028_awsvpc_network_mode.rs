//! # EF028 awsvpc-network-mode: task definitions use awsvpc networking
//!
//! **What it checks.** Every `aws_ecs_task_definition` sets
//! `network_mode = "awsvpc"`.
//!
//! **Why it matters.** Only awsvpc gives each task its own ENI and security
//! group, which every other network rule here relies on; Fargate requires it.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"api": {"network_mode": "bridge"}}
//! ```
//!
//! **Fix.** `"network_mode": "awsvpc"`.
//!
//! Doc 003 property 28. NIST SC-7. SOC-2 CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF028",
    name: "awsvpc-network-mode",
    severity: Severity::Error,
    property: Some(28),
    nist: &["SC-7"],
    soc2: &["CC6.6"],
    summary: "task definitions use awsvpc network mode",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        match td.get("network_mode") {
            Some(Value::Unknown) => {}
            Some(Value::String(v)) if v == "awsvpc" => {}
            Some(Value::String(v)) => out.report(td, format!("network mode is {v}; use awsvpc")),
            _ => out.report(td, "network mode is not set (EC2 defaults to bridge); set awsvpc"),
        }
    }
}
