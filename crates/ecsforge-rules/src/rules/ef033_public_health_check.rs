//! # EF033 public-health-check: the load balancer health-checks every public service
//!
//! **What it checks.** For every `aws_ecs_service` with a `load_balancer`
//! block, the target group it names (when in the model) does not switch
//! health checks off (`health_check { enabled = false }`).
//!
//! Doc 003 property 33 has two halves, and each is reported once: that the
//! target group has a `health_check` block with its timings is rule EF038
//! (for every target group), and that the container has a `healthCheck`
//! command is rule EF002 (for every essential container, public or not). What
//! remains specific to public services is that the ALB actually checks them.
//!
//! **Why it matters.** With health checks disabled the ALB treats every
//! registered task as healthy: requests go to tasks that are still starting or
//! are hung, and a broken deployment receives traffic instead of being rolled
//! back (doc 003 "Health Check Failures").
//!
//! **Failing example.**
//! ```json
//! "aws_lb_target_group": {"api": {"health_check": [{"enabled": false}]}},
//! "aws_ecs_service": {"api": {"load_balancer": [{"target_group_arn": "${aws_lb_target_group.api.arn}"}]}}
//! ```
//!
//! **Fix.** `"health_check": [{"enabled": true, "path": "/health", "matcher": "200-399", "interval": 30,
//! "timeout": 5, "healthy_threshold": 2, "unhealthy_threshold": 3}]`.
//!
//! Doc 003 property 33. NIST SI-4, CM-2. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF033",
    name: "public-health-check",
    severity: Severity::Error,
    property: Some(33),
    nist: &["SI-4", "CM-2"],
    soc2: &["CC7.2"],
    summary: "target groups of load-balanced services keep health checks enabled",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for s in m.of_kind(Kind::EcsService) {
        for lb in blocks(s, "load_balancer") {
            let Some(tg) = lb.get("target_group_arn").and_then(|v| target(m, v)) else { continue };
            if tg.kind != Kind::LbTargetGroup {
                continue;
            }
            let enabled = block(tg, "health_check").and_then(|h| h.get("enabled")).and_then(as_bool);
            if enabled == Some(false) {
                out.report(s, format!("the load balancer does not health-check this service: {} has health_check.enabled = false, so unhealthy tasks receive traffic; enable it with the service's health path", tg.address));
            }
        }
    }
}
