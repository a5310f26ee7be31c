//! # EF041 deregistration-delay: targets drain before they are removed
//!
//! **What it checks.** No `aws_lb_target_group` sets `deregistration_delay` to
//! 0 or less, or above 3600 (the ELB maximum). An absent value means the ELB
//! default of 300 seconds and passes.
//!
//! Interpretation of doc 003 property 41 ("a positive value, recommended
//! 30–300 seconds"): positive is the requirement, 30–300 a recommendation.
//! Values between 1 and 3600 are accepted because long-lived connections
//! (websockets, streaming) legitimately need longer drains; ecsforge emits 30.
//!
//! **Why it matters.** With 0, ECS stops a task the moment it is deregistered:
//! every in-flight request of each replaced task fails, on every deployment
//! and every scale-in.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_target_group": {"api": {"deregistration_delay": "0"}}
//! ```
//!
//! **Fix.** `"deregistration_delay": "30"` (longer than the slowest request).
//!
//! Doc 003 property 41. NIST CM-2, SC-5. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF041",
    name: "deregistration-delay",
    severity: Severity::Warning,
    property: Some(41),
    nist: &["CM-2", "SC-5"],
    soc2: &["CC8.1"],
    summary: "target group deregistration_delay is positive (absent = 300) and at most 3600",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for tg in m.of_kind(Kind::LbTargetGroup) {
        match int_attr(tg, "deregistration_delay") {
            Some(d) if d <= 0 => out.report(tg, format!("deregistration_delay is {d}, so in-flight requests fail whenever a task is replaced; set it to 30 (longer than the slowest request)")),
            Some(d) if d > 3600 => out.report(tg, format!("deregistration_delay is {d} seconds, above the ELB maximum of 3600; use 30-300")),
            _ => {}
        }
    }
}
