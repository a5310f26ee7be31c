//! # EF038 target-group-health-check: target groups state their health-check timings
//!
//! **What it checks.** Every `aws_lb_target_group` (except `target_type =
//! "lambda"`, whose checks are off by default) has a `health_check` block
//! that sets `interval`, `timeout`, `healthy_threshold` and
//! `unhealthy_threshold`, with `timeout` shorter than `interval`.
//!
//! **Why it matters.** The provider defaults (30 s interval, 5 healthy and 2
//! unhealthy checks, 5 s or 6 s timeout depending on the protocol) make a
//! new task wait two and a half minutes for traffic and are invisible in
//! review. Doc 003 fixes 30 s / 5 s / 2 / 3; spelling them out keeps
//! deployments and failover predictable.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_target_group": {"api": {"port": 3000, "protocol": "HTTP", "health_check": [{"path": "/health"}]}}
//! ```
//!
//! **Fix.** `"health_check": [{"path": "/health", "interval": 30, "timeout": 5,
//! "healthy_threshold": 2, "unhealthy_threshold": 3, "matcher": "200-399"}]`.
//!
//! Doc 003 property 38. NIST SI-4, CM-2. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF038",
    name: "target-group-health-check",
    severity: Severity::Warning,
    property: Some(38),
    nist: &["SI-4", "CM-2"],
    soc2: &["CC7.2"],
    summary: "target groups set health_check interval, timeout and both thresholds",
};

const FIELDS: [&str; 4] = ["interval", "timeout", "healthy_threshold", "unhealthy_threshold"];

pub fn check(m: &InfraModel, out: &mut Findings) {
    for tg in m.of_kind(Kind::LbTargetGroup) {
        if str_attr(tg, "target_type") == Some("lambda") || matches!(tg.get("health_check"), Some(Value::Unknown)) {
            continue;
        }
        let Some(hc) = block(tg, "health_check") else {
            out.report(tg, "target group has no health_check block, so provider defaults apply unseen; add health_check with interval 30, timeout 5, healthy_threshold 2 and unhealthy_threshold 3");
            continue;
        };
        let missing: Vec<&str> = FIELDS.into_iter().filter(|f| is_set(hc.get(f)) == Some(false)).collect();
        if !missing.is_empty() {
            out.report(tg, format!("health_check does not set {}; state every timing (interval 30, timeout 5, healthy_threshold 2, unhealthy_threshold 3)", missing.join(", ")));
        }
        if let (Some(i), Some(t)) = (hc.get("interval").and_then(as_int), hc.get("timeout").and_then(as_int))
            && t >= i
        {
            out.report(tg, format!("health_check timeout ({t} s) is not shorter than its interval ({i} s), which the ELB API rejects; use e.g. timeout 5 with interval 30"));
        }
    }
}
