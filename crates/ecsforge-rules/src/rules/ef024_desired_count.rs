//! # EF024 desired-count: every service runs at least one task
//!
//! **What it checks.** Every `aws_ecs_service` with replica scheduling sets
//! `desired_count` to 1 or more. Terraform's default is 0, so an absent
//! `desired_count` is reported too. Daemon services (`scheduling_strategy =
//! "DAEMON"`) have no desired count and are skipped, and so are standby
//! canary services: a service whose every `load_balancer` target group is
//! forwarded to only with weight 0 (in weighted `forward` actions of listener
//! rules or listeners, and by no plain forward). The ALB sends such a service
//! no request, so 0 tasks is its correct resting state; a rollout scales it
//! up before shifting weight to it (ecsforge's `controller: ecsforge` canary).
//!
//! **Why it matters.** A service at 0 tasks deploys "successfully" and serves
//! nothing; the ALB answers 503 and queues fill up. With autoscaling, the
//! first apply still starts from `desired_count` until the scaling target
//! raises it.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"desired_count": 0}}
//! ```
//!
//! **Fix.** `"desired_count": 2` (at least the autoscaling minimum), with
//! `lifecycle.ignore_changes = ["desired_count"]` so autoscaling owns it afterwards.
//!
//! Doc 003 property 24. NIST CM-2, SC-5. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF024",
    name: "desired-count",
    severity: Severity::Error,
    property: Some(24),
    nist: &["CM-2", "SC-5"],
    soc2: &["CC8.1"],
    summary: "ECS services set desired_count to 1 or more",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let weights = target_group_weights(m);
    for s in m.of_kind(Kind::EcsService) {
        if str_attr(s, "scheduling_strategy") == Some("DAEMON") || is_standby(s, &weights) {
            continue;
        }
        match s.get("desired_count") {
            Some(Value::Unknown) => {}
            None | Some(Value::Null) => out.report(s, "desired_count is not set, so Terraform creates the service with 0 tasks; set desired_count to at least 1 (the autoscaling minimum)"),
            Some(v) => match as_int(v) {
                Some(n) if n < 1 => out.report(s, format!("desired_count is {n}, so the service runs no tasks; set it to at least 1 (the autoscaling minimum)")),
                _ => {}
            },
        }
    }
}
