//! # EF025 rolling-update: rolling deployments have room to start new tasks
//!
//! **What it checks.** Every `aws_ecs_service` using the ECS (rolling)
//! deployment controller sets `deployment_maximum_percent`, to 100 or more
//! and above `deployment_minimum_healthy_percent` when that is known.
//! Daemon services and the `CODE_DEPLOY` / `EXTERNAL` controllers, where ECS
//! ignores these values, are skipped.
//!
//! Interpretation of doc 003 property 25 ("both minimum_healthy_percent and
//! maximum_percent defined with valid values"): the minimum half (set, and at
//! least 100) is rule EF016 and is not reported twice; this rule owns the
//! maximum. "Valid" is taken as what lets a rolling deployment progress: with
//! the maximum equal to the minimum, ECS may neither stop an old task nor start
//! a new one, and the deployment never moves.
//!
//! **Why it matters.** With `minimum 100 / maximum 100` a deployment is stuck
//! until the circuit breaker gives up; below 100 the service can never run its
//! full desired count during a deployment.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"deployment_minimum_healthy_percent": 100, "deployment_maximum_percent": 100}}
//! ```
//!
//! **Fix.** `"deployment_maximum_percent": 200` (doc 003: minimum 100, maximum 200).
//!
//! Doc 003 property 25. NIST CM-2, CM-3. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF025",
    name: "rolling-update",
    severity: Severity::Error,
    property: Some(25),
    nist: &["CM-2", "CM-3"],
    soc2: &["CC8.1"],
    summary: "deployment_maximum_percent is set, at least 100 and above the minimum healthy percent",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for s in m.of_kind(Kind::EcsService) {
        let controller = block(s, "deployment_controller").and_then(|b| b.get("type")).and_then(Value::as_str).unwrap_or("ECS");
        if controller != "ECS" || str_attr(s, "scheduling_strategy") == Some("DAEMON") {
            continue;
        }
        let max = match s.get("deployment_maximum_percent") {
            Some(Value::Unknown) => continue,
            None | Some(Value::Null) => {
                out.report(s, "deployment_maximum_percent is not set; set it explicitly (200) so the rolling update's headroom is reviewed, not implied");
                continue;
            }
            Some(v) => match as_int(v) {
                Some(n) => n,
                None => continue,
            },
        };
        let min = int_attr(s, "deployment_minimum_healthy_percent");
        if max < 100 {
            out.report(s, format!("deployment_maximum_percent is {max}, so the service can never run all its tasks during a deployment; use 200"));
        } else if let Some(min) = min
            && max <= min
        {
            out.report(s, format!("deployment_maximum_percent ({max}) is not above deployment_minimum_healthy_percent ({min}), so a rolling deployment can neither start new tasks nor stop old ones; use maximum 200"));
        }
    }
}
