//! # EF011 container-insights: ECS clusters have Container Insights on
//!
//! **What it checks.** Every `aws_ecs_cluster` has a `setting` block
//! `containerInsights` set to `enabled` (or `enhanced`).
//!
//! **Why it matters.** Without it there are no per-task CPU/memory metrics, so
//! alarms and autoscaling lack the data that explains failures.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_cluster": {"main": {"name": "shop-prod"}}
//! ```
//!
//! **Fix.** `"setting": [{"name": "containerInsights", "value": "enabled"}]`.
//!
//! Doc 003 property 11. NIST AU-2, SI-4. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF011",
    name: "container-insights",
    severity: Severity::Warning,
    property: Some(11),
    nist: &["AU-2", "SI-4"],
    soc2: &["CC7.2"],
    summary: "ECS clusters enable Container Insights",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for c in m.of_kind(Kind::EcsCluster) {
        let value = blocks(c, "setting")
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some("containerInsights"))
            .and_then(|s| s.get("value"));
        match value {
            Some(Value::Unknown) => {}
            Some(Value::String(v)) if v == "enabled" || v == "enhanced" => {}
            _ => out.report(c, "cluster does not enable Container Insights; add setting containerInsights = enabled"),
        }
    }
}
