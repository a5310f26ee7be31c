//! # EF016 deployment-min-healthy: deployments keep 100 % of tasks healthy
//!
//! **What it checks.** Every `aws_ecs_service` sets
//! `deployment_minimum_healthy_percent` to 100 or more.
//!
//! **Why it matters.** Below 100, ECS stops old tasks before new ones are
//! healthy; a broken release then takes capacity down instead of being rolled
//! back while the previous version keeps serving.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"deployment_minimum_healthy_percent": 50}}
//! ```
//!
//! **Fix.** `"deployment_minimum_healthy_percent": 100` with
//! `"deployment_maximum_percent": 200`.
//!
//! Doc 003 property 16. NIST CP-10, SI-13. SOC-2 CC8.1, A1.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF016",
    name: "deployment-min-healthy",
    severity: Severity::Error,
    property: Some(16),
    nist: &["CP-10", "SI-13"],
    soc2: &["CC8.1", "A1.2"],
    summary: "ECS services keep minimum healthy percent at 100 or more",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for s in m.of_kind(Kind::EcsService) {
        match s.get("deployment_minimum_healthy_percent") {
            Some(Value::Unknown) => {}
            Some(v) => match as_int(v) {
                Some(p) if p >= 100 => {}
                Some(p) => out.report(s, format!("minimum healthy percent is {p}; a failed deployment would cut capacity; use 100")),
                None => {}
            },
            None => out.report(s, "minimum healthy percent is not set (ECS defaults to 100 only for some configurations); set it to 100"),
        }
    }
}
